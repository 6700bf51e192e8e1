"""A batch of spikes to append to a model (live acquisition), and its validation.

:func:`check_batch` checks the arguments of ``TemplateModel.append_spikes`` against a
model without changing it and returns a :class:`SpikeBatch`; the controller calls it on
the acquisition thread and queues the batch, and ``apply_batch`` appends it later on the
thread that owns the model. The model is only read, through the :class:`BatchTarget`
protocol.

.. versionadded:: 0.2
"""

from __future__ import annotations

from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError
from phycore.model._consistency import bad_cluster_ids
from phycore.model._features import SparseData

__all__ = ["SpikeBatch", "BatchTarget", "check_batch"]

Int64Array = npt.NDArray[np.int64]


class BatchTarget(Protocol):
    """What :func:`check_batch` reads from a model (a :class:`TemplateModel` has it all)."""

    @property
    def n_spikes(self) -> int: ...
    @property
    def spike_times(self) -> npt.NDArray[np.float64]: ...
    @property
    def n_templates(self) -> int: ...
    @property
    def n_channels(self) -> int: ...
    @property
    def n_samples_waveforms(self) -> int: ...
    @property
    def sample_rate(self) -> float: ...
    @property
    def amplitudes(self) -> np.ndarray | None: ...
    @property
    def sparse_features(self) -> SparseData | None: ...
    @property
    def sparse_template_features(self) -> SparseData | None: ...
    @property
    def spike_waveforms(self) -> SparseData | None: ...


def _bad(argument: str, message: str) -> DataFormatError:
    return DataFormatError(f"append_spikes: {argument} {message}", argument=argument)


@attrs.define(eq=False)
class SpikeBatch:
    """Validated arguments of one ``append_spikes`` call.

    .. versionadded:: 0.2
    """

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


def _per_spike(model: BatchTarget, x: Any, argument: str, existing: SparseData | None,
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


def check_batch(model: BatchTarget, times: Any, templates: Any, amplitudes: Any = None, *,
                features: Any = None, template_features: Any = None, waveforms: Any = None,
                waveform_channels: Any = None, clusters: Any = None,
                after: float | None = None, waveform_width: int | None = None) -> SpikeBatch:
    """Validate one batch against ``model`` (nothing is changed); see ``append_spikes``.

    .. versionadded:: 0.2

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
        clusters=None if clusters is None else _cluster_ids(clusters, n, model.n_spikes + n))


def _cluster_ids(x: Any, n: int, n_total: int) -> Int64Array:
    ids = _ids(x, "clusters", n)
    why = bad_cluster_ids(ids, n_total)  # same limit as at load: tables are sized by the max id
    if why:
        raise _bad("clusters", f"has a bad id: {why}")
    return ids


def _check_waveforms(model: BatchTarget, waveforms: Any, channels: Any, tids: Int64Array,
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
