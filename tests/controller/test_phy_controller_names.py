"""phy 2.1 ``TemplateController`` names served by phycore's controller.

phy's controller needs Qt, so its formulas (``phy/apps/base.py``, ``phy/apps/template/gui.py``)
are recomputed here on phylib's ``TemplateModel`` loaded from a copy of the same folder.
"""

from __future__ import annotations

import textwrap
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.errors import ClusterIdError
from phycore.frontends import NoFrontendError
from phycore.model.synthetic import make_dataset
from tests._phylib_pair import phylib_pair



@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("ctl")
    yield from phylib_pair(d, lambda p: TemplateController(p.parent, metrics=False, config_dir=d / "config"),
                           n_spikes=3000, n_channels=16, n_templates=8, duration=3.0, seed=4, n_channels_loc=8)


def _ids(c: TemplateController) -> list[int]:
    return [int(i) for i in c.supervisor.clustering.cluster_ids]


def test_budgets_and_class_values() -> None:
    # phy's values (phy/apps/base.py), readable on the class like phy's class attributes.
    assert (TemplateController.n_spikes_waveforms, TemplateController.batch_size_waveforms,
            TemplateController.n_spikes_features, TemplateController.n_spikes_features_background,
            TemplateController.n_spikes_amplitudes, TemplateController.n_spikes_correlograms) == \
        (100, 10, 2500, 2500, 10_000, 100_000)
    assert TemplateController.default_views == (
        "WaveformView", "CorrelogramView", "ISIView", "FeatureView", "AmplitudeView", "FiringRateView",
        "TraceView", "ProbeView", "TemplateFeatureView")
    assert TemplateController.default_shortcuts == {"toggle_spike_reorder": "ctrl+r",
                                                    "switch_raw_data_filter": "alt+r"}
    assert TemplateController.default_snippets == {}


def test_budgets_reach_the_view_data(pair) -> None:
    c, _ = pair
    assert c.n_spikes_waveforms == c.view_data.n_spikes_waveforms == 100
    c.n_spikes_waveforms = 7
    try:
        assert c.view_data.n_spikes_waveforms == 7
        big = max(_ids(c), key=lambda i: c.supervisor.clustering.spike_counts[i])
        assert len(c.get_waveforms(big).spike_ids) == 7
    finally:
        c.n_spikes_waveforms = 100
    c.n_spikes_features_background = 10  # no view reads it: kept on the controller
    assert c.n_spikes_features_background == 10
    c.n_chunks_kept = 5
    assert c.model.n_chunks_kept == 5
    c.n_chunks_kept = 20


def test_budget_set_by_a_plugin_before_the_view_data(tmp_path: Path) -> None:
    params = make_dataset(tmp_path / "d", n_spikes=500, n_channels=8, n_templates=3, duration=1.0, seed=1)
    (tmp_path / "cfg" / "plugins").mkdir(parents=True)
    (tmp_path / "cfg" / "plugins" / "budget.py").write_text(textwrap.dedent("""
        from phycore.plugins import IPlugin

        class BudgetPlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.n_spikes_amplitudes = 123
    """))
    c = TemplateController(params, metrics=False, config_dir=tmp_path / "cfg", plugins=["BudgetPlugin"])
    try:
        assert c.view_data.n_spikes_amplitudes == 123 and c.n_spikes_amplitudes == 123
    finally:
        c.close()


def test_cluster_values_match_phy_formulas(pair) -> None:
    c, ref = pair
    for cid in _ids(c):
        np.testing.assert_array_equal(c.get_template_counts(cid), ref.get_template_counts(cid))
        best = ref.get_cluster_channels(cid)[0]
        assert c.get_best_channel_label(cid) == f"{ref.channel_mapping[best]}"
        assert c.get_channel_shank(cid) == ref.channel_shanks[best]
        assert c.get_probe_depth(cid) == ref.channel_positions[best, 1]
        n = np.sum(ref.spike_clusters == cid)
        assert c.get_mean_firing_rate(cid) == pytest.approx(n / max(1, ref.duration))
        t = int(np.argmax(ref.get_template_counts(cid)))
        w = ref.get_template_waveforms(t)
        assert c.get_template_amplitude(t) == pytest.approx((w.max(axis=0) - w.min(axis=0)).max(), rel=1e-5)
        assert c.get_cluster_amplitude(cid) == pytest.approx(c.get_template_amplitude(t))
        assert c.get_cluster_amplitude(cid) == c.supervisor.get_cluster_info(cid)["amp"]
    ch = int(ref.get_cluster_channels(_ids(c)[0])[0])
    assert c.get_clusters_on_channel(ch) == [
        cid for cid in _ids(c) if ch in ref.get_cluster_channels(cid)]


def test_similarities_match_phy_formulas(pair) -> None:
    c, ref = pair
    for cid in _ids(c)[:4]:
        temp_i = np.nonzero(ref.get_template_counts(cid))[0]
        sims = np.max(ref.similar_templates[temp_i, :], axis=0)
        expected = sorted(((cj, float(np.max(sims[np.nonzero(ref.get_template_counts(cj))[0]])))
                           for cj in _ids(c)), key=itemgetter(1), reverse=True)[:100]
        got = c.template_similarity(cid)
        # phy lists the cluster itself; phycore leaves it out (phy's Supervisor drops it).
        assert dict(got) == pytest.approx({k: v for k, v in expected if k != cid})
        ch = ref.get_cluster_channels(cid)[0]
        assert c.peak_channel_similarity(cid) == [
            (cj, 1.0) for cj in _ids(c) if ch in ref.get_cluster_channels(cj)]


def test_spike_amplitude_functions(pair) -> None:
    c, ref = pair
    cid = _ids(c)[0]
    spike_ids = np.flatnonzero(ref.spike_clusters == cid)[:50]
    np.testing.assert_array_equal(c.get_spike_template_amplitudes(spike_ids), ref.amplitudes[spike_ids])
    t = int(np.argmax(ref.get_template_counts(cid)))
    np.testing.assert_allclose(c.get_spike_template_features(spike_ids, first_cluster=cid),
                               ref.get_template_features(spike_ids)[:, t], rtol=1e-6)
    with pytest.raises(ClusterIdError, match="first_cluster"):
        c.get_spike_template_features(spike_ids)
    chs = ref.get_cluster_channels(cid)
    f = ref.get_features(spike_ids, [chs[1]])
    f[np.isnan(f)] = 0
    np.testing.assert_allclose(c.get_spike_feature_amplitudes(spike_ids, channel_ids=chs, channel_id=chs[1], pc=2),
                               f[:, 0, 2], rtol=1e-6)
    np.testing.assert_allclose(c.get_spike_feature_amplitudes(spike_ids, channel_ids=chs),
                               ref.get_features(spike_ids, [chs[0]])[:, 0, 0], rtol=1e-6)
    # Raw amplitudes: spikes of clusters on the channel get their waveform's peak-to-peak.
    mixed = np.arange(0, ref.n_spikes, 37)
    on = np.isin(ref.spike_clusters[mixed], [cj for cj in _ids(c) if chs[0] in ref.get_cluster_channels(cj)])
    w = ref.get_waveforms(mixed[on], [chs[0]])[..., 0].astype(np.float64)
    c.raw_data_filter.set("raw")  # as phy, the session starts with high_pass: compare unfiltered
    expected = np.zeros(len(mixed))
    expected[on] = w.max(axis=1) - w.min(axis=1)
    np.testing.assert_allclose(c.get_spike_raw_amplitudes(mixed, channel_id=int(chs[0])), expected)
    assert not c.get_spike_raw_amplitudes(mixed).any()  # no channel: zeros, as phy


def test_background_spike_ids(pair) -> None:
    c, ref = pair
    ns = ref.n_spikes
    for n in (None, 1, 7, 1000, 10 * ns):
        k = max(1, ns // n) if n is not None else 1
        np.testing.assert_array_equal(c.get_background_spike_ids(n), np.arange(0, ns, k))


def test_on_save_clustering_writes_phy_files(tmp_path: Path) -> None:
    params = make_dataset(tmp_path / "d", n_spikes=500, n_channels=8, n_templates=3, duration=1.0, seed=1)
    c = TemplateController(params, metrics=False, config_dir=tmp_path / "cfg")
    try:
        s = c.supervisor
        s.merge(_ids(c)[:2])
        sc = np.asarray(s.clustering.spike_clusters)
        labels = [("group", {int(i): "good" for i in _ids(c)})]
        paths = c.on_save_clustering(s, sc, {}, *labels)
        d = tmp_path / "d"
        assert {p.name for p in paths} >= {"spike_clusters.npy", "cluster_group.tsv", "cluster_info.tsv"}
        np.testing.assert_array_equal(np.load(d / "spike_clusters.npy"), sc)
        assert (d / "cluster_group.tsv").read_text().splitlines()[1].endswith("\tgood")
    finally:
        c.close()


@pytest.mark.parametrize("name", ["create_waveform_view", "create_feature_view", "create_amplitude_view",
                                  "create_template_view", "create_trace_view", "create_trace_image_view",
                                  "create_cluster_scatter_view", "create_raster_view",
                                  "create_correlogram_view", "create_probe_view", "create_ipython_view",
                                  "create_template_feature_view"])
def test_create_view_needs_a_gui(pair, name: str) -> None:
    c, _ = pair
    assert c.gui is None
    with pytest.raises(NoFrontendError, match=r"create_gui\(\)"):
        getattr(c, name)()


class _FakeGUI:
    def __init__(self) -> None:
        self.view_classes: dict[str, Any] = {"WaveformView": lambda gui: ("view", gui)}


def test_create_view_through_the_gui(pair) -> None:
    c, _ = pair
    gui = _FakeGUI()
    c.gui = gui
    try:
        assert c.create_waveform_view() == ("view", gui)
        with pytest.raises(NoFrontendError, match="no ProbeView"):
            c.create_probe_view()
    finally:
        c.gui = None
