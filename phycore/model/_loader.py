"""Read a Kilosort/phy folder, or ``from_arrays`` arguments, into a :class:`FieldSet`.

``load_folder`` reads the files of :data:`~phycore.model._fields.FIELDS` in table order and
checks each one on its own (dtype kind, number of dimensions); ``_consistency.py`` then
checks them against each other. Large arrays (features, amplitudes, templates) stay
memory-mapped; id vectors are read into memory. Nothing is ever written.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from phycore.errors import DataFormatError, MissingFileError
from phycore.model._fields import FIELD, FIELDS, Field, FieldSet, spike_attribute_skip
from phycore.model._files import (
    as_vector,
    check_kind,
    find_file,
    load_npy,
    as_int64,
    read_int_vector,
    read_metadata,
    read_small_array,
)

__all__: list[str] = []

logger = logging.getLogger("phycore.model")

_SKIP_SPIKE_ATTRS = spike_attribute_skip()
# Id vectors the model never writes: they stay memory-mapped when their file is int64.
_MAPPED_IDS = frozenset({"spike_samples", "spike_templates"})


def _lift(f: Field, arr: np.ndarray) -> np.ndarray:
    """Give an array with one dimension fewer than the field's shape rule its missing axis."""
    if f.lift is None:
        return arr
    if f.lift == 0:
        return np.atleast_2d(arr)
    if arr.ndim == len(f.shape) - 1:
        return np.expand_dims(arr, f.lift)
    return arr


def _read(f: Field, path: Path, n: int | None) -> np.ndarray:
    """Read one file as its field says; ``n`` is the spike count (vectors are checked)."""
    n_rows = n if f.is_spike_vector else None
    if f.read == "ids":
        arr = read_int_vector(path, n=n_rows, what=f.what, keep_mapped=f.name in _MAPPED_IDS)
    elif f.read == "values":
        arr = as_vector(load_npy(path), path, n=n_rows)
        check_kind(arr, path, f.kinds, f.what)
    elif f.read == "small":
        arr = read_small_array(path, kinds=f.kinds)
    else:
        arr = load_npy(path, mmap=f.read == "mmap")
        if f.kinds:  # integer fields also accept floats holding integers (see as_int64)
            check_kind(arr, path, f.kinds + ("f" if f.int64 else ""), f.what)
    arr = _lift(f, arr)
    _check_strict_shape(f, arr, path.name, path=path)
    if f.int64:
        arr = as_int64(arr, path.name, f.what, path=path)
    if f.group is not None and len(f.shape) == 1:
        arr = as_vector(arr, path)
    return arr


def _check_strict_shape(f: Field, arr: np.ndarray, name: str, **where: Any) -> None:
    """A strict field needs ``len(f.shape)`` dimensions, each but the first non-empty
    (a ``(20, 0, 32)`` templates.npy would otherwise fail later, blaming another file)."""
    if f.strict and (arr.ndim != len(f.shape) or 0 in arr.shape[1:]):
        zero = [f"axis {k}" if f.shape[k].isdigit() else f.shape[k]
                for k in range(1, min(arr.ndim, len(f.shape))) if arr.shape[k] == 0]
        empty = f"; {' and '.join(zero)} must be at least 1" if zero else ""
        raise DataFormatError(f"{name} must have shape ({', '.join(f.shape)}), got {arr.shape}{empty}.",
                              **where)


def _spike_times(dir_path: Path, fs: FieldSet) -> int:
    """Read the spike times: ``spike_times.npy`` (samples) or ALF ``spikes.times*.npy``
    (seconds, converted once the sample rate is known). Returns the spike count."""
    f = FIELD["spike_samples"]
    p = dir_path / f.file
    if p.is_file():
        fs.files.append(p.name)
        fs.names[f.name] = p.name
        fs.set(f.name, _read(f, p, None))
        return len(fs[f.name])
    alf = sorted(dir_path.glob("spikes.times*.npy"))
    if not alf:
        raise MissingFileError(f"required file {f.file} is missing from {dir_path}.", path=p)
    fs.files.append(alf[0].name)
    fs.names[f.name] = alf[0].name
    fs.spike_seconds = np.asarray(as_vector(load_npy(alf[0]), alf[0]), dtype=np.float64)
    alf_s = sorted(dir_path.glob("spikes.samples*.npy"))
    fs.set(f.name, read_int_vector(alf_s[0]) if alf_s else np.empty(0, dtype=np.int64))
    return len(fs.spike_seconds)


def load_folder(dir_path: Path) -> FieldSet:
    """Read every file phy reads from ``dir_path`` (see formats.md), without writing."""
    if not dir_path.is_dir():
        raise MissingFileError(f"data folder {dir_path} does not exist.", path=dir_path)
    fs = FieldSet()
    n = _spike_times(dir_path, fs)
    groups: dict[str, bool] = {}
    for f in FIELDS[1:]:
        if f.parent is not None and f.parent not in fs:
            continue
        if f.group is not None:
            if f.group not in groups:
                members = [g.file for g in FIELDS if g.group == f.group]
                groups[f.group] = all((dir_path / m).is_file() for m in members)
            if not groups[f.group]:
                continue
            p: Path | None = dir_path / f.file
        else:
            p = find_file(dir_path, f.file, f.alternatives, mandatory=f.required)
        if p is None:
            continue
        fs.files.append(p.name)
        fs.names[f.name] = p.name
        fs.set(f.name, _read(f, p, n))
        if f.name == "spike_templates":  # the spike count every other file is checked against
            n = len(fs[f.name])
    _read_spike_attributes(dir_path, fs, n)
    fs.metadata, tsv_files = read_metadata(dir_path)
    fs.files.extend(tsv_files)
    return fs


def _read_spike_attributes(dir_path: Path, fs: FieldSet, n: int) -> None:
    """Extra ``spike_<key>.npy`` files with one row per spike (others are skipped, logged)."""
    for p in sorted(dir_path.glob("spike_*.npy")):
        key = p.stem[6:]
        if key in _SKIP_SPIKE_ATTRS:
            continue
        try:
            a = load_npy(p)
        except DataFormatError as e:
            logger.warning("Skipping %s: %s", p.name, e)
            continue
        if a.ndim == 0 or a.shape[0] != n:
            logger.warning("Skipping %s: it has %s rows, not %d.", p.name,
                           a.shape[0] if a.ndim else 0, n)
            continue
        fs.files.append(p.name)
        fs.spike_attributes[key] = a


def from_arguments(metadata: dict[str, dict[int, Any]] | None, **arrays: Any) -> FieldSet:
    """Bundle ``TemplateModel.from_arrays`` arrays (keyword = field name); the argument
    names stand in for file names in error messages."""
    fs = FieldSet(metadata=dict(metadata or {}))
    for key, value in arrays.items():
        f = FIELD[key]
        if value is None and (not f.required or key == "channel_map"):  # default: 0..n_channels-1
            continue
        arr = np.asarray(value)
        if f.int64:
            arr = as_int64(arr, key, f.what, argument=key)
        if key == "spike_clusters":
            arr = np.array(arr)  # a copy: the model edits it in place
        fs.set(key, arr.reshape(-1) if f.required and f.is_spike_vector else arr)
    fs.set("channel_positions", np.asarray(fs["channel_positions"], dtype=np.float64))
    if "channel_map" not in fs:
        fs.set("channel_map", np.arange(fs["channel_positions"].shape[0], dtype=np.int64))
    _check_strict_shape(FIELD["templates"], fs["templates"], "templates", argument="templates")
    return fs
