"""Templates: unwhitening, best channels (phylib semantics), per-template caches (private).

Best channels follow phylib's ``TemplateModel.get_template`` exactly (parity.md §3.1):

- sparse templates (``template_ind.npy``): the template's channels with signal
  (``max |w| > 1e-6 * max``), ``-1`` dropped, unwhitened with the matching block of the
  inverse whitening matrix, sorted by decreasing peak-to-peak amplitude;
- dense templates: unwhitened on all channels; the peak channel plus up to
  ``n_closest_channels`` nearest sites on the same shank whose amplitude is at least
  ``amplitude_threshold`` times the peak, sorted by decreasing amplitude.

NaN and inf samples read as 0 (in memory; the file is never changed), so one bad value
neither hides a template's best channel nor spreads through the unwhitening product.
All-NaN templates are how sorters mark empty templates (phylib zeroes them silently);
templates with only some non-finite values are corrupt, and get a :class:`UserWarning`
at load naming the file and the template ids.
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["Template"]


@attrs.frozen
class Template:
    """One template on its best channels.

    Attributes
    ----------
    template : ndarray
        float32 ``(n_samples, n_channels)`` waveform (unwhitened unless asked otherwise),
        columns in the order of ``channel_ids``.
    amplitude : ndarray
        Peak-to-peak amplitude on each of ``channel_ids`` (same order).
    best_channel : int
        Channel with the largest amplitude.
    channel_ids : ndarray
        int64 channel indices, by decreasing amplitude.
    """

    template: npt.NDArray[np.float32]
    amplitude: npt.NDArray[np.float32]
    best_channel: int
    channel_ids: npt.NDArray[np.int64]

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


def _scan_nonfinite(data: np.ndarray, name: str, chunk: int = 64) -> frozenset[int]:
    """Ids of the templates holding NaN or inf (read by chunks: ``data`` may be a large
    memmap); warns about those that are not entirely NaN."""
    bad: list[int] = []
    partial: list[int] = []
    for i in range(0, data.shape[0], chunk):
        d = np.asarray(data[i:i + chunk])
        for j in np.flatnonzero(~np.isfinite(d).all(axis=(1, 2))).tolist():
            bad.append(i + j)
            if not np.isnan(d[j]).all():
                partial.append(i + j)
    if partial:
        shown = ", ".join(map(str, partial[:20])) + (", ..." if len(partial) > 20 else "")
        warnings.warn(f"{name}: {len(partial)} template(s) contain NaN or inf values (template ids "
                      f"{shown}); those values are read as 0 to find best channels and amplitudes "
                      "(the file is not changed).", UserWarning, stacklevel=5)
    return frozenset(bad)


class _TemplateStore:
    """Per-template computations with a cache for the default arguments."""

    def __init__(self, data: np.ndarray, cols: np.ndarray | None, wmi: np.ndarray,
                 positions: np.ndarray, shanks: np.ndarray, *, n_closest_channels: int,
                 amplitude_threshold: float, template_scaling: float,
                 name: str = "templates.npy") -> None:
        self._raw = data
        self._data: np.ndarray | None = None
        self._nonfinite = _scan_nonfinite(data, name)
        self.cols = cols
        self.wmi = wmi
        self.positions = positions
        self.shanks = shanks
        self.n_closest_channels = n_closest_channels
        self.amplitude_threshold = amplitude_threshold
        self.template_scaling = template_scaling
        self._cache: dict[int, Template] = {}
        self._closest: dict[int, np.ndarray] = {}

    @property
    def n_templates(self) -> int:
        return int(self._raw.shape[0])

    @property
    def data(self) -> np.ndarray:
        """Templates with NaN/inf samples zeroed (in memory only; the file is untouched)."""
        if self._data is None:
            d = self._raw
            if len(self._nonfinite):
                d = np.array(d)
                d[~np.isfinite(d)] = 0
            self._data = d
        return self._data

    def template_data(self, tid: int) -> np.ndarray:
        """One (whitened) template, NaN/inf samples read as zeros (file untouched)."""
        if self._data is not None:
            return np.asarray(self._data[tid])
        w = np.asarray(self._raw[tid])
        if tid in self._nonfinite:
            return np.where(np.isfinite(w), w, 0).astype(w.dtype)
        return w

    def _unwhiten(self, x: np.ndarray, channel_ids: np.ndarray | None = None) -> np.ndarray:
        mat = self.wmi if channel_ids is None else self.wmi[np.ix_(channel_ids, channel_ids)]
        # Cast first: numpy's mixed float32 x float64 dot skips BLAS (6x slower), and the
        # float64 product is the same (checked against phylib in the oracle tests).
        return np.ascontiguousarray(np.dot(np.asarray(x, dtype=np.float64), mat) * self.template_scaling)

    def closest_channels(self, channel: int) -> np.ndarray:
        out = self._closest.get(channel)
        if out is None:
            x, y = self.positions[:, 0], self.positions[:, 1]
            x0, y0 = self.positions[channel]
            d = (x - x0) ** 2 + (y - y0) ** 2
            out = np.argsort(d)
            if self.n_closest_channels:
                out = out[:self.n_closest_channels]
            self._closest[channel] = out
        return out

    def get(self, template_id: int, channel_ids: npt.ArrayLike | None = None,
            amplitude_threshold: float | None = None, unwhiten: bool = True) -> Template:
        default = channel_ids is None and amplitude_threshold is None and unwhiten
        if default and template_id in self._cache:
            return self._cache[template_id]
        if self.cols is not None:
            out = self._sparse(template_id, unwhiten)
        else:
            out = self._dense(template_id, channel_ids, amplitude_threshold, unwhiten)
        if default:
            self._cache[template_id] = out
        return out

    def prefetch(self, chunk: int = 64) -> None:
        """Compute every template's default :class:`Template` at once.

        Unwhitening template by template costs one small matrix product each, which
        BLAS runs badly (~10 ms for 82 x 384 x 384); stacking ``chunk`` templates in one
        product is several times faster. Sparse templates are cheap and left lazy.
        """
        if self.cols is not None:
            return
        todo = np.array([t for t in range(self.n_templates) if t not in self._cache], dtype=np.int64)
        if not len(todo):
            return
        # A Kilosort template is zero on most channels (37 of 384 in the bench folder), and
        # its unwhitening needs the rows of its own channels only. Templates ordered by
        # their first channel share most of them: each product takes a chunk of
        # neighbours and the union of their channels (several times fewer products than
        # all channels; one small product per template would lose more in BLAS calls).
        # One read of the file (73 MB at 600 x 82 x 384), sequential when it is all of it.
        data = np.array(self.data) if len(todo) == len(self.data) else np.asarray(self.data[todo])
        used = np.empty((len(todo), data.shape[2]), dtype=bool)
        for k in range(0, len(todo), chunk):  # by chunks: no 73 MB temporary
            np.any(data[k:k + chunk] != 0, axis=1, out=used[k:k + chunk])
        first = np.where(used.any(axis=1), used.argmax(axis=1), 0)
        order = np.argsort(first, kind="stable")
        for k in range(0, len(todo), chunk):
            rows = np.sort(order[k:k + chunk])
            ids = todo[rows]
            n, ns, nc = len(rows), data.shape[1], data.shape[2]
            cols = np.flatnonzero(used[rows].any(axis=0))
            if 2 * len(cols) < nc:  # only the used columns are cast (the product is the same)
                flat = data[rows][:, :, cols].astype(np.float64).reshape(n * ns, len(cols)) @ self.wmi[cols]
            else:
                flat = data[rows].astype(np.float64).reshape(n * ns, nc) @ self.wmi
            unwhitened = (flat * self.template_scaling).astype(np.float32).reshape(n, ns, nc)
            amplitudes = unwhitened.max(axis=1) - unwhitened.min(axis=1)  # all templates' at once
            for i, tid in enumerate(ids.tolist()):
                self._cache[tid] = self._dense_template(unwhitened[i], None, None, amplitudes[i])

    def save_defaults(self, path: str | os.PathLike[str]) -> None:
        """Write every template's default :class:`Template` (after :meth:`prefetch`) to an
        ``.npz`` file (no pickles) that :meth:`load_defaults` reads back bit for bit."""
        from phycore.paths import atomic_write_bytes

        items = [self._cache[t] for t in range(self.n_templates)]
        ns = self._raw.shape[1]
        counts = np.array([len(t.channel_ids) for t in items], dtype=np.int64)
        buf = io.BytesIO()
        np.savez(buf, best=np.array([t.best_channel for t in items], dtype=np.int64), counts=counts,
                 channel_ids=np.concatenate([t.channel_ids for t in items] or [np.zeros(0, np.int64)]),
                 amplitude=np.concatenate([t.amplitude for t in items] or [np.zeros(0, np.float32)]),
                 template=np.concatenate([t.template for t in items], axis=1) if items
                 else np.zeros((ns, 0), np.float32))
        atomic_write_bytes(path, buf.getvalue())

    def load_defaults(self, path: str | os.PathLike[str]) -> bool:
        """Read what :meth:`save_defaults` wrote into the cache; False (and nothing read)
        when the file is missing or does not fit these templates."""
        try:
            with np.load(path, allow_pickle=False) as f:
                best, counts, ids = f["best"], f["counts"], f["channel_ids"]
                amplitude, template = f["amplitude"], f["template"]
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return False
        nt, ns = self.n_templates, self._raw.shape[1]
        n = int(counts.sum()) if counts.ndim == 1 and len(counts) == nt else -1
        if (best.shape != (nt,) or ids.shape != (n,) or amplitude.shape != (n,) or template.shape != (ns, n)
                or template.dtype != np.float32 or amplitude.dtype != np.float32 or ids.dtype != np.int64):
            return False
        bounds = np.zeros(nt + 1, dtype=np.int64)
        np.cumsum(counts, out=bounds[1:])
        for tid in range(nt):
            a, b = bounds[tid], bounds[tid + 1]
            self._cache[tid] = Template(template=np.ascontiguousarray(template[:, a:b]), amplitude=amplitude[a:b],
                                        best_channel=int(best[tid]), channel_ids=ids[a:b])
        return True

    def _dense(self, tid: int, channel_ids: npt.ArrayLike | None, threshold: float | None,
               unwhiten: bool) -> Template:
        w = self.template_data(tid)
        template = (self._unwhiten(w) if unwhiten else np.asarray(w)).astype(np.float32)
        return self._dense_template(template, channel_ids, threshold)

    def _dense_template(self, template: np.ndarray, channel_ids: npt.ArrayLike | None,
                        threshold: float | None, amplitude: np.ndarray | None = None) -> Template:
        if amplitude is None:
            amplitude = template.max(axis=0) - template.min(axis=0)
        best = int(np.argmax(amplitude))
        thr = self.amplitude_threshold if threshold is None else threshold
        # The peak channels among the closest ones on the best channel's shank, in
        # increasing order (as intersect1d gives them, 10x slower), then by amplitude.
        keep = np.zeros(len(amplitude), dtype=bool)
        keep[self.closest_channels(best)] = True
        keep &= self.shanks == self.shanks[best]
        keep &= amplitude >= thr * amplitude[best]
        ids = np.flatnonzero(keep)
        ids = ids[np.argsort(amplitude[ids])[::-1]]
        if channel_ids is not None:
            ids = np.asarray(channel_ids)
        ids = ids.astype(np.int64)
        return Template(template=np.ascontiguousarray(template[:, ids]), amplitude=amplitude[ids],
                        best_channel=best, channel_ids=ids)

    def _sparse(self, tid: int, unwhiten: bool) -> Template:
        assert self.cols is not None
        w = self.template_data(tid)
        ids = self.cols[tid]
        tmax = np.abs(w).max(axis=0) if w.size else np.zeros(len(ids))
        has_signal = tmax > tmax.max() * 1e-6 if tmax.size else tmax.astype(bool)
        ids, w = ids[has_signal], w[:, has_signal]
        used = ids != -1
        ids, w = ids[used].astype(np.int64), w[:, used]
        template = (self._unwhiten(w, ids) if unwhiten else w).astype(np.float32)
        if not len(ids):
            valid = self.cols[tid][self.cols[tid] >= 0]
            best = int(valid[0]) if len(valid) else 0
            return Template(template=template, amplitude=np.zeros(0, np.float32),
                            best_channel=best, channel_ids=ids)
        amplitude = template.max(axis=0) - template.min(axis=0)
        best = int(ids[np.argmax(amplitude)])
        order = np.argsort(amplitude)[::-1]
        return Template(template=np.ascontiguousarray(template[:, order]),
                        amplitude=amplitude[order], best_channel=best, channel_ids=ids[order])

    def best_channels_all(self) -> npt.NDArray[np.int64]:
        """Best (peak) channel of every template, unwhitened (cached per template)."""
        self.prefetch()
        return np.array([self.get(t).best_channel for t in range(self.n_templates)], dtype=np.int64)

    def amplitudes_all(self) -> npt.NDArray[np.float64]:
        """Max peak-to-peak amplitude (unwhitened, best channels) of every template."""
        self.prefetch()
        out = np.zeros(self.n_templates)
        for t in range(self.n_templates):
            a = self.get(t).amplitude
            out[t] = float(a.max()) if len(a) else 0.0
        return out

    def unwhitened_dense(self) -> npt.NDArray[np.float64]:
        """All templates unwhitened on all channels, ``(n_templates, n_samples, n_channels)``.

        Dense templates use the full inverse whitening matrix. Sparse templates are
        unwhitened on their own channels (as :meth:`get`) and scattered to all channels.
        """
        nt, ns, _ = self._raw.shape
        nc = self.wmi.shape[0]
        if self.cols is None:
            out = np.empty((nt, ns, nc))
            for t in range(nt):
                out[t] = np.dot(np.asarray(self.data[t], dtype=np.float64), self.wmi)
            return out
        out = np.zeros((nt, ns, nc))
        for t in range(nt):
            ids = self.cols[t]
            used = ids >= 0
            out[t][:, ids[used]] = np.dot(np.asarray(self.data[t], dtype=np.float64)[:, used],
                                          self.wmi[np.ix_(ids[used], ids[used])])
        return out
