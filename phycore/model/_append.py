"""Appending spikes to a :class:`TemplateModel` (live acquisition) (private).

``TemplateModel.append_spikes`` is bound to :func:`append_spikes`. The first append
copies each per-spike array into a :class:`GrowableArray` (memory-mapped files are
read, never written); later appends cost what they add. Every per-spike attribute is
then a view of the first ``n_spikes`` rows of its buffer (writable, as the arrays were
before, but not to be written): arrays only grow at their end and their existing rows
never change, so a reader on another thread that took an array earlier keeps a
consistent (if shorter) view, and a reader that takes several arrays can truncate
them to the shortest one (``n_spikes`` is updated last).

Not thread-safe itself: call it from the thread that owns the model (the controller
queues appends from other threads and applies them in ``poll()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError
from phycore.model._features import SparseData
from phycore.model._growable import GrowableArray
from phycore.model._membership import TemplateMembership

if TYPE_CHECKING:
    from phycore.model.template_model import TemplateModel

__all__: list[str] = []

Int64Array = npt.NDArray[np.int64]


def _bad(argument: str, message: str) -> DataFormatError:
    return DataFormatError(f"append_spikes: {argument} {message}", argument=argument)


@attrs.define(eq=False)
class SpikeBatch:
    """Validated arguments of one ``append_spikes`` call."""

    times: npt.NDArray[np.float64]
    samples: Int64Array
    templates: Int64Array
    amplitudes: np.ndarray | None = None
    features: np.ndarray | None = None
    template_features: np.ndarray | None = None
    waveforms: np.ndarray | None = None
    waveform_channels: Int64Array | None = None
    clusters: Int64Array | None = None

    @property
    def n(self) -> int:
        """Number of spikes."""
        return int(self.times.shape[0])


def _numeric(x: Any, argument: str, shape: tuple[int, ...], kinds: str = "iuf") -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in kinds:
        raise _bad(argument, f"must hold numbers, got dtype {arr.dtype}.")
    if arr.shape != shape:
        raise _bad(argument, f"must have shape {shape}, got {arr.shape}.")
    return arr


def _ids(x: Any, argument: str, n: int) -> Int64Array:
    arr = _numeric(x, argument, (n,), kinds="iu")
    out = arr.astype(np.int64)
    if n and out.min() < 0:
        raise _bad(argument, f"must be >= 0, found {int(out.min())}.")
    return out


def _per_spike(model: TemplateModel, x: Any, argument: str, existing: SparseData | None,
               n: int) -> np.ndarray | None:
    """Features-like arguments: required iff the model has them, shaped like its rows."""
    if existing is None:
        if x is not None:
            raise _bad(argument, "was given but the model has none (it was built without them).")
        return None
    if x is None:
        raise _bad(argument, f"is required: the model has them for every spike {existing.data.shape[1:]}.")
    arr = _numeric(x, argument, (n,) + existing.data.shape[1:], kinds="iuf")
    return arr.astype(existing.data.dtype, copy=False)


def check_batch(model: TemplateModel, times: Any, templates: Any, amplitudes: Any = None, *,
                features: Any = None, template_features: Any = None, waveforms: Any = None,
                waveform_channels: Any = None, clusters: Any = None,
                after: float | None = None, waveform_width: int | None = None) -> SpikeBatch:
    """Validate one batch against ``model`` (nothing is changed); see ``append_spikes``.

    ``after`` is the time the batch must not start before (default: the model's last
    spike time; the controller passes the last time of its queued batches).
    ``waveform_width`` is the number of waveform columns the batch must have while the
    model has no waveforms yet (the controller passes that of its queued batches).
    """
    t = np.asarray(times)
    if t.ndim != 1:
        raise _bad("times", f"must be a 1-D array of seconds, got shape {t.shape}.")
    if t.dtype.kind not in "iuf":
        raise _bad("times", f"must hold numbers (seconds), got dtype {t.dtype}.")
    t = t.astype(np.float64)
    n = t.shape[0]
    if n and not np.all(np.isfinite(t)):
        raise _bad("times", "must be finite.")
    if n and (t[1:] < t[:-1]).any():
        i = int(np.argmax(t[1:] < t[:-1]))
        raise _bad("times", f"must be sorted: spike {i + 1} ({t[i + 1]} s) comes before spike {i} ({t[i]} s).")
    last = after if after is not None else (float(model.spike_times[-1]) if model.n_spikes else 0.0)
    if n and t[0] < last:
        raise _bad("times", f"must not go back in time: the first one ({t[0]} s) is before the last spike "
                            f"already in the model ({last} s).")
    tids = _ids(templates, "templates", n)
    if n and tids.max() >= model.n_templates:
        raise _bad("templates", f"refers to template {int(tids.max())} but the model has {model.n_templates} "
                                f"templates (ids 0..{model.n_templates - 1}).")
    amps = None
    if model.amplitudes is None:
        if amplitudes is not None:
            raise _bad("amplitudes", "was given but the model has no amplitudes.")
    elif amplitudes is None:
        raise _bad("amplitudes", "is required: the model has an amplitude for every spike.")
    else:
        amps = _numeric(amplitudes, "amplitudes", (n,), kinds="iuf").astype(model.amplitudes.dtype, copy=False)
    wav, wch = _check_waveforms(model, waveforms, waveform_channels, tids, waveform_width)
    return SpikeBatch(
        times=t, samples=np.round(t * model.sample_rate).astype(np.int64), templates=tids, amplitudes=amps,
        features=_per_spike(model, features, "features", model.sparse_features, n),
        template_features=_per_spike(model, template_features, "template_features",
                                     model.sparse_template_features, n),
        waveforms=wav, waveform_channels=wch,
        clusters=None if clusters is None else _ids(clusters, "clusters", n))


def _check_waveforms(model: TemplateModel, waveforms: Any, channels: Any, tids: Int64Array,
                     width: int | None = None) -> tuple[np.ndarray | None, Int64Array | None]:
    n = len(tids)
    if waveforms is None:
        if channels is not None:
            raise _bad("waveform_channels", "was given without waveforms.")
        return None, None
    w = np.asarray(waveforms)
    sw = model.spike_waveforms
    if sw is not None:
        k = sw.data.shape[2]
    elif width is not None:
        k = width
    else:
        k = w.shape[2] if w.ndim == 3 else -1
    w = _numeric(w, "waveforms", (n, model.n_samples_waveforms, k), kinds="iuf")
    ch = None
    if channels is not None:
        ch = _numeric(channels, "waveform_channels", (n, k), kinds="iu").astype(np.int64)
        if n and (ch.min() < -1 or ch.max() >= model.n_channels):
            raise _bad("waveform_channels", f"must hold channel indices in 0..{model.n_channels - 1} (or -1).")
    dtype = sw.data.dtype if sw is not None else np.float32
    return w.astype(dtype, copy=False), ch


def _best_channels(model: TemplateModel, tids: Int64Array, k: int) -> Int64Array:
    """The first ``k`` best channels of each spike's template (-1 padded)."""
    ch = np.full((len(tids), k), -1, dtype=np.int64)
    for t in np.unique(tids).tolist():
        best = model.get_template(t).channel_ids[:k]
        ch[tids == t, :len(best)] = best
    return ch


class _Growth:
    """The growable buffers behind a model's per-spike attributes."""

    def __init__(self, model: TemplateModel, extra: int) -> None:
        def grow(a: np.ndarray | None, dtype: Any = None) -> GrowableArray | None:
            return None if a is None else GrowableArray(np.asarray(a), dtype=dtype, extra=extra, readonly=False)

        self.samples = grow(model.spike_samples, np.int64)
        self.times = grow(model.spike_times, np.float64)
        self.templates = grow(model.spike_templates, np.int64)
        self.clusters = grow(model.spike_clusters, np.int64)
        self.amplitudes = grow(model.amplitudes)
        self.reordered = grow(model.spike_times_reordered, np.float64)
        self.attributes = {k: grow(v) for k, v in model.spike_attributes.items()}
        self.features = _SparseGrowth.of(model.sparse_features, extra)
        self.template_features = _SparseGrowth.of(model.sparse_template_features, extra)
        self.waveforms = _SparseGrowth.of(model.spike_waveforms, extra, per_row_cols=True)
        self.membership: TemplateMembership | None = None
        self.next_cluster_id = int(model.spike_clusters.max()) + 1 if model.n_spikes else 0


@attrs.define(eq=False)
class _SparseGrowth:
    """Growable rows of a :class:`SparseData` (``cols`` per template stay as they are,
    ``cols`` per row and ``rows`` grow with the data)."""

    data: GrowableArray
    cols: np.ndarray | GrowableArray | None
    rows: GrowableArray | None

    @classmethod
    def of(cls, sd: SparseData | None, extra: int, per_row_cols: bool = False) -> _SparseGrowth | None:
        """Growable copy of ``sd``; ``per_row_cols``: ``cols`` has one row per data row
        (waveform subsets) rather than one per template (features)."""
        if sd is None:
            return None
        rows = None if sd.rows is None else GrowableArray(sd.rows, np.int64, extra, readonly=False)
        cols = (GrowableArray(sd.cols, np.int64, extra, readonly=False) if per_row_cols and sd.cols is not None
                else sd.cols)
        return cls(GrowableArray(sd.data, extra=extra, readonly=False), cols, rows)

    def append(self, values: np.ndarray, spike_ids: Int64Array, cols: Int64Array | None = None) -> SparseData:
        data = self.data.append(values)
        rows = self.rows.append(spike_ids) if self.rows is not None else None
        if isinstance(self.cols, GrowableArray):
            assert cols is not None
            return SparseData(data, self.cols.append(cols), rows)
        return SparseData(data, self.cols, rows)


def append_spikes(self: TemplateModel, times: npt.ArrayLike, templates: npt.ArrayLike,
                  amplitudes: npt.ArrayLike | None = None, *, features: npt.ArrayLike | None = None,
                  template_features: npt.ArrayLike | None = None, waveforms: npt.ArrayLike | None = None,
                  waveform_channels: npt.ArrayLike | None = None,
                  clusters: npt.ArrayLike | None = None) -> Int64Array:
    """Append spikes recorded after the last one (live acquisition); returns their ids.

    Parameters
    ----------
    times : array of float, shape (n,)
        Seconds, sorted, none before the model's last spike.
    templates : array of int, shape (n,)
        Original template of each spike (an existing template id).
    amplitudes : array of float, shape (n,)
        Template amplitudes; required iff the model has amplitudes.
    features, template_features : array, optional
        One row per spike, shaped like the model's (``(n, n_pcs, n_channels_loc)`` and
        ``(n, n_template_features)``); required iff the model has them.
    waveforms : array, shape (n, n_samples_waveforms, k), optional
        Waveforms of the new spikes, served by ``get_waveforms`` without raw data.
    waveform_channels : array of int, shape (n, k), optional
        Channel of each waveform column (-1 = none); default the first ``k`` best
        channels of each spike's template.
    clusters : array of int, shape (n,), optional
        Cluster of each spike in :attr:`spike_clusters`; default the live template
        membership of ``spike_clusters`` (the cluster holding most spikes of the same
        template; a new id for a template without spikes).

    Returns
    -------
    ndarray of int64
        The ids of the new spikes (``n_spikes_before .. n_spikes - 1``).

    Raises
    ------
    DataFormatError
        A bad argument (named in the message); the model is then left unchanged.

    Notes
    -----
    Nothing is ever written to the data folder: the arrays grow in memory (on the
    first append, memory-mapped per-spike files are copied into memory once).
    ``n_spikes_loaded`` keeps the number of spikes read from the files or arrays.
    ``duration`` grows to the last spike time when it goes past it.

    .. versionadded:: 0.2
    """
    b = check_batch(self, times, templates, amplitudes, features=features,
                    template_features=template_features, waveforms=waveforms,
                    waveform_channels=waveform_channels, clusters=clusters)
    return apply_batch(self, b)


def apply_batch(model: TemplateModel, b: SpikeBatch) -> Int64Array:
    """Append a validated batch (see :func:`append_spikes`)."""
    n0 = model.n_spikes
    ids = np.arange(n0, n0 + b.n, dtype=np.int64)
    if not b.n:
        return ids
    g: _Growth | None = model.__dict__.get("_growth")
    if g is None:
        g = _Growth(model, b.n)
        model._growth = g
    if b.clusters is None:
        if g.membership is None:
            g.membership = TemplateMembership(model.spike_clusters, model.spike_templates)
        clusters, g.next_cluster_id = g.membership.assign(b.templates, g.next_cluster_id)
    else:
        clusters = b.clusters
        g.next_cluster_id = max(g.next_cluster_id, int(clusters.max()) + 1)
    if g.membership is not None:
        g.membership.add(clusters, b.templates)
    _publish(model, g, b, ids, clusters)
    return ids


def _publish(model: TemplateModel, g: _Growth, b: SpikeBatch, ids: Int64Array, clusters: Int64Array) -> None:
    """Write the batch into the buffers, then point the attributes at the longer views."""
    assert g.samples is not None and g.times is not None and g.templates is not None and g.clusters is not None
    model.spike_samples = g.samples.append(b.samples)
    times = g.times.append(b.times)
    model.__dict__["spike_times"] = times  # replaces the cached_property's value
    if model._spike_seconds is not None:
        model._spike_seconds = times
    model.spike_templates = g.templates.append(b.templates)
    model.spike_clusters = g.clusters.append(clusters)
    if g.amplitudes is not None:
        model.amplitudes = g.amplitudes.append(b.amplitudes)
    if g.reordered is not None:
        model.spike_times_reordered = g.reordered.append(b.times)
    for key, arr in g.attributes.items():
        assert arr is not None
        fill = np.nan if arr.dtype.kind == "f" else 0
        model.spike_attributes[key] = arr.append(np.full((b.n,) + arr.view.shape[1:], fill, dtype=arr.dtype))
    if g.features is not None:
        model.sparse_features = g.features.append(b.features, ids)  # type: ignore[arg-type]
        model.features = model.sparse_features.data.transpose(0, 2, 1)
    if g.template_features is not None:
        model.sparse_template_features = g.template_features.append(b.template_features, ids)  # type: ignore[arg-type]
        model.template_features = model.sparse_template_features.data
    if b.waveforms is not None:
        if g.waveforms is None:
            empty = SparseData(np.zeros((0,) + b.waveforms.shape[1:], b.waveforms.dtype),
                               np.zeros((0, b.waveforms.shape[2]), np.int64), np.zeros(0, np.int64))
            g.waveforms = _SparseGrowth.of(empty, b.n, per_row_cols=True)
        assert g.waveforms is not None
        ch = b.waveform_channels
        if ch is None:  # looked up here, on the model's thread (the template cache is not locked)
            ch = _best_channels(model, b.templates, b.waveforms.shape[2])
        model.spike_waveforms = g.waveforms.append(b.waveforms, ids, ch)
    model.duration = max(float(model.duration), float(b.times[-1]))
    # Last: a reader that sees the new count sees every array at that length.
    model.n_spikes = int(ids[-1]) + 1
