"""Amplitude view model: budgets, background, bounds, histograms, lasso split (ground truth),
phy's amplitude types (order, cycle, availability per folder, formulas), the trace window band,
the select_channel / select_feature links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.analysis import amplitude_histograms
from phycore.model.synthetic import make_dataset
from phycore.signals import connect
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.amplitude import AmplitudeModel, AmplitudeOptions

from .conftest import two_largest


def test_budget_background_and_bounds(controller: Any) -> None:
    m = AmplitudeModel(controller, AmplitudeOptions("template", n_spikes_amplitudes=40,
                                                   n_spikes_amplitudes_background=25))
    m.set_selection(two_largest(controller))
    m.set_size(200, 100)
    f = m.compute()
    clustering = controller.supervisor.clustering
    for cid, layer in zip(m.cluster_ids, m._layers):
        assert len(layer.spike_ids) == 40
        assert np.all(clustering.spike_clusters[layer.spike_ids] == cid)
        np.testing.assert_array_equal(layer.amplitudes, controller.model.amplitudes[layer.spike_ids])
    others = m.background_clusters()
    peak = controller.get_best_channel(m.cluster_ids[0])
    assert all(peak in controller.get_best_channels(c) and c not in m.cluster_ids for c in others)
    if others:
        assert len(m._background.spike_ids) <= 25
        assert set(clustering.spike_clusters[m._background.spike_ids]) <= set(others)
    layers = ([m._background] if m._background is not None else []) + m._layers
    amps = [x.amplitudes for x in layers]
    assert f.data_bounds[0] == 0 and f.data_bounds[2] == controller.model.duration
    assert f.data_bounds[1] == pytest.approx(min(0, min(np.quantile(a, 0.01) for a in amps)))
    assert f.data_bounds[3] == pytest.approx(max(np.quantile(a, 0.99) for a in amps))
    assert np.array_equal(m.compute().raster.image, f.raster.image)  # deterministic


def test_histograms_are_the_analysis_kernel(controller: Any) -> None:
    m = AmplitudeModel(controller, AmplitudeOptions("template"))
    m.set_selection(two_largest(controller))
    f = m.compute()
    hist, edges = m.histograms()
    for k, layer in enumerate(([m._background] if m._background is not None else []) + m._layers):
        ref, ref_edges = amplitude_histograms(layer.amplitudes, [0], n_bins=100,
                                              spike_clusters=np.zeros(len(layer.amplitudes)),
                                              value_range=(f.data_bounds[1], f.data_bounds[3]))
        np.testing.assert_allclose(hist[k], ref[0])
        np.testing.assert_allclose(edges, ref_edges)
    assert f.histograms[-1].color == selected_cluster_color(1, 0.5)
    assert all(ln.x.min() >= controller.model.duration for ln in f.histograms)  # strip right of the scatter


def test_lasso_split_recovers_ground_truth_and_undo(pair_controller: Any) -> None:
    c, merged, spikes_a, spikes_b = pair_controller
    m = AmplitudeModel(c, AmplitudeOptions("template", n_spikes_amplitudes=50))  # display sample << cluster size
    connect(m.on_request_split, event="request_split")
    m.set_selection([merged])
    m.compute()
    assert len(m._layers[0].spike_ids) == 50
    d = c.model.duration
    for x, y in [(-1, 30), (d + 1, 30), (d + 1, 70), (-1, 70)]:
        m.add_lasso_point(x, y)
    assert np.array_equal(m.spikes_in_lasso(), spikes_b)  # all spikes of the cluster, not the sample
    up = c.supervisor.split()  # 'k': asks every lasso view (request_split)
    new_b, new_a = up.added
    clustering = c.supervisor.clustering
    assert np.array_equal(clustering.spikes_in_clusters([new_b]), spikes_b)
    assert np.array_equal(clustering.spikes_in_clusters([new_a]), spikes_a)
    assert m.lasso.count == 0
    m.on_cluster(c.supervisor, up)
    assert m.is_dirty
    c.supervisor.undo()
    assert np.array_equal(clustering.spikes_in_clusters([merged]), np.union1d(spikes_a, spikes_b))


def test_commands_and_clicks(controller: Any) -> None:
    m = AmplitudeModel(controller)
    m.set_selection(two_largest(controller))
    # phy's types, in its order (sorted names); a first session starts on `template`, as
    # phy's packaged first-launch state says.
    assert m.amplitudes_types == ["feature", "template", "template_feature"]
    assert m.compute().amplitudes_type == m.options.amplitudes_type == "template"
    m.set_amplitudes_type("feature")
    f = m.compute()
    assert f.amplitudes_type == m.options.amplitudes_type == "feature"
    ch = controller.get_best_channel(m.cluster_ids[0])
    assert m.selected_channel == ch and m.status == f"feature: channel {ch}, PC 0"
    expected = controller.model.get_features(m._layers[0].spike_ids, [ch])[:, 0, 0]
    np.testing.assert_allclose(m._layers[0].amplitudes, np.nan_to_num(expected))
    m.on_select_feature(None, dim="1B", channel_id=3, pc=1)
    m.compute()
    np.testing.assert_allclose(m._layers[0].amplitudes,
                               np.nan_to_num(controller.model.get_features(m._layers[0].spike_ids, [3])[:, 0, 1]))
    m.next_amplitudes_type()
    assert m.options.amplitudes_type == "template" and m.status == "template"
    got = []
    connect(lambda sender, t: got.append(t), event="select_time")
    assert m.time_click(1.25) == 1.25 and got == [1.25]
    m.on_time_range_selected(None, (1.0, 1.5))
    assert m.compute().time_range == (1.0, 1.5)
    m.add_lasso_point(0, 0)
    m.add_lasso_point(1, 0)
    assert m.spikes_in_lasso().size == 0  # fewer than 3 vertices
    m.clear_lasso()
    with pytest.raises(ValueError, match="amplitude type"):
        m.set_amplitudes_type("raw")


def test_types_cycle_both_ways_and_state(controller: Any) -> None:
    m = AmplitudeModel(controller)
    seen = [m.amplitudes_type]
    for _ in range(3):
        m.next_amplitudes_type()
        seen.append(m.amplitudes_type)
    assert seen == ["template", "template_feature", "feature", "template"]
    m.previous_amplitudes_type()
    m.previous_amplitudes_type()
    assert m.amplitudes_type == "template_feature"
    assert m.get_state()["amplitudes_type"] == "template_feature"
    other = AmplitudeModel(controller)
    other.set_state({"amplitudes_type": "template"})
    assert other.amplitudes_type == "template"
    other.set_state({"amplitudes_type": "raw"})  # saved on a folder with raw amplitudes only
    assert other.amplitudes_type == "feature"


def test_each_type_is_phys_formula(controller: Any) -> None:
    """template: amplitudes.npy; feature: PC of the selected channel; template_feature: the
    projection on the first cluster's main template; background spikes too."""
    m = AmplitudeModel(controller)
    a, b = two_largest(controller)
    m.set_selection([a, b])
    model = controller.model
    template = controller.get_template_for_cluster(a)
    for kind in ("template", "template_feature"):
        m.set_amplitudes_type(kind)
        m.compute()
        for layer in m._layers + ([m._background] if m._background is not None else []):
            ids = layer.spike_ids
            expected = model.amplitudes[ids] if kind == "template" else model.get_template_features(ids)[:, template]
            np.testing.assert_allclose(layer.amplitudes, expected, rtol=1e-6)


def test_select_channel_changes_the_channel_not_the_type(controller: Any) -> None:
    m = AmplitudeModel(controller)
    m.set_selection(two_largest(controller))
    m.set_amplitudes_type("template")
    m.compute()
    m.on_select_channel(None, channel_id=5, key=None, button="left")
    assert m.amplitudes_type == "template" and not m.is_dirty  # template amplitudes do not use it
    m.set_amplitudes_type("feature")
    m.compute()
    ids = m._layers[0].spike_ids
    np.testing.assert_allclose(m._layers[0].amplitudes, np.nan_to_num(controller.model.get_features(ids, [5])[:, 0, 0]))
    m.on_select_channel(None, channel_id=6)
    assert m.is_dirty and m.status == "feature: channel 6, PC 0"
    # As phy, the picked channel stays for the next selection.
    m.set_selection(two_largest(controller)[::-1])
    assert m.selected_channel == 6


def test_band_is_the_trace_window_at_least_one_percent_wide(controller: Any) -> None:
    m = AmplitudeModel(controller)
    m.set_selection(two_largest(controller))
    m.compute()
    assert m.time_band() is None  # no window known yet
    d = controller.model.duration
    span = m.home[2] - m.home[0]
    m.on_time_range_selected(None, (1.0, 2.0))
    assert not m.is_dirty  # the points are not re-rasterised: the drawer moves the band
    assert m.time_band() == (1.0, 2.0)
    # A short window: widened about its centre to 1 % of the shown span.
    m.on_time_range_selected(None, (d / 2, d / 2 + 1e-3))
    x0, x1 = m.time_band()
    assert x1 - x0 == pytest.approx(0.01 * span) and (x0 + x1) / 2 == pytest.approx(d / 2 + 5e-4)
    # Zoomed in on 10 % of the recording, the minimum width follows the zoom.
    m.set_viewport(400, 200, (0.0, 0.0, d / 10, 1.0))
    x0, x1 = m.time_band()
    assert x1 - x0 == pytest.approx(0.01 * d / 10)


def _strip(folder: Path, names: list[str]) -> None:
    for name in names:
        for p in folder.glob(name):
            p.unlink()


@pytest.mark.parametrize(("flavor", "remove", "types"), [
    ("phy", [], ["feature", "template", "template_feature"]),
    ("ks3", [], ["template", "template_feature"]),  # Kilosort 3: no pc_features.npy
    ("spikeinterface", [], ["feature", "template"]),  # no template_features.npy
    ("phy", ["pc_feature*.npy", "template_feature*.npy"], ["template"]),
    ("phy", ["pc_feature*.npy", "template_feature*.npy", "amplitudes.npy"], ["raw"]),
    ("phy", ["pc_feature*.npy", "template_feature*.npy", "amplitudes.npy", "*.dat"], []),
])
def test_types_follow_the_folder(tmp_path: Path, flavor: str, remove: list[str], types: list[str]) -> None:
    params = make_dataset(tmp_path, n_spikes=600, n_channels=8, n_templates=4, duration=2.0, flavor=flavor,
                          n_channels_loc=4, seed=3)
    _strip(tmp_path, remove)
    c = TemplateController(params, metrics=False)
    try:
        m = AmplitudeModel(c)
        assert m.amplitudes_types == types
        # A first session starts on phy's packaged-state type where the folder has it.
        start = "template" if "template" in types else (types[0] if types else "")
        assert m.amplitudes_type == start
        m.set_selection(two_largest(c))
        m.next_amplitudes_type()  # cycles among the available types only
        assert m.amplitudes_type == (types[(types.index(start) + 1) % len(types)] if types else "")
        f = m.compute()
        assert f.raster.image.shape[:2] == (m.size[1], m.size[0])
        if types == ["raw"]:
            # phy's raw amplitudes: peak-to-peak of the filtered waveform on the best channel.
            layer = m._layers[0]
            ch = c.get_best_channel(m.cluster_ids[0])
            w = c.raw_data_filter.apply(c.model.get_waveforms(layer.spike_ids, [ch])[..., 0], axis=1)
            np.testing.assert_allclose(layer.amplitudes, w.max(axis=1) - w.min(axis=1))
            assert m.status == f"raw: channel {ch}"
            m.on_select_channel(None, channel_id=(ch + 1) % 8)
            m.set_selection(m.cluster_ids[::-1])  # raw: a new selection goes back to its best channel
            assert m.channel_id is None
        if not types:  # nothing to show (phy does not create the view): zeros, no error
            assert all(not layer.amplitudes.any() for layer in m._layers) and m.status == ""
    finally:
        c.close()


def test_view_model_matches_phylib_formulas(tmp_path: Path) -> None:
    """The three types against phy's TemplateController formulas on phylib's model of the same folder."""
    from tests._phylib_pair import phylib_pair

    gen = phylib_pair(tmp_path, lambda p: TemplateController(p.parent, metrics=False),
                      n_spikes=2000, n_channels=16, n_templates=6, duration=3.0, seed=5, n_channels_loc=8)
    c, ref = next(gen)
    try:
        m = AmplitudeModel(c, AmplitudeOptions(n_spikes_amplitudes=300))
        first = two_largest(c)[0]
        m.set_selection([first])
        chs = ref.get_cluster_channels(first)
        t = int(np.argmax(ref.get_template_counts(first)))
        for kind in ("feature", "template", "template_feature"):
            m.set_amplitudes_type(kind)
            m.compute()
            ids = m._layers[0].spike_ids
            if kind == "feature":
                expected = np.nan_to_num(ref.get_features(ids, [chs[0]])[:, 0, 0])
            elif kind == "template":
                expected = ref.amplitudes[ids]
            else:
                expected = ref.get_template_features(ids)[:, t]
            np.testing.assert_allclose(m._layers[0].amplitudes, expected, rtol=1e-5, err_msg=kind)
    finally:
        gen.close()
