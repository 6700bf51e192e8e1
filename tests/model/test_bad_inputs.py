"""Bad inputs give a phycore error naming the file (or argument) and the value, or a warning,
never a bare traceback or silently wrong data; loading a bad folder writes nothing into it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from tests._folders import file_hashes, fresh_copy, small_folder
from phycore.errors import ChannelIdError, DataFormatError, ParamsError, PhyCoreError
from phycore.model import TemplateModel, load_model
from phycore.model.params import MAX_PARAMS_BYTES
from phycore.model.synthetic import make_dataset


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory, "bad_inputs")


@pytest.fixture(scope="module")
def sparse_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bad_inputs_sparse")
    make_dataset(d, n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, raw=False,
                 sparse=True, n_channels_loc=8, seed=0)
    return d


@pytest.fixture
def data(source: Path, tmp_path: Path) -> Path:
    return fresh_copy(source, tmp_path)


@pytest.fixture(scope="module")
def model(source: Path) -> Any:
    m = load_model(source / "params.py")
    yield m
    m.close()


def _set_param(d: Path, key: str, value: str) -> None:
    p = d / "params.py"
    lines = [ln for ln in p.read_text().splitlines() if not ln.startswith(f"{key} ")]
    p.write_text("\n".join(lines + [f"{key} = {value}"]) + "\n")


def _edit_npy(d: Path, name: str, edit: Callable[[np.ndarray], np.ndarray | None]) -> None:
    a = np.load(d / name)
    out = edit(a)
    np.save(d / name, a if out is None else out)


def _load_fails(d: Path, error: type[PhyCoreError], *words: str,
                load: Callable[[Path], Any] = lambda d: load_model(d / "params.py")) -> PhyCoreError:
    """Loading ``d`` raises ``error`` whose message has every word, and writes nothing."""
    before, had_phy = file_hashes(d), (d / ".phy").exists()
    with pytest.raises(error) as info:
        load(d)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert file_hashes(d) == before
    assert (d / ".phy").exists() == had_phy
    return info.value


# ---------------------------------------------------------------------------- params.py


@pytest.mark.parametrize("key, value, words", [
    ("sample_rate", "1e400", ["finite", "inf", "1e400"]),
    ("n_channels_dat", "1e400", ["finite", "inf"]),
    ("n_channels_dat", "1" + "0" * 400, ["finite"]),
    ("sample_rate", "-1e400", ["finite", "-inf"]),
    ("sample_rate", "0", ["> 0", "sample_rate = 0"]),
    ("sample_rate", "-30000.0", ["> 0", "-30000.0"]),
    ("sample_rate", "'fast'", ["number", "'fast'"]),
    ("n_channels_dat", "16.5", ["integer", "16.5"]),
    ("n_channels_dat", "0", ["> 0", "n_channels_dat = 0"]),
    ("n_channels_dat", "-16", ["> 0", "-16"]),
    ("offset", "-1", [">= 0", "offset = -1"]),
    ("offset", "1e400", ["finite"]),
])
def test_bad_numbers_in_params(data: Path, key: str, value: str, words: list[str]) -> None:
    _set_param(data, key, value)
    e = _load_fails(data, ParamsError, "params.py", key, *words)
    assert e.path == str(data / "params.py")


@pytest.mark.parametrize("line", [
    "x = " + "[" * 100_000 + "]" * 100_000,  # too many nested parentheses
    "x = " + "-" * 200_000 + "1",  # MemoryError in the parser
    "x = " + "not " * 50_000 + "1",  # MemoryError in the parser
    "x = " + "+".join(["1"] * 100_000),  # RecursionError building the tree
    "x = 1" + "0" * 200_000,  # int literal over Python's digit limit
])
def test_pathological_params_line(data: Path, line: str) -> None:
    with (data / "params.py").open("a") as f:
        f.write(line + "\n")
    e = _load_fails(data, ParamsError, "params.py")
    assert e.path == str(data / "params.py")


def test_huge_string_literal_is_harmless(data: Path) -> None:
    with (data / "params.py").open("a") as f:
        f.write("note = '" + "a" * 200_000 + "'\n")
    m = load_model(data / "params.py")
    assert len(m.note) == 200_000
    m.close()


def test_oversized_params_file_is_refused_unread(data: Path) -> None:
    with (data / "params.py").open("a") as f:
        f.write("# padding\n" * (MAX_PARAMS_BYTES // 10 + 1))
    e = _load_fails(data, ParamsError, "params.py", "bytes", f"{MAX_PARAMS_BYTES:,}")
    assert e.path == str(data / "params.py")


@pytest.mark.parametrize("value, expected", [
    ("'no'", False), ("'No'", False), ("'false'", False), ("'0'", False), ("0", False),
    ("'yes'", True), ("'TRUE'", True), ("' true '", True), ("'1'", True), ("1", True),
])
def test_hp_filtered_words_are_read_with_a_warning(data: Path, value: str, expected: bool) -> None:
    _set_param(data, "hp_filtered", value)
    before = file_hashes(data)
    with pytest.warns(UserWarning, match="hp_filtered") as rec:
        m = load_model(data / "params.py")
    assert "params.py" in str(rec[0].message) and f"as {expected}" in str(rec[0].message)
    assert m.hp_filtered is expected
    m.close()
    assert file_hashes(data) == before


@pytest.mark.parametrize("value, expected", [("True", True), ("False", False), ("None", False)])
def test_hp_filtered_booleans_load_silently(data: Path, value: str, expected: bool) -> None:
    _set_param(data, "hp_filtered", value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = load_model(data / "params.py")
    assert m.hp_filtered is expected
    m.close()


@pytest.mark.parametrize("value", ["'maybe'", "''", "2", "0.5", "[True]"])
def test_hp_filtered_other_values_are_refused(data: Path, value: str) -> None:
    _set_param(data, "hp_filtered", value)
    _load_fails(data, ParamsError, "params.py", "hp_filtered", value)


def test_empty_params_names_the_missing_key(data: Path) -> None:
    (data / "params.py").write_text("")
    e = _load_fails(data, ParamsError, "params.py", "empty", "sample_rate")
    assert e.path == str(data / "params.py")


def test_params_without_sample_rate(data: Path) -> None:
    p = data / "params.py"
    p.write_text("".join(ln + "\n" for ln in p.read_text().splitlines() if not ln.startswith("sample_rate")))
    _load_fails(data, ParamsError, "params.py", "does not set sample_rate")


# ---------------------------------------------------------------------------- data files


@pytest.mark.parametrize("shape", [(20, 0, 32), (6, 82, 0), (6, 0, 0)])
def test_empty_template_axes_blame_templates_npy(data: Path, shape: tuple[int, ...]) -> None:
    np.save(data / "templates.npy", np.zeros(shape, np.float32))
    e = _load_fails(data, DataFormatError, "templates.npy", str(shape))
    assert "similar_templates" not in str(e) and e.path == str(data / "templates.npy")


def test_from_arrays_empty_template_axis(model: Any) -> None:
    with pytest.raises(DataFormatError, match=r"templates must have shape .*\(6, 0, 16\)") as info:
        TemplateModel.from_arrays(spike_samples=model.spike_samples, spike_templates=model.spike_templates,
                                  templates=np.zeros((6, 0, 16), np.float32), sample_rate=30000.0,
                                  channel_positions=model.channel_positions)
    assert info.value.argument == "templates"


def test_integral_float_indices_are_accepted(sparse_source: Path, tmp_path: Path) -> None:
    d = fresh_copy(sparse_source, tmp_path)
    ref = load_model(d / "params.py")
    for name in ("template_ind.npy", "pc_feature_ind.npy", "spike_clusters.npy", "channel_map.npy"):
        _edit_npy(d, name, lambda a: a.astype(np.float32))
    before = file_hashes(d)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = load_model(d / "params.py")
    assert m.sparse_templates.cols is not None and m.sparse_templates.cols.dtype == np.int64
    np.testing.assert_array_equal(m.sparse_templates.cols, ref.sparse_templates.cols)
    sf, ref_sf = m.sparse_features, ref.sparse_features
    assert sf is not None and ref_sf is not None
    np.testing.assert_array_equal(sf.cols, ref_sf.cols)
    np.testing.assert_array_equal(m.spike_clusters, ref.spike_clusters)
    m.close()
    ref.close()
    assert file_hashes(d) == before


@pytest.mark.parametrize("name", ["template_ind.npy", "pc_feature_ind.npy", "spike_clusters.npy",
                                  "spike_templates.npy", "channel_map.npy"])
@pytest.mark.parametrize("bad", [0.3, np.nan, np.inf])
def test_non_integral_float_indices_are_refused(sparse_source: Path, tmp_path: Path, name: str,
                                                bad: float) -> None:
    d = fresh_copy(sparse_source, tmp_path)

    def edit(a: np.ndarray) -> np.ndarray:
        a = a.astype(np.float64)
        a.reshape(-1)[1] += bad
        return a

    _edit_npy(d, name, edit)
    e = _load_fails(d, DataFormatError, name)
    assert "integer" in str(e) or "int" in str(e)
    if name in ("template_ind.npy", "pc_feature_ind.npy"):  # the value is named
        assert ("nan" if bad != bad else "inf" if bad == np.inf else ".3") in str(e)


def test_from_arrays_refuses_fractional_ids(model: Any) -> None:
    with pytest.raises(DataFormatError, match="spike_templates") as info:
        TemplateModel.from_arrays(spike_samples=model.spike_samples,
                                  spike_templates=model.spike_templates + 0.5,
                                  templates=np.zeros((6, 82, 16), np.float32), sample_rate=30000.0,
                                  channel_positions=model.channel_positions)
    assert info.value.argument == "spike_templates"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_template_warns_and_keeps_best_channel(data: Path, model: Any, bad: float) -> None:
    _edit_npy(data, "templates.npy", lambda t: t.__setitem__((0, 3, 2), bad))
    _edit_npy(data, "templates.npy", lambda t: t.__setitem__((4, 10, 5), bad))
    before = file_hashes(data)
    with pytest.warns(UserWarning, match=r"templates\.npy: 2 template\(s\) .*template ids 0, 4"):
        m = load_model(data / "params.py")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once, at load
        for t in (0, 4):
            tm = m.get_template(t)
            assert np.isfinite(tm.template).all() and np.isfinite(tm.amplitude).all()
            assert tm.best_channel == model.get_template(t).best_channel
            np.testing.assert_allclose(tm.amplitude.max(), model.get_template(t).amplitude.max(), rtol=0.05)
        np.testing.assert_array_equal(m.clusters_channels, model.clusters_channels)
        amp = m.clusters_waveforms_amplitudes
        assert np.isfinite(amp[model.cluster_ids]).all() and (amp[model.cluster_ids] > 0).all()
        np.testing.assert_array_equal(m.templates_channels, model.templates_channels)
    m.close()
    assert file_hashes(data) == before


def test_all_nan_template_is_an_empty_template_without_warning(data: Path) -> None:
    _edit_npy(data, "templates.npy", lambda t: t.__setitem__(5, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = load_model(data / "params.py")
    assert np.all(m.get_template(5, unwhiten=False).template == 0)
    m.close()


@pytest.mark.parametrize("cid", [2 ** 40, 2 ** 31 - 1, 2 ** 24])
def test_huge_cluster_id_is_refused_at_load(data: Path, cid: int) -> None:
    a = np.load(data / "spike_clusters.npy").astype(np.int64)
    a[5] = cid
    np.save(data / "spike_clusters.npy", a)
    e = _load_fails(data, DataFormatError, "spike_clusters.npy", str(cid), "16,777,215", "spike 5",
                    "Renumber")
    assert e.path == "spike_clusters.npy"


def test_largest_accepted_cluster_id_loads(data: Path) -> None:
    a = np.load(data / "spike_clusters.npy").astype(np.int64)
    a[5] = 2 ** 24 - 1
    np.save(data / "spike_clusters.npy", a)
    m = load_model(data / "params.py")
    assert m.cluster_ids[-1] == 2 ** 24 - 1
    m.close()


def test_huge_cluster_id_is_refused_by_the_controller(data: Path) -> None:
    from phycore.controller import TemplateController

    a = np.load(data / "spike_clusters.npy").astype(np.int64)
    a[5] = 2 ** 40
    np.save(data / "spike_clusters.npy", a)
    _load_fails(data, DataFormatError, "spike_clusters.npy", str(2 ** 40),
                load=lambda d: TemplateController(d / "params.py"))


def test_negative_cluster_id(data: Path) -> None:
    a = np.load(data / "spike_clusters.npy").astype(np.int64)
    a[7] = -3
    np.save(data / "spike_clusters.npy", a)
    _load_fails(data, DataFormatError, "spike_clusters.npy", "-3", ">= 0")


def test_huge_cluster_id_in_arrays_and_appended_spikes(model: Any) -> None:
    sc = np.array(model.spike_clusters)
    sc[0] = 2 ** 40
    with pytest.raises(DataFormatError, match=str(2 ** 40)) as info:
        TemplateModel.from_arrays(spike_samples=model.spike_samples, spike_templates=model.spike_templates,
                                  spike_clusters=sc, templates=np.zeros((6, 82, 16), np.float32),
                                  sample_rate=30000.0, channel_positions=model.channel_positions)
    assert info.value.argument == "spike_clusters"
    m = TemplateModel.from_arrays(spike_samples=model.spike_samples, spike_templates=model.spike_templates,
                                  templates=np.zeros((6, 82, 16), np.float32), sample_rate=30000.0,
                                  channel_positions=model.channel_positions)
    with pytest.raises(DataFormatError, match=str(2 ** 40)) as info:
        m.append_spikes([10.0], [0], clusters=[2 ** 40])
    assert info.value.argument == "clusters" and m.n_spikes == model.n_spikes


# ---------------------------------------------------------------------------- channel ids


_CALLS: dict[str, Callable[[Any, list[Any]], Any]] = {
    "get_waveforms": lambda m, ch: m.get_waveforms(np.arange(5), channel_ids=ch),
    "get_template": lambda m, ch: m.get_template(0, channel_ids=ch),
    "get_features": lambda m, ch: m.get_features(np.arange(5), ch),
    "get_traces": lambda m, ch: m.get_traces(0.0, 0.01, channel_ids=ch),
    "get_cluster_spike_waveforms": lambda m, ch: m.get_cluster_spike_waveforms(
        int(m.cluster_ids[0]), 5, channel_ids=ch),
}


@pytest.mark.parametrize("call", sorted(_CALLS))
@pytest.mark.parametrize("channels, shown", [([32], "[32]"), ([40, 3], "[40]"), ([-1], "[-1]"),
                                             ([0, -2, 16], "[-2, 16]")])
def test_channel_ids_out_of_range(model: Any, call: str, channels: list[int], shown: str) -> None:
    with pytest.raises(ChannelIdError) as info:
        _CALLS[call](model, channels)
    assert info.value.argument == "channel_ids"
    assert f"channel_ids {shown}" in str(info.value) and "0..15" in str(info.value)


@pytest.mark.parametrize("call", sorted(_CALLS))
def test_channel_ids_must_be_integers(model: Any, call: str) -> None:
    with pytest.raises(ChannelIdError, match="channel_ids must be integers"):
        _CALLS[call](model, [1.5])


@pytest.mark.parametrize("call", sorted(_CALLS))
def test_valid_channel_ids_still_work(model: Any, call: str) -> None:
    out = _CALLS[call](model, [15, 0])
    assert out is not None
