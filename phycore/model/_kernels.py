"""numba kernels of the model layer (imported lazily: ``load_model`` never loads numba).

Each kernel has a plain-numpy reference used by the tests:
:func:`phycore.model.filters.lfilter_reference` and
:func:`phycore.model.waveforms.extract_waveforms_reference`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["filtfilt_2d", "filtfilt_windows", "extract_part", "inject_spikes"]


@njit(cache=True, nogil=True)
def _lfilter_inplace(b, a, x, y, reverse):  # type: ignore[no-untyped-def]
    # Time outer, columns inner: the rows of a C-ordered (time, column) array are read in
    # memory order and the columns' independent recursions vectorise (a column-by-column
    # walk strides a whole row per sample: 2-5x slower). Each column's arithmetic is the
    # same as one column filtered alone, so the values are bit-identical.
    n_t, n_c = x.shape
    n = b.shape[0]
    state = np.zeros((max(n - 1, 1), n_c))
    for i in range(n_t):
        t = n_t - 1 - i if reverse else i
        for c in range(n_c):
            xv = x[t, c]
            yv = b[0] * xv + state[0, c]
            for k in range(1, n - 1):
                state[k - 1, c] = b[k] * xv - a[k] * yv + state[k, c]
            state[n - 2, c] = b[n - 1] * xv - a[n - 1] * yv
            y[t, c] = yv


@njit(cache=True, nogil=True)
def filtfilt_2d(b, a, x):  # type: ignore[no-untyped-def]
    """Forward then backward IIR filter along axis 0 of a float64 2-D array."""
    y = np.empty_like(x)
    _lfilter_inplace(b, a, x, y, False)
    z = np.empty_like(x)
    _lfilter_inplace(b, a, y, z, True)
    return z


@njit(cache=True, nogil=True)
def filtfilt_windows(b, a, x, margin):  # type: ignore[no-untyped-def]
    """:func:`filtfilt_2d` of each window of ``x`` (float32 ``(n_spikes, n_samples,
    n_channels)``, time on axis 1) in float64, without its first and last ``margin``
    samples, as float32: the values of the numpy path (move the time axis first, copy to
    float64, filter, crop, copy to float32) in one pass without the GIL and without the
    three full-size copies."""
    n_s, n_t, n_c = x.shape
    out = np.empty((n_s, n_t - 2 * margin, n_c), dtype=np.float32)
    w = np.empty((n_t, n_c))
    y = np.empty((n_t, n_c))
    z = np.empty((n_t, n_c))
    for i in range(n_s):
        for t in range(n_t):
            for c in range(n_c):
                w[t, c] = x[i, t, c]
        _lfilter_inplace(b, a, w, y, False)
        _lfilter_inplace(b, a, y, z, True)
        for t in range(n_t - 2 * margin):
            for c in range(n_c):
                out[i, t, c] = np.float32(z[t + margin, c])
    return out


@njit(cache=True, nogil=True)
def extract_part(data, samples, channels, start, out):  # type: ignore[no-untyped-def]
    """Copy spike windows from one raw-data part into ``out``.

    Parameters
    ----------
    data : (n_samples_part, n_channels_dat) array
        One memory-mapped raw file; only the rows and columns needed are read.
    samples : (n_spikes,) int64
        Window start of each spike, in samples relative to ``data``'s first row.
    channels : (n_channels,) int64
        Columns of ``data`` to read; -1 leaves the output column untouched (zero).
    start : int
        Unused offset kept for symmetry (0).
    out : (n_spikes, n_samples_window, n_channels) float32
        Output, pre-filled with zeros; rows outside ``data`` stay untouched.
    """
    n_rows = data.shape[0]
    n_spikes, n_win, n_ch = out.shape
    for i in range(n_spikes):
        t0 = samples[i] + start
        j0 = 0
        if t0 < 0:
            j0 = -t0
        j1 = n_win
        if t0 + n_win > n_rows:
            j1 = n_rows - t0
        for j in range(j0, j1):
            t = t0 + j
            for k in range(n_ch):
                c = channels[k]
                if c >= 0:
                    out[i, j, k] = data[t, c]


@njit(cache=True, nogil=True)
def inject_spikes(buf, chunk_start, samples, templates, amplitudes, channels):  # type: ignore[no-untyped-def]
    """Add ``amplitude * template`` to ``buf`` (float32, time × channels) at each spike.

    ``templates`` is ``(n_spikes, n_samples, n_channels_loc)`` gathered per spike or,
    to save memory, indexed through ``channels`` rows: here ``templates`` is
    ``(n_templates, n_samples, n_channels_loc)``, ``channels`` ``(n_templates,
    n_channels_loc)`` and ``samples``/``amplitudes`` come with a template id column.
    """
    n_t = buf.shape[0]
    n_s = templates.shape[1]
    n_loc = templates.shape[2]
    half = n_s // 2
    for i in range(samples.shape[0]):
        s = samples[i, 0] - chunk_start - half
        tid = samples[i, 1]
        amp = amplitudes[i]
        for j in range(n_s):
            t = s + j
            if t < 0 or t >= n_t:
                continue
            for k in range(n_loc):
                c = channels[tid, k]
                if c >= 0:
                    buf[t, c] += amp * templates[tid, j, k]
