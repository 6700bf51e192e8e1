"""numba kernel of the windowed high-pass filter (private; imported lazily by ``filters``).

The recursion runs along time, so it cannot be split over samples; it is split over
channels instead: each thread filters one contiguous group of channels, visiting the
samples row by row (the raw file's layout) with one state per channel, so the inner
loop over channels is contiguous in memory. States are float64 (a float32 recursion
with poles this close to the unit circle loses about 1e-3 of the signal); the output is
float32. No ``fastmath``: without reassociation a channel's values do not depend on how
the channels are grouped (vectorised or not), so a channel subset filters exactly as in
the full array. :func:`phycore.model.filters.lfilter_reference` is the plain reference.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["filtfilt3_rows", "filtfilt3_rows_serial"]


@njit(cache=True, nogil=True)
def _pass3(b, a, src, offset, out, c0, m, reverse):  # type: ignore[no-untyped-def]
    # One direct-form II transposed pass of an order <= 3 filter over channels c0:c0+m.
    b0, b1, b2, b3 = b[0], b[1], b[2], b[3]
    a1, a2, a3 = a[1], a[2], a[3]
    z0 = np.zeros(m)
    z1 = np.zeros(m)
    z2 = np.zeros(m)
    buf = np.empty(m)
    n_t = src.shape[0]
    for i in range(n_t):
        t = n_t - 1 - i if reverse else i
        row = src[t]
        for j in range(m):
            buf[j] = np.float64(row[c0 + j]) - offset[c0 + j]
        for j in range(m):
            xv = buf[j]
            yv = b0 * xv + z0[j]
            z0[j] = b1 * xv - a1 * yv + z1[j]
            z1[j] = b2 * xv - a2 * yv + z2[j]
            z2[j] = b3 * xv - a3 * yv
            buf[j] = yv
        orow = out[t]
        for j in range(m):
            orow[c0 + j] = buf[j]


@njit(cache=True, nogil=True, parallel=True)
def filtfilt3_rows(b, a, x, offset, out, n_groups):  # type: ignore[no-untyped-def]
    """Forward then backward filter of ``x - offset`` along axis 0 into float32 ``out``.

    ``b`` and ``a`` are normalised (``a[0] == 1``) and padded to length 4; ``x`` is
    ``(n_samples, n_channels)`` of any real dtype; ``offset`` has one value per channel;
    channels are split in ``n_groups`` groups filtered in parallel.
    """
    n_c = x.shape[1]
    zero = np.zeros(n_c)
    for g in prange(n_groups):
        c0 = g * n_c // n_groups
        c1 = (g + 1) * n_c // n_groups
        if c1 > c0:
            _pass3(b, a, x, offset, out, c0, c1 - c0, False)
            _pass3(b, a, out, zero, out, c0, c1 - c0, True)


@njit(cache=True, nogil=True)
def filtfilt3_rows_serial(b, a, x, offset, out):  # type: ignore[no-untyped-def]
    """:func:`filtfilt3_rows` on the calling thread only (small windows: starting
    threads costs more than it saves, and on a busy machine the second core is taken)."""
    n_c = x.shape[1]
    _pass3(b, a, x, offset, out, 0, n_c, False)
    _pass3(b, a, out, np.zeros(n_c), out, 0, n_c, True)
