"""phy's documented plugin patterns, written phy-style, on real sessions without a GUI.

Each plugin of ``phy_plugins/`` is loaded by phycore's plugin loader with the installed
phy hidden (``phy_hidden``), attached to a TemplateController on a synthetic folder, and
its effect is checked against values computed here independently.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phycore.plugins import get_failures
from tests.compat.conftest import session

pytestmark = pytest.mark.usefixtures("phy_hidden")


def _all_times(c, cluster_id: int) -> np.ndarray:
    spikes = c.supervisor.clustering.spikes_in_clusters([cluster_id])
    return np.sort(np.asarray(c.model.spike_times[spikes], dtype=np.float64))


def test_custom_columns(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["custom_columns.py"], ["PhyStyleColumnsPlugin"])
    s = c.supervisor
    assert get_failures() == []
    assert s.columns == ["id", "fr", "n_spikes", "depth"]
    assert s.similarity_table.columns == ["id", "fr", "n_spikes", "depth", "similarity"]
    cid = s.cluster_table.visible_ids[0]
    assert s.get_cluster_info(cid)["fr"] == pytest.approx(len(_all_times(c, cid)) / c.model.duration)
    # Hidden columns still sort (and keep their values).
    order = s.sort("amp", "desc")
    amps = [s.get_cluster_info(i)["amp"] for i in order]
    assert amps == sorted(amps, reverse=True)
    c.close()


def test_cluster_metrics(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["cluster_metrics.py"], ["PhyStyleMeanIsiPlugin"])
    s = c.supervisor
    assert "meanisi" in s.columns
    for cid in s.cluster_table.visible_ids[:3]:
        assert s.get_cluster_info(cid)["meanisi"] == pytest.approx(np.diff(_all_times(c, cid)).mean())
    a, b = s.cluster_table.visible_ids[:2]
    up = s.merge(a, b)  # recomputed for the new cluster
    new = up.added[0]
    assert s.get_cluster_info(new)["meanisi"] == pytest.approx(np.diff(_all_times(c, new)).mean())
    c.close()


def _dense_mean_waveform(c, cluster_id: int) -> np.ndarray:
    d = c.get_waveforms(cluster_id)
    mean = np.asarray(d.data, dtype=np.float64).mean(axis=0)
    dense = np.zeros((mean.shape[0], c.model.n_channels))
    dense[:, d.channel_ids] = mean / np.sqrt(np.sum(mean ** 2))
    return dense


def test_custom_similarity(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["custom_similarity.py"], ["PhyStyleSimilarityPlugin"])
    s = c.supervisor
    assert c.similarity == "mean_waveform"
    cid = s.cluster_table.visible_ids[0]
    s.select(cid)
    ref = _dense_mean_waveform(c, cid)
    expected = {o: float(np.sum(ref * _dense_mean_waveform(c, o))) for o in s.clustering.cluster_ids if o != cid}
    rows = {o: s.similarity_table.get(o, "similarity") for o in s.similarity_table.visible_ids}
    assert rows.keys() == expected.keys()
    for o, score in rows.items():
        assert score == pytest.approx(expected[o], abs=1e-9)
    best = max(expected, key=expected.__getitem__)
    assert s.similarity_table.visible_ids[0] == best
    c.close()


def test_raw_data_filter(tmp_path: Path, folder: Path) -> None:
    from scipy.signal import butter, filtfilt

    c = session(tmp_path, folder, ["raw_data_filter.py"], ["PhyStyleRawFilterPlugin"])
    f = c.raw_data_filter
    assert f.names == ["raw", "high_pass", "high_pass_300"] and f.current == "high_pass"  # phy's order
    f.set("raw")
    raw = np.asarray(c.get_traces(0.5, 0.6)["traces"], dtype=np.float64)
    assert (f.next(), f.next()) == ("high_pass", "high_pass_300")
    filtered = np.asarray(c.get_traces(0.5, 0.6)["traces"], dtype=np.float64)
    b, a = butter(3, 300.0 / c.model.sample_rate * 2.0, "high")
    np.testing.assert_allclose(filtered, filtfilt(b, a, raw, axis=0), rtol=1e-5, atol=1e-3)
    assert not np.allclose(filtered, raw)
    assert f.next() == "raw"  # the rotation comes back to the raw data
    c.close()


def test_cluster_stats_view_draws_each_cluster(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["cluster_stats.py"], ["PhyStyleClusterStatsPlugin"])
    view = c.view_creator["FeatureHistogram"]()
    ids = c.supervisor.cluster_table.visible_ids[:2]
    assert view.select(ids)
    rgba = view.render(400, 300)
    # One histogram per cluster in the selection colours: blue for the first, red for the second.
    top, bottom = rgba[:150, :, :3].astype(int), rgba[150:, :, :3].astype(int)
    blue, red = np.array([0x08, 0x92, 0xFC]), np.array([0xFF, 0x02, 0x02])
    assert (np.abs(top - blue).max(axis=-1) < 30).sum() > 50
    assert (np.abs(bottom - red).max(axis=-1) < 30).sum() > 50
    counts = [p.get_height() for p in view.canvas.axes[0, 0].patches]
    data = np.abs(c.get_features(ids[0]).data[:, 0, 0])
    assert len(counts) == 40 and sum(counts) == pytest.approx(data.size)
    view.set_n_bins(10)  # the :fhn snippet
    assert len(view.canvas.axes[0, 0].patches) == 10
    c.close()


def test_matplotlib_view_renders_without_gui(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["matplotlib_view.py"], ["PhyStyleMatplotlibViewPlugin"])
    view = c.view_creator["FeatureDensityView"]()
    blank = view.render(300, 300)
    version = view.canvas.version
    assert view.select(c.supervisor.cluster_table.visible_ids[:1])
    assert view.canvas.version == version + 1  # the plugin called canvas.update()
    drawn = view.render(300, 300)
    # hist2d's viridis: its dark purple (empty bins) fills the axes; nothing like it before.
    purple = np.array([68, 1, 84])
    assert (np.abs(blank[..., :3].astype(int) - purple).max(axis=-1) < 12).sum() == 0
    assert (np.abs(drawn[..., :3].astype(int) - purple).max(axis=-1) < 12).sum() > 5000
    c.close()


def test_n_spikes_views(tmp_path: Path, folder: Path) -> None:
    from phycore import emit

    c = session(tmp_path, folder, ["n_spikes_views.py"], ["PhyStyleNspikesPlugin"])
    assert c.view_data.n_spikes_amplitudes == 123  # set in attach_to_controller
    cid = c.supervisor.cluster_table.visible_ids[0]
    assert len(c.get_amplitude_data(cid).spike_ids) == 123
    emit("gui_ready", c, None)  # what phygui emits once its window exists
    assert c.view_data.n_spikes_waveforms == 37
    assert c.get_waveforms(cid).data.shape[0] == 37
    c.close()


def test_controller_aliases_only_for_phy_style_plugins(tmp_path: Path, folder: Path) -> None:
    own = "from phycore import IPlugin\n\nclass OwnPlugin(IPlugin):\n    pass\n"
    c = session(tmp_path, folder, [], ["OwnPlugin"], extra={"own.py": own})
    assert [type(p).__name__ for p in c.plugins] == ["OwnPlugin"]
    assert "_get_features" not in vars(c) and not hasattr(c, "selector")
    c.close()
    c = session(tmp_path / "2", folder, ["cluster_metrics.py"], ["PhyStyleMeanIsiPlugin"])
    ids = c.supervisor.cluster_table.visible_ids[:2]
    spikes = c.selector.select_spikes(ids, 10)
    assert len(spikes) == 20 and np.all(np.diff(spikes) > 0)
    assert set(c.supervisor.clustering.spike_clusters[spikes]) == set(ids)
    (bunch,) = c._amplitude_getter(ids[:1], name="template", load_all=True)
    assert np.array_equal(bunch.spike_ids, c.supervisor.clustering.spikes_in_clusters(ids[:1]))
    assert np.allclose(bunch.amplitudes, c.model.amplitudes[bunch.spike_ids])
    t = c._get_template_waveforms(ids[0])
    assert t.template.shape == (c.model.n_samples_waveforms, len(t.channel_ids))
    assert set(c.get_templates(ids)) == set(ids)
    c.close()
