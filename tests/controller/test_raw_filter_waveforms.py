"""Raw waveforms through the raw-data filter (phy's waveform view data), checked against phy.

phy's ``TemplateController._get_waveforms_with_n_spikes``: ``model.get_waveforms`` of the
spikes on the best channels, each spike's per-channel median subtracted over time, then
``raw_data_filter.apply(data, axis=1)``. phy's ``apps.base`` cannot be imported here (it
needs OpenGL and Qt), so its ``RawDataFilter`` class is compiled from phy's own source
(:func:`phy_raw_data_filter`) over phy's ``RotatingProperty``; phylib reads the raw data.
"""

from __future__ import annotations

import ast
import importlib.util
import logging
import shutil
from functools import partial
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore.controller import TemplateController
from phycore.controller._raw_filter import RawDataFilter
from phycore.errors import ActionError, DataFormatError
from phycore.model import load_model
from phycore.model.filters import filtfilt_highpass
from phycore.model.synthetic import make_dataset
from phycore.model.waveforms import filter_windows
from phycore.signals import connect, unconnect
from tests._phy_reference import phy_cluster_module
from tests._phylib_pair import phylib_pair

NSW = 82


def phy_raw_data_filter(sample_rate: float) -> Any:
    """phy 2.1's ``RawDataFilter`` (from ``phy/apps/base.py``'s source) with its ``high_pass``."""
    signal = pytest.importorskip("scipy.signal")
    spec = importlib.util.find_spec("phy")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("phy is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "apps" / "base.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RawDataFilter")
    ns: dict[str, Any] = {"RotatingProperty": phy_cluster_module("_utils").RotatingProperty, "np": np,
                          "butter": signal.butter, "lfilter": signal.lfilter, "partial": partial,
                          "logger": logging.getLogger("phy.apps.base")}
    exec(compile(ast.Module(body=[cls], type_ignores=[]), str(path), "exec"), ns)
    f = ns["RawDataFilter"]()
    f.add_default_filter(sample_rate)
    return f


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """Our controller and phylib's model of the same 16-channel folder with raw data."""
    root = tmp_path_factory.mktemp("raw_filter_pair")
    yield from phylib_pair(root, lambda p: TemplateController(p, metrics=False), n_spikes=2000, n_channels=16,
                           n_templates=6, duration=5.0, seed=3)


def _phy_waveforms(ref: Any, phy_filter: Any, spike_ids: Any, channels: Any, margin: int = 0) -> np.ndarray:
    """phy's chain on phylib's raw data; ``margin`` > 0 filters windows that much wider, then crops."""
    from phylib.io.traces import extract_waveforms

    if margin:
        data = extract_waveforms(ref.traces, ref.spike_samples[spike_ids], channels, NSW + 2 * margin)
        core = data[:, margin:margin + NSW]
    else:
        data = ref.get_waveforms(spike_ids, channels)
        core = data
    data = data - np.median(core, axis=1)[:, np.newaxis, :]
    data = phy_filter.apply(data, axis=1)
    return np.asarray(data[:, margin:margin + NSW] if margin else data, dtype=np.float64)


def _biggest(c: TemplateController) -> int:
    counts = c.supervisor.clustering.spike_counts
    return max(counts, key=lambda k: counts[k])


def test_session_starts_with_phys_high_pass(pair: tuple[Any, Any]) -> None:
    c, _ = pair
    assert c.raw_data_filter.names == ["raw", "high_pass"]
    assert c.raw_data_filter.current == "high_pass" and c.raw_data_filter.is_builtin()


def test_raw_waveforms_equal_phys(pair: tuple[Any, Any]) -> None:
    # The 'raw' filter: phy's median-subtracted waveforms, to float32 rounding.
    c, ref = pair
    phy_filter = phy_raw_data_filter(c.model.sample_rate)
    phy_filter.set("raw")
    c.raw_data_filter.set("raw")
    try:
        for cid in c.supervisor.clustering.cluster_ids[:3]:
            w = c.get_waveforms(int(cid))
            expected = _phy_waveforms(ref, phy_filter, w.spike_ids, w.channel_ids)
            np.testing.assert_allclose(w.data, expected, rtol=0, atol=1e-4)
    finally:
        c.raw_data_filter.set("high_pass")


def test_high_pass_waveforms_equal_phys_filter_on_extended_windows(pair: tuple[Any, Any]) -> None:
    # Ours = phy's median + phy's high_pass (scipy) applied to windows extended by our margin,
    # cropped: equal within 1e-4 of the waveforms' peak-to-peak (float32 vs float64).
    c, ref = pair
    phy_filter = phy_raw_data_filter(c.model.sample_rate)
    margin = max(NSW, round(c.view_data.waveform_filter_margin * c.model.sample_rate))
    for cid in c.supervisor.clustering.cluster_ids[:3]:
        w = c.get_waveforms(int(cid))
        assert w.data.shape == (len(w.spike_ids), NSW, len(w.channel_ids))
        expected = _phy_waveforms(ref, phy_filter, w.spike_ids, w.channel_ids, margin)
        np.testing.assert_allclose(w.data, expected, rtol=0, atol=1e-4 * np.ptp(expected))


def test_margin_keeps_the_spike_as_filtered_in_the_recording(pair: tuple[Any, Any]) -> None:
    # phy filters the bare 82-sample window: its filter start-up transient bends the spike.
    # Ours, filtered with a margin, is close to the continuously filtered recording; phy's
    # bare-window waveforms differ from it several times more (stated tolerance: ours
    # within 1 % of the peak-to-peak, and at least 4x closer than phy's on average).
    c, ref = pair
    phy_filter = phy_raw_data_filter(c.model.sample_rate)
    cid = _biggest(c)
    w = c.get_waveforms(cid)
    tr = c.model.traces
    full = filtfilt_highpass(tr.read(0, tr.n_samples, w.channel_ids).astype(np.float64), c.model.sample_rate)
    starts = c.model.spike_samples[w.spike_ids] - NSW // 2
    inside = (starts >= 0) & (starts + NSW <= tr.n_samples)
    truth = np.stack([full[s:s + NSW] for s in starts[inside]])
    ours = w.data[inside].astype(np.float64)
    phys = _phy_waveforms(ref, phy_filter, w.spike_ids[inside], w.channel_ids)
    ptp = np.ptp(truth, axis=1).max()
    err_ours, err_phy = np.abs(ours - truth), np.abs(phys - truth)
    assert err_ours.max() < 0.01 * ptp, (err_ours.max(), ptp)
    assert err_phy.mean() > 4 * err_ours.mean(), (err_phy.mean(), err_ours.mean())


def test_mean_waveforms_follow_the_filter(pair: tuple[Any, Any]) -> None:
    from phycore.compat._controller import _mean_waveforms

    c, _ = pair
    cid = _biggest(c)
    mean = _mean_waveforms(c, cid)
    np.testing.assert_allclose(mean.data[0], c.get_waveforms(cid).data.mean(axis=0), rtol=1e-5, atol=1e-5)
    c.raw_data_filter.set("raw")
    try:
        raw_mean = _mean_waveforms(c, cid)
        assert not np.allclose(raw_mean.data, mean.data)
    finally:
        c.raw_data_filter.set("high_pass")


def test_cache_is_keyed_by_filter_and_plugins_join_the_cycle(tmp_path: Path) -> None:
    p = make_dataset(tmp_path, n_spikes=600, n_channels=8, n_templates=3, duration=2.0, seed=1)
    c = TemplateController(p, metrics=False)
    seen: list[tuple[Any, str]] = []

    def on_raw_data_filter_changed(sender: Any, name: str) -> None:
        seen.append((sender, name))

    connect(on_raw_data_filter_changed, sender=c)
    try:
        cid = _biggest(c)
        hp = c.get_waveforms(cid)
        assert c.get_waveforms(cid) is hp  # cached per (cluster, n, filter)
        assert c.raw_data_filter.next() == "raw"
        raw = c.get_waveforms(cid)
        assert raw is not hp and not np.allclose(raw.data, hp.data)
        np.testing.assert_array_equal(raw.spike_ids, hp.spike_ids)

        @c.raw_data_filter.add_filter
        def doubled(arr: Any, axis: int = 0) -> Any:
            return 2 * arr

        assert c.raw_data_filter.names == ["raw", "high_pass", "doubled"]
        assert [c.raw_data_filter.next() for _ in range(3)] == ["high_pass", "doubled", "raw"]
        c.raw_data_filter.set("doubled")
        d = c.get_waveforms(cid)
        np.testing.assert_allclose(d.data, 2 * raw.data, rtol=1e-6)
        assert c.get_waveforms(cid) is not d  # a plugin's filter is not cached
        assert c.view_data.get_waveforms(cid, None, "high_pass") is hp
        assert [name for _, name in seen] == ["raw", "high_pass", "doubled", "raw", "doubled"]
        assert all(sender is c for sender, _ in seen)
        c.raw_data_filter.set("doubled")  # no change: no event
        assert len(seen) == 5
        # All-channel waveforms of any spikes, the same way.
        ids = np.asarray(d.spike_ids[:4])
        full = c.get_spike_waveforms(ids)
        assert full.shape == (4, NSW, c.model.n_channels)
        np.testing.assert_allclose(full[:, :, d.channel_ids], d.data[:4], rtol=1e-5, atol=1e-3)
    finally:
        unconnect(on_raw_data_filter_changed)
        c.close()


def test_plugin_replacing_high_pass_is_not_cached() -> None:
    f = RawDataFilter()
    f.add_default_filter(30000.0)
    assert f.is_builtin("high_pass") and f.is_builtin("raw")
    f.add_filter(lambda arr, axis=0: arr, name="high_pass")
    assert not f.is_builtin("high_pass") and f.current == "high_pass"
    assert f.previous() == "raw" and f.previous() == "high_pass"
    f.current = "raw"
    assert f.current == "raw"
    with pytest.raises(ActionError, match="Unknown raw data filter"):
        f.get("nope")
    f.add_filter(lambda arr, axis=0: arr[:1], name="bad")
    with pytest.raises(DataFormatError, match="shape"):
        filter_windows(f.get("bad"), np.zeros((3, 10, 2)))


def test_hp_filtered_folder_starts_raw(tmp_path: Path) -> None:
    # parity.md §9: phy ignores hp_filtered and always starts with high_pass; we honour it.
    p = make_dataset(tmp_path, n_spikes=300, n_channels=8, n_templates=3, duration=1.0, flavor="spikeinterface")
    c = TemplateController(p, metrics=False)
    try:
        assert c.raw_data_filter.current == "raw" and "high_pass" in c.raw_data_filter.names
    finally:
        c.close()


def test_subset_waveforms_without_raw_data_are_filtered_bare(tmp_path: Path) -> None:
    # No raw data around the _phy_spikes_subset windows: the filter runs on the bare window, as phy.
    p = make_dataset(tmp_path / "d", n_spikes=600, n_channels=8, n_templates=3, duration=2.0, seed=2)
    m = load_model(p)
    m.save_spikes_subset_waveforms(max_n_spikes_per_template=20, max_n_channels=8)
    pool = np.load(tmp_path / "d" / "_phy_spikes_subset.spikes.npy")[:10]
    raw = m.get_waveforms(pool, np.arange(8), subtract_median=True)
    m.close()
    for dat in (tmp_path / "d").glob("*.dat"):
        shutil.move(dat, tmp_path / dat.name)
    m = load_model(p)
    try:
        assert m.traces is None
        def hp(arr: Any, axis: int = 0) -> Any:
            return filtfilt_highpass(arr, m.sample_rate, axis=axis)

        out = m.get_waveforms(pool, np.arange(8), subtract_median=True, filter_func=hp, filter_margin=150)
        np.testing.assert_allclose(out, filtfilt_highpass(raw, m.sample_rate, axis=1), rtol=1e-5, atol=1e-3)
    finally:
        m.close()
