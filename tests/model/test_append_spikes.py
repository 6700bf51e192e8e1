"""TemplateModel.append_spikes: a model grows with new spikes, in memory, and refuses bad ones.

On an in-memory model (``from_arrays``, as acquisition software builds it) and on a
folder model (whose memory-mapped files must never be written). A bad argument raises a
``DataFormatError`` naming it, and leaves the model exactly as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests._folders import file_hashes, fresh_copy, small_folder
from phycore.errors import DataFormatError, PhyCoreError
from phycore.model import TemplateModel, load_model
from phycore.model import GrowableArray
from phycore.model.stream import SpikeStream

PER_SPIKE = ("spike_samples", "spike_times", "spike_templates", "spike_clusters", "amplitudes")


@pytest.fixture
def stream() -> SpikeStream:
    return SpikeStream(n_channels=32, n_templates=8, rate=3000, n_channels_loc=8, seed=3)


@pytest.fixture
def model(stream: SpikeStream) -> TemplateModel:
    return stream.model(duration=1.0)


@pytest.fixture(scope="module")
def folder_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory, "live_folder", seed=0)


@pytest.fixture
def folder(folder_source: Path, tmp_path: Path) -> Path:
    return fresh_copy(folder_source, tmp_path)


def _state(m: TemplateModel) -> dict[str, Any]:
    out: dict[str, Any] = {name: np.array(getattr(m, name)) for name in PER_SPIKE}
    out["n_spikes"], out["duration"] = m.n_spikes, m.duration
    for name in ("sparse_features", "sparse_template_features", "spike_waveforms"):
        sd = getattr(m, name)
        out[name] = None if sd is None else np.array(sd.data)
    return out


def _assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        else:
            assert a[k] == b[k], k


# In-memory model ------------------------------------------------------------------------------


def test_append_grows_every_per_spike_array(model: TemplateModel, stream: SpikeStream) -> None:
    n0, before = model.n_spikes, _state(model)
    times, templates, amplitudes = stream.next_batch(1.5)
    ids = model.append_spikes(times, templates, amplitudes)
    np.testing.assert_array_equal(ids, np.arange(n0, n0 + len(times)))
    assert model.n_spikes == n0 + len(times) and model.n_spikes_loaded == n0
    for name in PER_SPIKE:
        arr = getattr(model, name)
        assert len(arr) == model.n_spikes, name
        np.testing.assert_array_equal(arr[:n0], before[name], err_msg=name)
    np.testing.assert_array_equal(model.spike_times[n0:], times)
    np.testing.assert_array_equal(model.spike_samples[n0:], np.round(times * model.sample_rate))
    np.testing.assert_array_equal(model.spike_templates[n0:], templates)
    np.testing.assert_allclose(model.amplitudes[n0:], amplitudes)
    assert model.duration == times[-1] > before["duration"]
    # Spikes of a template join the cluster holding most of its spikes (here: its own).
    np.testing.assert_array_equal(model.spike_clusters[n0:], templates)
    # The spike getters see the new spikes.
    np.testing.assert_array_equal(model.get_template_spikes(int(templates[0]))[-1:],
                                  ids[templates == templates[0]][-1:])


def test_default_clusters_follow_live_template_membership(stream: SpikeStream) -> None:
    times, templates, amplitudes = stream.next_batch(1.0)
    clusters = templates + 100  # template t's spikes are in cluster 100 + t...
    zero = np.flatnonzero(templates == 0)
    clusters[zero[: 2 * len(zero) // 3]] = 7  # ...but two thirds of template 0's are in cluster 7
    ts = stream.templates
    model = TemplateModel.from_arrays(
        spike_samples=np.round(times * stream.sample_rate).astype(np.int64), spike_templates=templates,
        spike_clusters=clusters, amplitudes=amplitudes, sample_rate=stream.sample_rate,
        templates=np.take_along_axis(ts.templates_w, ts.local[:, None, :], axis=2), template_ind=ts.local,
        channel_positions=ts.pos)
    t = np.array([1.2, 1.3, 1.4])
    new = model.append_spikes(t, [0, 3, 7], [20.0, 20.0, 20.0])
    np.testing.assert_array_equal(model.spike_clusters[new], [7, 103, 107])
    # Explicit clusters win; a new id is fine.
    new = model.append_spikes([1.5, 1.6], [0, 3], [20.0, 20.0], clusters=[500, 103])
    np.testing.assert_array_equal(model.spike_clusters[new], [500, 103])


def test_many_small_appends_cost_amortised_copies(model: TemplateModel, stream: SpikeStream) -> None:
    n0 = model.n_spikes
    end = 1.0
    for _ in range(300):
        end += 0.01
        model.append_spikes(*stream.next_batch(end))
    reallocations = model._spikes.n_reallocations()
    assert model.n_spikes > n0 + 5000
    # Capacity doubles: a handful of reallocations, not one per append.
    assert reallocations["times"] <= 4 and max(reallocations.values()) <= 4
    np.testing.assert_array_equal(np.diff(model.spike_times) >= 0, True)


def test_waveforms_of_new_spikes_are_served_without_raw_data(model: TemplateModel, stream: SpikeStream) -> None:
    n0 = model.n_spikes
    times, templates, amplitudes = stream.next_batch(1.2)
    n, k = len(times), 4
    rng = np.random.default_rng(0)
    waveforms = rng.standard_normal((n, model.n_samples_waveforms, k)).astype(np.float32)
    ids = model.append_spikes(times, templates, amplitudes, waveforms=waveforms)
    assert model.spike_waveforms is not None
    # Columns are the first k best channels of each spike's template.
    best = model.get_template(int(templates[0])).channel_ids[:k]
    out = model.get_waveforms(ids[:1], best)
    np.testing.assert_array_equal(out[0], waveforms[0])
    assert not model.has_raw_data and n0 == model.n_spikes_loaded


@pytest.mark.parametrize("kwargs, argument, words", [
    (dict(times=[[1.5]], templates=[0], amplitudes=[1.0]), "times", "1-D"),
    (dict(times=["a"], templates=[0], amplitudes=[1.0]), "times", "numbers"),
    (dict(times=[1.5, np.nan], templates=[0, 1], amplitudes=[1.0, 1.0]), "times", "finite"),
    (dict(times=[1.6, 1.5], templates=[0, 1], amplitudes=[1.0, 1.0]), "times", "sorted"),
    (dict(times=[0.5], templates=[0], amplitudes=[1.0]), "times", "back in time"),
    (dict(times=[1.5], templates=[8], amplitudes=[1.0]), "templates", "8 templates"),
    (dict(times=[1.5], templates=[-1], amplitudes=[1.0]), "templates", ">= 0"),
    (dict(times=[1.5, 1.6], templates=[0], amplitudes=[1.0, 1.0]), "templates", "shape"),
    (dict(times=[1.5], templates=[0.5], amplitudes=[1.0]), "templates", "numbers"),
    (dict(times=[1.5], templates=[0]), "amplitudes", "required"),
    (dict(times=[1.5], templates=[0], amplitudes=[1.0, 2.0]), "amplitudes", "shape"),
    (dict(times=[1.5], templates=[0], amplitudes=[1.0], features=np.zeros((1, 3, 8))), "features",
     "has none"),
    (dict(times=[1.5], templates=[0], amplitudes=[1.0], waveforms=np.zeros((1, 10, 4))), "waveforms",
     "shape"),
    (dict(times=[1.5], templates=[0], amplitudes=[1.0], waveform_channels=np.zeros((1, 4), int)),
     "waveform_channels", "without waveforms"),
    (dict(times=[1.5], templates=[0], amplitudes=[1.0], waveforms=np.zeros((1, 82, 2)),
          waveform_channels=[[0, 99]]), "waveform_channels", "channel indices"),
    (dict(times=[1.5], templates=[0], amplitudes=[1.0], clusters=[-3]), "clusters", ">= 0"),
])
def test_bad_input_names_the_argument_and_changes_nothing(model: TemplateModel, kwargs: dict[str, Any],
                                                          argument: str, words: str) -> None:
    before = _state(model)
    with pytest.raises(DataFormatError) as info:
        model.append_spikes(**kwargs)
    e = info.value
    assert isinstance(e, PhyCoreError) and isinstance(e, ValueError)
    assert e.argument == argument
    assert argument in str(e) and words in str(e), str(e)
    _assert_same(before, _state(model))
    # The model still takes a good batch afterwards.
    model.append_spikes([1.5], [0], [20.0])
    assert model.n_spikes == before["n_spikes"] + 1


def test_an_empty_batch_is_a_no_op(model: TemplateModel) -> None:
    before = _state(model)
    ids = model.append_spikes(np.zeros(0), np.zeros(0, np.int64), np.zeros(0))
    assert ids.dtype == np.int64 and len(ids) == 0
    _assert_same(before, _state(model))


# Folder model ---------------------------------------------------------------------------------


def _folder_batch(m: TemplateModel, n: int, t0: float) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    return dict(times=t0 + np.sort(rng.uniform(0, 1, n)), templates=rng.integers(0, m.n_templates, n),
                amplitudes=rng.uniform(10, 30, n),
                features=rng.standard_normal((n,) + m.sparse_features.data.shape[1:]).astype(np.float32),
                template_features=rng.standard_normal((n,) + m.sparse_template_features.data.shape[1:]))


def test_folder_model_grows_in_memory_and_never_writes_its_files(folder: Path) -> None:
    files = file_hashes(folder)
    m = load_model(folder / "params.py")
    n0 = m.n_spikes
    assert isinstance(m.amplitudes, np.memmap)
    batch = _folder_batch(m, 50, m.duration + 0.1)
    ids = m.append_spikes(**batch)
    assert m.n_spikes == n0 + 50 and m.n_spikes_loaded == n0
    np.testing.assert_array_equal(m.spike_times[ids], batch["times"])
    np.testing.assert_allclose(m.amplitudes[ids], batch["amplitudes"])
    np.testing.assert_array_equal(m.amplitudes[:n0], np.load(folder / "amplitudes.npy"))
    np.testing.assert_array_equal(m.sparse_features.data[ids], batch["features"])
    np.testing.assert_array_equal(m.features[ids], batch["features"].transpose(0, 2, 1))
    tf = m.get_template_features(ids)
    assert tf is not None and tf.shape == (50, m.n_templates) and np.isfinite(tf).all()
    # PC features of a new spike come back on its template's channels.
    cols = m.sparse_features.cols[int(batch["templates"][0])]
    pcs = m.get_features(ids[:1], cols[:2])
    np.testing.assert_allclose(pcs[0], batch["features"][0][:, :2].T)
    # The recording grew past the raw data: duration follows the last spike.
    assert m.duration == pytest.approx(batch["times"][-1])
    assert file_hashes(folder) == files


def test_folder_model_requires_its_per_spike_arrays(folder: Path) -> None:
    m = load_model(folder / "params.py")
    before = _state(m)
    batch = _folder_batch(m, 3, m.duration + 0.1)
    for missing in ("features", "template_features", "amplitudes"):
        bad = {k: v for k, v in batch.items() if k != missing}
        with pytest.raises(DataFormatError, match=f"{missing} is required") as info:
            m.append_spikes(**bad)
        assert info.value.argument == missing
    with pytest.raises(DataFormatError, match="features must have shape") as info:
        m.append_spikes(**{**batch, "features": batch["features"][:, :2]})
    assert info.value.argument == "features"
    _assert_same(before, _state(m))


# GrowableArray ---------------------------------------------------------------------------------


def test_growable_array_views_handed_out_never_change() -> None:
    g = GrowableArray(np.arange(3), np.int64)
    first = g.view
    assert not first.flags.writeable and g.capacity >= 1024
    for k in range(5):
        g.append(np.full(1000, k))
    assert len(g) == 5003 and g.n_reallocations >= 1
    np.testing.assert_array_equal(first, [0, 1, 2])  # an old view keeps its rows
    np.testing.assert_array_equal(g.view[:3], [0, 1, 2])
    np.testing.assert_array_equal(g.view[-1000:], 4)
    with pytest.raises(ValueError, match="cannot be appended"):
        g.append(np.zeros((2, 2), np.int64))
    with pytest.raises(ValueError, match="dtype float64"):
        g.append(np.zeros(2))
    assert len(g) == 5003
