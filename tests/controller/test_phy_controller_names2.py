"""More phy 2.1 ``TemplateController`` names served by phycore's controller: ``cache_dir``,
``attached_plugins``, ``gui_version``, ``default_show_mapped_channels``,
``get_channel_amplitudes``, ``get_mean_spike_template_amplitudes``,
``get_mean_spike_raw_amplitudes``, ``RawDataFilter.add_default_filter`` and
``supervisor.context``.

phy's controller needs Qt, so its formulas (``phy/apps/base.py``, ``phy/apps/template/gui.py``)
are recomputed on phylib's ``TemplateModel`` loaded from a copy of the same folder.
"""

from __future__ import annotations


import numpy as np
import pytest

from phycore import TemplateController
from phycore.controller import RawDataFilter
from tests._phylib_pair import phylib_pair



@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("ctl2")
    yield from phylib_pair(d, lambda p: TemplateController(p.parent, metrics=False, config_dir=d / "config"),
                           n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, raw=True, seed=0)


def test_class_values_and_folders(pair) -> None:
    c, _ = pair
    assert TemplateController.gui_version == 2 and TemplateController.default_show_mapped_channels is True
    assert c.cache_dir == c.phy_dir and c.cache_dir.name == ".phy"
    assert c.attached_plugins is c.plugins and isinstance(c.attached_plugins, list)
    assert c.supervisor.context is c.context


def test_channel_amplitudes_match_phy(pair) -> None:
    c, ref = pair
    for cid in [int(i) for i in c.supervisor.clustering.cluster_ids]:
        template = ref.get_template(c.get_template_for_cluster(cid), amplitude_threshold=0.5)
        # phylib's dense template.amplitude is misordered (it indexes all channels by the
        # order of the best ones); phy's formula is applied to the best channels' amplitudes.
        amp = template.template.max(axis=0) - template.template.min(axis=0)
        m, M = amp.min(), amp.max()
        channels, amplitudes = c.get_channel_amplitudes(cid)
        np.testing.assert_array_equal(channels, template.channel_ids)
        np.testing.assert_allclose(amplitudes, (amp - m) / ((M - m) if m < M else 1.0), rtol=1e-4, atol=1e-6)
        if len(channels) > 1:  # one channel: (a - a) / 1 == 0, as phy
            assert amplitudes.max() == pytest.approx(1.0) and amplitudes.min() == pytest.approx(0.0)


def test_mean_spike_amplitudes_match_phy(pair) -> None:
    c, ref = pair
    cid = int(c.supervisor.clustering.cluster_ids[0])
    spike_ids = c.get_spike_ids(cid, c.n_spikes_amplitudes)
    assert c.get_mean_spike_template_amplitudes(cid) == pytest.approx(float(np.mean(ref.amplitudes[spike_ids])))
    channel = c.get_best_channel(cid)
    keep = np.isin(ref.spike_clusters[spike_ids], c.get_clusters_on_channel(channel))
    waveforms = c.raw_data_filter.apply(ref.get_waveforms(spike_ids[keep], [channel])[..., 0], axis=1)
    expected = np.zeros(len(spike_ids))
    expected[keep] = waveforms.max(axis=1) - waveforms.min(axis=1)
    assert c.get_mean_spike_raw_amplitudes(cid) == pytest.approx(float(np.mean(expected)), rel=1e-4)
    assert c.get_mean_spike_raw_amplitudes(cid) > 0


def test_add_default_filter_is_phys_high_pass() -> None:
    from scipy.signal import butter, lfilter

    f = RawDataFilter()
    f.add_default_filter(20000.0)
    assert f.current == "high_pass" and "high_pass" in f.names
    x = np.random.default_rng(0).normal(size=(4000, 3)).cumsum(axis=0)
    b, a = butter(3, 150.0 / 20000.0 * 2.0, "high")
    expected = np.flip(lfilter(b, a, np.flip(lfilter(b, a, x, axis=0), axis=0), axis=0), axis=0)
    out = f.apply(x, axis=0)
    assert out.shape == x.shape
    np.testing.assert_allclose(out[500:-500], expected[500:-500], atol=1e-6 * np.abs(x).max())
