"""phy's ``extract-waveforms`` cache: the ``_phy_spikes_subset.*.npy`` files.

phy's ``phy extract-waveforms params.py`` (phylib's
``TemplateModel.save_spikes_subset_waveforms``) stores the raw waveforms of a subset of
spikes in the data folder, so that a session without the raw data (or with slow,
compressed raw data) still shows waveforms, and features when ``pc_features.npy`` is
absent (:func:`waveform_features`). This module writes the same three files, byte for byte:

- ``_phy_spikes_subset.spikes.npy``: int64 ``(k,)``, the spike ids, sorted;
- ``_phy_spikes_subset.channels.npy``: int32 ``(k, nc)``, each spike's channels;
- ``_phy_spikes_subset.waveforms.npy``: float64 ``(k, n_samples_waveforms, nc)``, the raw
  samples times ``sample2unit``.

The spikes are, for each template, those lying in ~20 evenly spaced raw-data chunks
(phylib's ``SpikeSelector`` chunks), all of them when there are at most
``max_n_spikes_per_template``, else a random sample of that many drawn with phylib's
rule from ``np.random.RandomState(seed)``: the spikes phylib picks after
``np.random.seed(seed)``. ``nc`` is ``max(max_n_channels, n_closest_channels)``; the
channels of a spike are its template's best channels (by decreasing amplitude), padded
with ``-1`` (a zero waveform column). Waveform windows are
``[s - n // 2, s - n // 2 + n)``, zero-padded at the recording's edges, unfiltered.

The files are written to temporary files next to them, then renamed; the old
``spikes`` file is removed first and the new one renamed last, so that a reader never
sees a mix of old and new files (an incomplete set is ignored by phy and phycore).

.. versionadded:: 0.2
"""

from __future__ import annotations

import contextlib
import errno as _errno
import logging
import os
import secrets
from pathlib import Path
from typing import IO, Any, Callable, Protocol

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError, RawDataError, SaveError
from phycore.model.raw import RawTraces
from phycore.model.waveforms import kept_chunks, spikes_in_chunks
from phycore.paths import fsync_dir

__all__ = [
    "SUBSET_FILES",
    "N_CHUNKS_KEPT",
    "save_spikes_subset_waveforms",
    "select_subset_spikes",
    "subset_channels",
    "waveform_features",
]

logger = logging.getLogger("phycore.model")

#: The three files, in the order :func:`save_spikes_subset_waveforms` returns them.
SUBSET_FILES = ("_phy_spikes_subset.waveforms.npy", "_phy_spikes_subset.channels.npy",
                "_phy_spikes_subset.spikes.npy")

#: Raw-data chunks the spikes are taken from (phylib's ``n_chunks_kept``).
N_CHUNKS_KEPT = 20

#: Spikes extracted per batch (memory: batch x n_samples x nc x 8 bytes, ~10 MB).
_BATCH = 1000

Progress = Callable[[float], None]


class _Model(Protocol):
    """What :func:`save_spikes_subset_waveforms` needs of a TemplateModel."""

    dir_path: Path | None
    dat_path: list[Path]
    traces: RawTraces | None
    raw_data_error: str | None
    n_templates: int
    n_samples_waveforms: int
    n_closest_channels: int
    n_spikes_loaded: int

    @property
    def spike_samples(self) -> npt.NDArray[np.int64]: ...

    @property
    def spike_templates(self) -> npt.NDArray[np.int64]: ...

    def get_template_channels(self, template_id: int) -> npt.NDArray[np.int64]: ...


def _sample(ids: npt.NDArray[np.int64], n: int, rs: np.random.RandomState) -> npt.NDArray[np.int64]:
    """``n`` random sorted elements of ``ids`` (phylib's ``_sample_spikes`` draws, from ``rs``)."""
    if n * 4 > len(ids):
        return np.sort(rs.choice(ids, n, replace=False))
    # phylib draws a seed from the legacy generator, then a sparse sample from a Generator.
    sub_seed = rs.randint(0, np.iinfo(np.uint32).max, dtype=np.uint32)
    idx = np.random.default_rng(sub_seed).choice(len(ids), size=n, replace=False, shuffle=False)
    return np.sort(ids[idx])


def select_subset_spikes(spike_samples: npt.ArrayLike, spike_templates: npt.ArrayLike,
                         chunk_bounds: npt.ArrayLike, max_n_spikes_per_template: int, *,
                         n_chunks_kept: int = N_CHUNKS_KEPT, seed: int | None = 0) -> npt.NDArray[np.int64]:
    """The spikes whose waveforms are stored (phylib's selection).

    Parameters
    ----------
    spike_samples, spike_templates : array of int
        Per-spike sample and original template.
    chunk_bounds : array of int
        Raw-data chunk bounds (``RawTraces.chunk_bounds``, ~600 s chunks).
    max_n_spikes_per_template : int
        Per template, at most this many spikes (all when it has fewer in the kept chunks).
    n_chunks_kept : int
        Number of evenly spaced chunks the spikes are taken from.
    seed : int, optional
        Seed of the ``np.random.RandomState`` the samples are drawn from, in increasing
        template order (None: fresh entropy, as phy's command line).

    Returns
    -------
    ndarray of int64
        Sorted spike ids.
    """
    samples = np.asarray(spike_samples, dtype=np.int64)
    templates = np.asarray(spike_templates, dtype=np.int64)
    if not len(templates):
        return np.zeros(0, dtype=np.int64)
    rs = np.random.RandomState(seed)
    in_chunks = spikes_in_chunks(samples, kept_chunks(chunk_bounds, n_chunks_kept))
    order = np.argsort(templates, kind="stable")  # spike ids increase within a template
    starts = np.flatnonzero(np.r_[True, np.diff(templates[order]) != 0])
    parts = []
    for a, b in zip(starts.tolist(), np.r_[starts[1:], len(order)].tolist()):
        ids = order[a:b]
        ids = ids[in_chunks[ids]]
        if len(ids) > max_n_spikes_per_template:
            ids = _sample(ids, max_n_spikes_per_template, rs)
        parts.append(ids)
    return np.unique(np.concatenate(parts)).astype(np.int64)


def subset_channels(model: _Model, n_channels: int) -> npt.NDArray[np.int32]:
    """``(n_templates, n_channels)`` int32: each template's first ``n_channels`` best
    channels, ``-1`` padded; all ``-1`` for templates without spikes."""
    out = np.full((model.n_templates, n_channels), -1, dtype=np.int32)
    counts = np.bincount(model.spike_templates[:model.n_spikes_loaded], minlength=model.n_templates)
    for t in np.flatnonzero(counts).tolist():
        best = np.asarray(model.get_template_channels(t))[:n_channels]
        out[t, :len(best)] = best
    return out


def waveform_features(waveforms: npt.ArrayLike, n_pcs: int = 3) -> npt.NDArray[np.float32]:
    """Features computed from waveforms, as phylib does without ``pc_features.npy``.

    On each channel, the waveforms are projected on the ``n_pcs`` principal components
    of these same waveforms (eigenvectors of their covariance plus ``I / n_spikes``, so
    the values depend on which spikes are given, as in phylib).

    Parameters
    ----------
    waveforms : array
        ``(n_spikes, n_samples, n_channels)``.
    n_pcs : int
        Components per channel.

    Returns
    -------
    ndarray
        float32 ``(n_spikes, n_channels, n_pcs)``.
    """
    x = np.asarray(waveforms, dtype=np.float64)
    n, ns, nc = x.shape
    pcs = np.zeros((n_pcs, ns, nc), dtype=np.float32)
    k = min(n_pcs, ns)
    for c in range(nc):
        reg = np.eye(ns) / max(n, 1)
        cov = reg + np.cov(x[:, :, c], rowvar=False) if n > 1 else reg
        vals, vecs = np.linalg.eigh(cov)
        # float32 components, by decreasing eigenvalue: phylib's, so the signs match too.
        pcs[:k, :, c] = vecs.T.astype(np.float32)[np.argsort(vals)[::-1]][:k]
    out: npt.NDArray[np.float32] = np.einsum("ijk,ljk->lki", pcs, x).astype(np.float32)
    return out


def _extract_batch(traces: RawTraces, samples: npt.NDArray[np.int64], channels: npt.NDArray[np.int32],
                   n_samples: int) -> npt.NDArray[np.float64]:
    """Unfiltered raw windows ``(n, n_samples, nc)`` float64 (exact for every raw dtype up
    to 32 bits), each spike on its own channels (-1 = zero column)."""
    from phycore.model._cbin import extract_windows

    out = np.zeros((len(samples), n_samples, channels.shape[1]), dtype=np.float64)
    starts = samples - n_samples // 2
    # Spikes of one template share channels: one kernel call per distinct channel row.
    rows, inverse = np.unique(channels, axis=0, return_inverse=True)
    for r in range(len(rows)):
        sel = np.flatnonzero(inverse.reshape(-1) == r)
        ch = rows[r].astype(np.int64)
        cols = np.ascontiguousarray(np.where(ch >= 0, traces.channel_map[np.maximum(ch, 0)], -1))
        part_out = np.zeros((len(sel), n_samples, len(cols)), dtype=np.float64)
        for k, part in enumerate(traces.parts):
            rel = np.ascontiguousarray(starts[sel] - int(traces.part_bounds[k]))
            extract_windows(part, rel, cols, part_out)
        out[sel] = part_out
    return out


@contextlib.contextmanager
def _temp_file(path: Path) -> Any:
    """A new temporary file next to ``path``, removed unless renamed (yields (tmp, file))."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        f = open(tmp, "xb")
    except OSError as e:
        raise _save_error(e, path) from e
    try:
        with f:
            yield tmp, f
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _save_error(e: OSError, path: Path) -> SaveError:
    why = {_errno.EACCES: "permission denied (is the folder read-only?)", _errno.EROFS: "read-only file system",
           _errno.ENOSPC: "no space left on the disk"}.get(e.errno or 0, e.strerror or str(e))
    return SaveError(f"Cannot write {path}: {why}. Nothing was changed.", path=path.parent, errno=e.errno)


def _write_npy_header(f: IO[bytes], shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    # phylib's writer uses format 1.0 (np.save picks it too when the header fits).
    np.lib.format.write_array_header_1_0(f, {"descr": np.lib.format.dtype_to_descr(dtype),
                                             "fortran_order": False, "shape": shape})


def _finish(f: IO[bytes]) -> None:
    f.flush()
    os.fsync(f.fileno())


def _check(model: _Model, max_n_spikes_per_template: int, max_n_channels: int | None) -> tuple[Path, RawTraces]:
    for name, value in (("max_n_spikes_per_template", max_n_spikes_per_template),
                        ("max_n_channels", max_n_channels)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value <= 0):
            raise DataFormatError(f"{name} must be a positive integer, got {value!r}.", argument=name)
    if model.dir_path is None:
        raise SaveError("save_spikes_subset_waveforms: this model was built from arrays and has no "
                        "folder to write to.")
    if model.traces is None:
        raw = str(model.dat_path[0]) if model.dat_path else None
        raise RawDataError(
            f"Cannot extract waveforms: the raw data is unavailable ({model.raw_data_error}). The "
            f"_phy_spikes_subset files are cut from the raw data{f' ({raw})' if raw else ''}: "
            "check dat_path, n_channels_dat and dtype in params.py.", path=raw)
    return model.dir_path, model.traces


def save_spikes_subset_waveforms(
    model: _Model,
    max_n_spikes_per_template: int = 500,
    max_n_channels: int | None = 16,
    sample2unit: float | None = 1.0,
    *,
    seed: int | None = 0,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the ``_phy_spikes_subset.*.npy`` files of a model's folder (phy's
    ``extract-waveforms``).

    Parameters
    ----------
    model : TemplateModel
        A model loaded from a folder, with its raw data.
    max_n_spikes_per_template : int
        At most this many spikes per template (phy's command line: 500).
    max_n_channels : int, optional
        Channels per spike; at least the model's ``n_closest_channels`` (12) are kept
        (phy's command line: 16; None = ``n_closest_channels``).
    sample2unit : float, optional
        Factor applied to the raw samples; the waveforms are then float64. None writes
        the raw dtype.
    seed : int, optional
        Seed of the random sample of templates with more spikes (see
        :func:`select_subset_spikes`); None draws fresh entropy like phy.
    progress : callable, optional
        ``progress(fraction)`` called as the waveforms are read (0 to 1).

    Returns
    -------
    list of Path
        The waveforms, channels and spikes files (:data:`SUBSET_FILES`).

    Raises
    ------
    RawDataError
        The raw data is unavailable (phylib logs a warning and writes nothing).
    SaveError
        The folder cannot be written (read-only, disk full), or the model has no folder;
        the old files, if any, are left as they were.
    DataFormatError
        A count that is not a positive integer.
    """
    dir_path, traces = _check(model, max_n_spikes_per_template, max_n_channels)
    report = progress or (lambda fraction: None)
    n = model.n_spikes_loaded  # spikes appended live are not in the sorter's files
    nc = max(max_n_channels or model.n_closest_channels, model.n_closest_channels)
    samples = np.asarray(model.spike_samples[:n], dtype=np.int64)
    spikes = select_subset_spikes(samples, model.spike_templates[:n], traces.chunk_bounds,
                                  int(max_n_spikes_per_template), seed=seed)
    channels = subset_channels(model, nc)[model.spike_templates[spikes]]
    nsw = model.n_samples_waveforms
    dtype = np.dtype(np.float64) if sample2unit is not None else traces.dtype
    paths = [dir_path / name for name in SUBSET_FILES]
    logger.info("Extracting the waveforms of %d spikes on %d channels into %s.", len(spikes), nc, dir_path)
    with contextlib.ExitStack() as stack:
        (tmp_w, fw), (tmp_c, fc), (tmp_s, fs) = (stack.enter_context(_temp_file(p)) for p in paths)
        try:
            np.save(fs, spikes)
            np.save(fc, channels)
            _write_npy_header(fw, (len(spikes), nsw, nc), dtype)
            report(0.0)
            for i0 in range(0, len(spikes), _BATCH):
                w = _extract_batch(traces, samples[spikes[i0:i0 + _BATCH]], channels[i0:i0 + _BATCH], nsw)
                w = w * sample2unit if sample2unit is not None else w.astype(dtype)
                fw.write(np.ascontiguousarray(w, dtype=dtype).tobytes())
                if i0 + _BATCH < len(spikes):  # 1.0 once the files are in place
                    report((i0 + _BATCH) / len(spikes))
            for f in (fw, fc, fs):
                _finish(f)
                f.close()  # before the renames (Windows cannot replace an open file)
            # Old spikes file first, new one last: a partial set is never a valid one.
            with contextlib.suppress(FileNotFoundError):
                paths[2].unlink()
            for tmp, path in zip((tmp_w, tmp_c, tmp_s), paths):
                os.replace(tmp, path)
        except OSError as e:
            raise _save_error(e, paths[0]) from e
    fsync_dir(dir_path)
    report(1.0)
    return paths
