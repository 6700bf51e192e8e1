"""How load_model reads id vectors: one pass from a memory map, never-written ones kept mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phycore.errors import DataFormatError
from phycore.model import TemplateModel
from phycore.model._files import read_int_vector
from phycore.model.synthetic import make_dataset


def _save(tmp_path: Path, arr: np.ndarray) -> Path:
    p = tmp_path / "ids.npy"
    np.save(p, arr)
    return p


def test_int32_ids_are_converted_into_writable_memory(tmp_path: Path) -> None:
    out = read_int_vector(_save(tmp_path, np.array([3, 1, 2], np.int32)))
    assert out.dtype == np.int64 and out.flags.writeable and type(out) is np.ndarray
    np.testing.assert_array_equal(out, [3, 1, 2])


def test_int64_ids_are_copied_unless_kept_mapped(tmp_path: Path) -> None:
    p = _save(tmp_path, np.arange(5, dtype=np.int64))
    copied = read_int_vector(p)
    assert copied.flags.writeable and copied.flags.owndata
    mapped = read_int_vector(p, keep_mapped=True)
    assert type(mapped) is np.ndarray and not mapped.flags.writeable
    np.testing.assert_array_equal(mapped, np.arange(5))


def test_uint64_times_are_viewed_as_int64_when_they_fit(tmp_path: Path) -> None:
    mapped = read_int_vector(_save(tmp_path, np.array([0, 5, 2**40], np.uint64)), keep_mapped=True)
    assert mapped.dtype == np.int64 and not mapped.flags.writeable
    np.testing.assert_array_equal(mapped, [0, 5, 2**40])
    with pytest.raises(DataFormatError, match="too large"):
        read_int_vector(_save(tmp_path, np.array([1, 2**63], np.uint64)), keep_mapped=True)
    empty = read_int_vector(_save(tmp_path, np.zeros(0, np.uint64)), keep_mapped=True)
    assert empty.dtype == np.int64 and empty.size == 0


def test_a_loaded_model_keeps_times_mapped_and_clusters_writable(tmp_path: Path) -> None:
    d = tmp_path / "data"
    make_dataset(d, n_spikes=2000, n_channels=16, n_templates=5, duration=2.0, raw=False, seed=1)
    np.save(d / "spike_times.npy", np.load(d / "spike_times.npy").astype(np.uint64))
    m = TemplateModel(d, sample_rate=30000.0)
    assert m.spike_samples.dtype == np.int64 and not m.spike_samples.flags.writeable
    assert m.spike_clusters.dtype == np.int64 and m.spike_clusters.flags.writeable
    assert m.spike_templates.dtype == np.int64
    np.testing.assert_array_equal(m.probes, [0])
