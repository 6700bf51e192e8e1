"""phylib's raw data readers and waveform helpers, over phycore's reader (private).

phylib (``phylib.io.traces``) reads raw data with ``*EphysReader`` objects and extracts
waveforms with module functions. Plugins get thin adapters here: each reader wraps a
:class:`~phycore.model.raw.RawTraces` (flat binary files, ``.npy`` or an array) and keeps
phylib's attribute names and slicing; the waveform functions call phycore's extractor.
Compressed ``.cbin`` (mtscomp) files are not read by phycore.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import numpy.typing as npt

from phycore.bunch import Bunch
from phycore.errors import UnsupportedPhyAPIError
from phycore.model.raw import RawTraces
from phycore.model.waveforms import extract_waveforms as _extract
from phycore.model.waveforms import select_spikes_evenly, spikes_in_chunks

__all__ = ["BaseEphysReader", "FlatEphysReader", "NpyEphysReader", "ArrayEphysReader",
           "RandomEphysReader", "get_ephys_reader", "extract_waveforms", "export_waveforms",
           "get_spike_waveforms", "compute_features", "SpikeSelector"]

#: phylib's flat binary extensions.
RAW_EXTENSIONS = (".dat", ".bin", ".raw", ".mda")


class BaseEphysReader:
    """phylib's raw data reader: ``reader[i0:i1]`` is ``(i1 - i0, n_channels)``.

    Parameters
    ----------
    raw : RawTraces
        phycore's reader of the data.
    name : str
        The data's name (phylib: the first file's stem).
    dir_path : Path, optional
        The folder of the data.

    Attributes
    ----------
    sample_rate, n_channels, dtype, part_bounds, chunk_bounds
        Those of ``raw`` (``chunk_bounds`` are phycore's ~600 s chunks; phylib's are 1 s).
    ndim : int
        2.
    sample_onset, sample_offset
        phylib's class values (0 and None): the whole recording is read.
    """

    sample_rate: float = 0
    n_channels: int = 0
    chunk_bounds: Any = ()
    part_bounds: Any = ()
    dtype: Any = None
    name = "default"
    dir_path: Path | None = None
    ndim = 2
    sample_onset = 0
    sample_offset = None

    def __init__(self, raw: RawTraces, name: str = "default", dir_path: Path | None = None) -> None:
        self.raw = raw
        self.name, self.dir_path = name, dir_path
        self.sample_rate, self.n_channels, self.dtype = raw.sample_rate, raw.n_channels, raw.dtype
        self.part_bounds, self.chunk_bounds = list(raw.part_bounds), list(raw.chunk_bounds)

    @property
    def n_chunks(self) -> int:
        """Number of chunks."""
        return max(0, len(self.chunk_bounds) - 1)

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.chunk_bounds[-1])

    @property
    def n_parts(self) -> int:
        """Number of concatenated files."""
        return max(0, len(self.part_bounds) - 1)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_samples, n_channels)``."""
        return (self.n_samples, self.n_channels)

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self.n_samples / float(self.sample_rate)

    def __len__(self) -> int:
        return self.n_samples

    def __getitem__(self, item: Any) -> np.ndarray:
        return self.raw[item]

    def subset_time_range(self, interval: tuple[float, float]) -> np.ndarray:
        """The samples of ``interval = (t0, t1)`` seconds (phylib's raises NotImplementedError)."""
        t0, t1 = interval
        return self.raw.read(int(round(t0 * self.sample_rate)), int(round(t1 * self.sample_rate)))

    def iter_chunks(self, cache: bool = True) -> Iterator[tuple[int, int]]:
        """``(i0, i1)`` sample bounds of each chunk (``cache`` is accepted for phylib)."""
        yield from zip(self.chunk_bounds[:-1], self.chunk_bounds[1:])

    def close(self) -> None:
        """Release the files."""
        self.raw.close()



class FlatEphysReader(BaseEphysReader):
    """Flat binary files (concatenated), phylib's arguments.

    Parameters
    ----------
    paths : path or list of paths
    sample_rate : float
    dtype : numpy dtype
    offset : int
        Header bytes of each file.
    n_channels : int
        Interleaved channels of the files.
    """

    def __init__(self, paths: Any, sample_rate: float | None = None, dtype: Any = None, offset: int = 0,
                 n_channels: int | None = None, **kwargs: Any) -> None:
        paths = [Path(p) for p in (paths if isinstance(paths, (list, tuple)) else [paths])]
        if not sample_rate or not n_channels or dtype is None:
            raise ValueError("FlatEphysReader needs sample_rate, dtype and n_channels.")
        super().__init__(RawTraces(paths, n_channels, dtype, offset, sample_rate), paths[0].stem, paths[0].parent)


class ArrayEphysReader(BaseEphysReader):
    """An in-memory ``(n_samples, n_channels)`` array."""

    def __init__(self, arr: np.ndarray, sample_rate: float | None = None, **kwargs: Any) -> None:
        if not sample_rate:
            raise ValueError("ArrayEphysReader needs sample_rate.")
        super().__init__(RawTraces.from_array(np.asarray(arr), sample_rate))


class NpyEphysReader(BaseEphysReader):
    """A ``.npy`` file, memory-mapped."""

    def __init__(self, path: Any, sample_rate: float | None = None, **kwargs: Any) -> None:
        path = Path(path[0] if isinstance(path, (list, tuple)) else path)
        if not sample_rate:
            raise ValueError("NpyEphysReader needs sample_rate.")
        super().__init__(RawTraces.from_array(np.load(path, mmap_mode="r"), sample_rate), path.stem, path.parent)


class RandomEphysReader(BaseEphysReader):
    """Gaussian white noise (float32), drawn again at each read, as phylib's.

    Parameters
    ----------
    n_samples, n_channels : int
    sample_rate : float
    """

    name = "random"

    def __init__(self, n_samples: int, n_channels: int, sample_rate: float | None = None, **kwargs: Any) -> None:
        if not sample_rate or sample_rate <= 0:
            raise ValueError("RandomEphysReader needs a positive sample_rate.")
        super().__init__(RawTraces.from_array(np.zeros((1, n_channels), np.float32), sample_rate), "random")
        self.part_bounds = [0, int(n_samples)]
        chunk = max(1, int(round(self.sample_rate)))
        self.chunk_bounds = sorted(set(range(0, int(n_samples), chunk)) | {0, int(n_samples)})

    def __getitem__(self, item: Any) -> np.ndarray:
        item, cols = item if isinstance(item, tuple) else (item, slice(None))
        rows = np.arange(self.n_samples)[item]
        out = np.random.randn(*np.shape(rows), self.n_channels).astype(np.float32)
        return out[..., cols]

    def subset_time_range(self, interval: tuple[float, float]) -> np.ndarray:
        t0, t1 = interval
        return self[int(round(t0 * self.sample_rate)):int(round(t1 * self.sample_rate))]


def get_ephys_reader(obj: Any, **kwargs: Any) -> BaseEphysReader | None:
    """A reader of ``obj``: a path or list of paths (flat binary or ``.npy``), or an array.

    Parameters
    ----------
    obj : path, list of paths or array
    **kwargs
        phylib's: ``sample_rate``, ``dtype``, ``offset``, ``n_channels`` (or ``n_channels_dat``).

    Returns
    -------
    BaseEphysReader or None
        None when a file does not exist, as phylib.
    """
    if "n_channels_dat" in kwargs:
        kwargs["n_channels"] = kwargs.pop("n_channels_dat")
    if isinstance(obj, (str, Path, list, tuple)):
        paths = [Path(p) for p in (obj if isinstance(obj, (list, tuple)) else [obj])]
        if not paths or not all(p.exists() for p in paths):
            return None
        ext = paths[0].suffix
        if ext == ".npy":
            return NpyEphysReader(paths[0], **kwargs)
        if ext in RAW_EXTENSIONS:
            return FlatEphysReader(paths, **kwargs)
        raise UnsupportedPhyAPIError(f"get_ephys_reader: phycore does not read {ext!r} files (flat binary "
                                     f"{', '.join(RAW_EXTENSIONS)} and .npy only).", argument="obj")
    return ArrayEphysReader(obj, **kwargs)


def _raw(traces: Any) -> RawTraces:
    if isinstance(traces, RawTraces):
        return traces
    if isinstance(traces, BaseEphysReader) and not isinstance(traces, RandomEphysReader):
        return traces.raw
    return RawTraces.from_array(np.asarray(traces[:]), 1.0)


def extract_waveforms(traces: Any, spike_samples: npt.ArrayLike, channel_ids: npt.ArrayLike,
                      n_samples_waveforms: int | None = None) -> np.ndarray:
    """phylib's: ``(n_spikes, n_samples_waveforms, n_channels)`` windows centred on the spikes.

    Parameters
    ----------
    traces : reader, RawTraces or array
    spike_samples : array of int
    channel_ids : array of int
        -1 gives a zero column.
    n_samples_waveforms : int

    Returns
    -------
    ndarray
        The traces' dtype, zero-padded at the edges.
    """
    if not n_samples_waveforms or n_samples_waveforms <= 0:
        raise ValueError("Please specify n_samples_waveforms > 0")
    raw = _raw(traces)
    return _extract(raw, spike_samples, channel_ids, n_samples_waveforms).astype(raw.dtype)


def export_waveforms(path: Any, traces: Any, spike_samples: npt.ArrayLike, spike_channels: npt.ArrayLike,
                     n_samples_waveforms: int | None = None, cache: bool = False, sample2unit: Any = 1) -> None:
    """phylib's: save the waveforms of each spike on its channels to a ``.npy`` file.

    Parameters
    ----------
    path : path
    traces : reader, RawTraces or array
    spike_samples : array of int
    spike_channels : array of int
        ``(n_spikes, n_channels_loc)``: the channels of each spike.
    n_samples_waveforms : int
    cache : bool
        Accepted for phylib.
    sample2unit : float or None
        Scaling of the saved values (float64); None keeps the traces' dtype.
    """
    samples = np.asarray(spike_samples)
    channels = np.asarray(spike_channels, dtype=np.int64)
    raw = _raw(traces)
    nsw = int(n_samples_waveforms or 0)
    out = np.zeros((len(samples), nsw, channels.shape[1]), dtype=raw.dtype if sample2unit is None else float)
    for i, (s, ch) in enumerate(zip(samples, channels)):
        w = _extract(raw, [s], ch, nsw)[0].astype(raw.dtype)
        out[i] = w if sample2unit is None else w * sample2unit
    np.save(path, out)


def get_spike_waveforms(spike_ids: npt.ArrayLike, channel_ids: npt.ArrayLike, spike_waveforms: Bunch | None = None,
                        n_samples_waveforms: int | None = None) -> np.ndarray:
    """phylib's: waveforms from precomputed sparse waveforms (``_phy_spikes_subset.*``).

    Parameters
    ----------
    spike_ids : array of int
        Spikes, all in ``spike_waveforms.spike_ids``.
    channel_ids : array of int
    spike_waveforms : Bunch
        ``spike_ids``, ``spike_channels`` ``(n, n_channels_loc)`` and ``waveforms``
        ``(n, n_samples, n_channels_loc)``.
    n_samples_waveforms : int

    Returns
    -------
    ndarray
        ``(n_spikes, n_samples_waveforms, len(channel_ids))``; channels a spike lacks are 0.
    """
    if spike_waveforms is None:
        raise ValueError("get_spike_waveforms needs spike_waveforms.")
    avail = np.asarray(spike_waveforms.spike_ids)
    spike_ids, channel_ids = np.asarray(spike_ids), np.asarray(channel_ids)
    rel = np.searchsorted(avail, spike_ids)
    if np.any(rel >= len(avail)) or np.any(avail[np.minimum(rel, len(avail) - 1)] != spike_ids):
        raise ValueError("Some spikes are not in spike_waveforms.spike_ids.")
    wf = np.asarray(spike_waveforms.waveforms)
    out = np.zeros((len(spike_ids), int(n_samples_waveforms or wf.shape[1]), len(channel_ids)), dtype=wf.dtype)
    for i, r in enumerate(rel):
        for j, c in enumerate(np.asarray(spike_waveforms.spike_channels)[r]):
            out[i, :, channel_ids == c] = wf[r, :out.shape[1], j]
    return out


def compute_features(waveforms: np.ndarray) -> np.ndarray:
    """phylib's: each spike's projection on 3 principal components per channel
    (:func:`phycore.model.spikes_subset.waveform_features`; float32 ``(n_spikes,
    n_channels, 3)`` from ``(n_spikes, n_samples, n_channels)`` waveforms)."""
    from phycore.model.spikes_subset import waveform_features

    return waveform_features(waveforms, 3)


class SpikeSelector:
    """phylib's per-cluster spike selection among kept chunks of the recording.

    Parameters
    ----------
    get_spikes_per_cluster : callable
        ``cluster_id -> sorted spike ids``.
    spike_times : array
        Times of all spikes (same unit as ``chunk_bounds``).
    chunk_bounds : array
        Bounds of the recording's chunks.
    n_chunks_kept : int
        How many evenly spaced chunks ``subset_chunks=True`` keeps.
    spikes_are_disjoint : bool
        Whether clusters share no spike (the result is then only sorted).

    Attributes
    ----------
    chunks_kept : ndarray
        Flat ``[start, end, start, end, ...]`` bounds of the kept chunks.
    """

    def __init__(self, get_spikes_per_cluster: Any = None, spike_times: npt.ArrayLike | None = None,
                 chunk_bounds: npt.ArrayLike = (), n_chunks_kept: int = 1, spikes_are_disjoint: bool = False) -> None:
        self.get_spikes_per_cluster = get_spikes_per_cluster
        self.spike_times = None if spike_times is None else np.asarray(spike_times)
        self.spikes_are_disjoint = spikes_are_disjoint
        bounds = list(np.asarray(chunk_bounds).ravel())
        step = max(1, -(-(len(bounds) - 1) // max(1, int(n_chunks_kept))))
        self.chunks_kept = np.array([b for i in range(0, len(bounds) - 1, step) for b in bounds[i:i + 2]])

    def __call__(self, n_spk_clu: int | None, cluster_ids: Any, subset_chunks: bool = False,
                 subset_spikes: npt.ArrayLike | None = None, subset_spikes_are_sorted: bool = False,
                 sample_evenly: bool = False) -> npt.NDArray[np.int64]:
        """Up to ``n_spk_clu`` spikes of each cluster (random, or evenly spaced), sorted.

        ``subset_chunks`` keeps the spikes of :attr:`chunks_kept`; ``subset_spikes`` those
        of a given set.
        """
        parts = []
        for cluster in cluster_ids:
            ids = np.asarray(self.get_spikes_per_cluster(cluster), dtype=np.int64)
            if subset_chunks and self.spike_times is not None:
                ids = ids[spikes_in_chunks(self.spike_times[ids], self.chunks_kept)]
            if subset_spikes is not None:
                ids = np.intersect1d(ids, np.asarray(subset_spikes))
            if n_spk_clu is not None and 0 < n_spk_clu < len(ids):
                ids = (select_spikes_evenly(ids, n_spk_clu) if sample_evenly
                       else np.sort(np.random.choice(ids, n_spk_clu, replace=False)))
            parts.append(ids)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        out = np.concatenate(parts).astype(np.int64)
        return np.sort(out) if self.spikes_are_disjoint else np.unique(out)
