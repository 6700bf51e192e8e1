"""High-pass filter used on raw data: a Butterworth filter applied forward and backward.

phy's default raw-data filter is ``butter(3, 150 Hz, 'high')`` from scipy, applied with
``lfilter`` forward, then again on the time-reversed result (zero initial state, no
padding). We compute the same coefficients in numpy (analog prototype, high-pass
transform, bilinear transform) and run the recursion in a numba kernel, so scipy is
not a runtime dependency. :func:`lfilter_reference` is the plain-numpy reference.
:func:`highpass_float32` is the fast form used on raw-data windows: float32 out, the
channels filtered in parallel, each channel's offset removed first.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["butter_highpass", "filtfilt_highpass", "highpass_float32", "lfilter_reference", "apply_forward_backward"]

#: Samples x channels from which the float32 filter runs on several threads (~0.35 s of
#: 384 channels); below, thread start-up costs more than it saves.
_PARALLEL_SIZE = 4_000_000


def butter_highpass(order: int, cutoff: float, sample_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Digital Butterworth high-pass coefficients, equal to ``scipy.signal.butter(order,
    cutoff / sample_rate * 2, 'high')``.

    Parameters
    ----------
    order : int
        Filter order.
    cutoff : float
        Cut-off frequency in Hz.
    sample_rate : float
        Sampling rate in Hz.

    Returns
    -------
    b, a : ndarray
        Numerator and denominator coefficients (float64, length ``order + 1``).
    """
    wn = 2.0 * cutoff / sample_rate
    if not 0 < wn < 1:
        raise ValueError(f"cutoff {cutoff} Hz must be between 0 and Nyquist ({sample_rate / 2} Hz).")
    k_idx = np.arange(-order + 1, order, 2)
    poles = -np.exp(1j * np.pi * k_idx / (2 * order))  # analog low-pass prototype
    fs = 2.0
    warped = 2 * fs * np.tan(np.pi * wn / fs)
    # Low-pass -> high-pass: poles p -> w/p, n zeros at the origin.
    p_hp = warped / poles
    z_hp = np.zeros(order)
    gain = float(np.real(1.0 / np.prod(-poles)))
    # Bilinear transform.
    fs2 = 2 * fs
    z_d = (fs2 + z_hp) / (fs2 - z_hp)
    p_d = (fs2 + p_hp) / (fs2 - p_hp)
    gain_d = gain * float(np.real(np.prod(fs2 - z_hp) / np.prod(fs2 - p_hp)))
    b = gain_d * np.real(np.poly(z_d))
    a = np.real(np.poly(p_d))
    return b.astype(np.float64), a.astype(np.float64)


def lfilter_reference(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Plain-numpy direct-form IIR filter along axis 0 (zero initial state)."""
    b = b / a[0]
    a = a / a[0]
    x = np.asarray(x, dtype=np.float64)
    y = np.zeros_like(x)
    n = len(b)
    for t in range(x.shape[0]):
        acc = np.zeros(x.shape[1:])
        for k in range(n):
            if t - k < 0:
                break
            acc = acc + b[k] * x[t - k]
            if k > 0:
                acc = acc - a[k] * y[t - k]
        y[t] = acc
    return y


def _get_kernel() -> Any:
    from phycore.model._kernels import filtfilt_2d

    return filtfilt_2d


def apply_forward_backward(b: np.ndarray, a: np.ndarray, x: np.ndarray, axis: int = 0) -> npt.NDArray[np.float64]:
    """Filter ``x`` forward then backward along ``axis`` (phy's ``high_pass``).

    Parameters
    ----------
    b, a : ndarray
        Filter coefficients.
    x : ndarray
        Data (any real dtype, any number of dimensions).
    axis : int
        Time axis.

    Returns
    -------
    ndarray
        float64 array with the shape of ``x``.
    """
    x = np.asarray(x)
    moved = np.moveaxis(x, axis, 0)
    shape = moved.shape
    flat = np.ascontiguousarray(moved.reshape(shape[0], -1), dtype=np.float64)
    out = _get_kernel()(b / a[0], a / a[0], flat)
    return np.moveaxis(out.reshape(shape), 0, axis)


def filtfilt_highpass(x: np.ndarray, sample_rate: float, axis: int = 0, *,
                      order: int = 3, cutoff: float = 150.0) -> npt.NDArray[np.float64]:
    """phy's default ``high_pass`` raw-data filter (3rd order, 150 Hz, forward-backward).

    Parameters
    ----------
    x : ndarray
        Data to filter.
    sample_rate : float
        Sampling rate in Hz.
    axis : int
        Time axis.
    order, cutoff : int, float
        Butterworth order and cut-off frequency in Hz.

    Returns
    -------
    ndarray
        Filtered float64 data, same shape as ``x``.
    """
    b, a = butter_highpass(order, cutoff, sample_rate)
    return apply_forward_backward(b, a, x, axis=axis)


def highpass_float32(x: npt.NDArray[Any], sample_rate: float, *, offset: npt.ArrayLike | None = None,
                     order: int = 3, cutoff: float = 150.0) -> npt.NDArray[np.float32]:
    """:func:`filtfilt_highpass` of ``x - offset`` along axis 0, as float32, channels in parallel.

    Parameters
    ----------
    x : ndarray, shape (n_samples, n_channels)
        Raw samples (int16 or any real dtype), time-major as in the raw file.
    sample_rate : float
        Sampling rate in Hz.
    offset : array-like, shape (n_channels,), optional
        Subtracted from each channel before filtering (zero by default). A high-pass
        filter removes a constant anyway; removing the channel's level first makes the
        transient at the start of a window (zero initial state) that much smaller.
    order, cutoff : int, float
        Butterworth order (at most 3 on this fast path) and cut-off frequency in Hz.

    Returns
    -------
    ndarray
        float32 ``(n_samples, n_channels)``.
    """
    import numba

    from phycore.model._filter_kernels import filtfilt3_rows, filtfilt3_rows_serial

    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"`x` must be (n_samples, n_channels), got shape {x.shape}.")
    if not 1 <= order <= 3:
        raise ValueError(f"`order` must be 1, 2 or 3 on the float32 path, got {order}.")
    b, a = butter_highpass(order, cutoff, sample_rate)
    b4, a4 = np.zeros(4), np.zeros(4)
    b4[:order + 1], a4[:order + 1] = b / a[0], a / a[0]
    off = np.zeros(x.shape[1]) if offset is None else np.ascontiguousarray(offset, dtype=np.float64)
    if off.shape != (x.shape[1],):
        raise ValueError(f"`offset` must have one value per channel ({x.shape[1]}), got shape {off.shape}.")
    out = np.empty(x.shape, dtype=np.float32)
    n_groups = max(1, min(numba.get_num_threads(), x.shape[1] // 16))
    if x.size >= _PARALLEL_SIZE and n_groups > 1:
        filtfilt3_rows(b4, a4, np.ascontiguousarray(x), off, out, n_groups)
    elif x.size:
        filtfilt3_rows_serial(b4, a4, np.ascontiguousarray(x), off, out)
    return out
