"""High-pass filter used on raw data: a Butterworth filter applied forward and backward.

phy's default raw-data filter is ``butter(3, 150 Hz, 'high')`` from scipy, applied with
``lfilter`` forward, then again on the time-reversed result (zero initial state, no
padding). We compute the same coefficients in numpy (analog prototype, high-pass
transform, bilinear transform) and run the recursion in a numba kernel, so scipy is
not a runtime dependency. :func:`lfilter_reference` is the plain-numpy reference.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["butter_highpass", "filtfilt_highpass", "lfilter_reference", "apply_forward_backward"]


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
