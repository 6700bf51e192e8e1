"""A simulated acquisition source: a synthetic recording that produces spikes in real time.

:class:`SpikeStream` draws the spikes of a synthetic recording (random templates on a
Neuropixels-like probe, as :func:`phycore.model.synthetic.make_dataset` makes them)
for any time interval: Poisson counts at a mean rate, templates drawn by their relative
firing rates, amplitudes around Kilosort's scale. :meth:`SpikeStream.model` builds the
in-memory :class:`TemplateModel` of the first seconds; :class:`StreamSource` then runs
the stream in real time on a thread and hands each batch to a sink, typically
``controller.append_spikes`` (which is thread-safe)::

    stream = SpikeStream(n_channels=384, rate=20_000)
    controller = TemplateController(model=stream.model(duration=2.0))
    source = StreamSource(stream, controller.append_spikes).start()
    ...                 # the owner thread calls controller.poll() regularly
    source.stop()

The sink is called on the source's thread with ``(times, templates, amplitudes)``.

.. versionadded:: 0.2
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from phycore.model import _synth_parts as _p
from phycore.model.template_model import TemplateModel

__all__ = ["SpikeStream", "StreamSource"]

logger = logging.getLogger("phycore.model")

_A0 = 20.0  # Kilosort's amplitude scale, as in synthetic.py

#: ``sink(times, templates, amplitudes)``, e.g. ``controller.append_spikes``.
Sink = Callable[[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]], Any]


class SpikeStream:
    """Spikes of a synthetic recording, drawn interval by interval.

    Parameters
    ----------
    n_channels : int
        Probe channels (default 384, a Neuropixels probe).
    n_templates : int
        Neurons (templates).
    rate : float
        Mean total number of spikes per second (default 20,000).
    sample_rate : float
        Hz; spike times fall on samples.
    n_samples_waveforms, n_channels_loc : int
        Template length and channels per (sparse) template.
    seed : int
        Everything is deterministic given the seed and the intervals asked for.

    Attributes
    ----------
    position : float
        End (seconds) of the last interval drawn; :meth:`next_batch` continues from it.
    """

    def __init__(self, n_channels: int = 384, n_templates: int = 64, rate: float = 20_000.0, *,
                 sample_rate: float = 30_000.0, n_samples_waveforms: int = 82, n_channels_loc: int = 32,
                 seed: int = 0) -> None:
        if int(n_channels) < 1 or int(n_templates) < 1:
            raise ValueError(f"n_channels and n_templates must be >= 1, got {n_channels} and {n_templates}.")
        if not float(rate) > 0:
            raise ValueError(f"rate must be > 0 spikes per second, got {rate}.")
        self.n_channels, self.n_templates = int(n_channels), int(n_templates)
        self.rate, self.sample_rate = float(rate), float(sample_rate)
        nloc = min(int(n_channels_loc), self.n_channels)
        self.templates = _p.template_set(np.random.default_rng([seed, 0]), self.n_channels, self.n_templates,
                                         int(n_samples_waveforms), nloc, a0=_A0)
        self._p = self.templates.weights / self.templates.weights.sum()
        self._rng = np.random.default_rng([seed, 1])
        self.position = 0.0

    def spikes_between(self, t0: float, t1: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64],
                                                           npt.NDArray[np.float64]]:
        """``(times, templates, amplitudes)`` of the spikes in ``[t0, t1)`` seconds, sorted."""
        rng = self._rng
        n = int(rng.poisson(self.rate * max(0.0, t1 - t0)))
        s0, s1 = int(np.ceil(t0 * self.sample_rate)), int(np.ceil(t1 * self.sample_rate))
        samples = np.sort(rng.integers(s0, max(s0 + 1, s1), n)) if s1 > s0 else np.zeros(0, np.int64)
        templates = rng.choice(self.n_templates, size=len(samples), p=self._p).astype(np.int64)
        amplitudes = _A0 * (1.0 + 0.1 * rng.standard_normal(len(samples)))
        return samples / self.sample_rate, templates, amplitudes

    def next_batch(self, until: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64],
                                                npt.NDArray[np.float64]]:
        """The spikes from :attr:`position` to ``until`` seconds; then ``position = until``."""
        out = self.spikes_between(self.position, until)
        self.position = max(self.position, float(until))
        return out

    def model(self, duration: float = 2.0) -> TemplateModel:
        """An in-memory model holding the first ``duration`` seconds (sparse templates,
        amplitudes, similar templates; no raw data, no features)."""
        times, templates, amplitudes = self.next_batch(duration)
        ts = self.templates
        data = np.ascontiguousarray(np.take_along_axis(ts.templates_w, ts.local[:, None, :], axis=2))
        return TemplateModel.from_arrays(
            spike_samples=np.round(times * self.sample_rate).astype(np.int64), spike_templates=templates,
            templates=data, template_ind=ts.local, sample_rate=self.sample_rate, channel_positions=ts.pos,
            channel_shanks=ts.shanks, whitening_mat=ts.wm, whitening_mat_inv=ts.wmi, similar_templates=ts.sim,
            amplitudes=amplitudes)


class StreamSource:
    """Runs a :class:`SpikeStream` in real time on a thread, handing batches to a sink.

    Parameters
    ----------
    stream : SpikeStream
        Continues from ``stream.position`` (recording time) as the wall clock advances.
    sink : callable
        ``sink(times, templates, amplitudes)``, called on the source's thread.
    interval : float
        Seconds between two batches (default 0.02: 50 batches per second).
    clock : callable
        ``clock()``: the seconds the recording time follows (default
        :func:`time.monotonic`); tests pass a clock they advance.

    Attributes
    ----------
    n_spikes, n_batches : int
        Spikes and batches handed to the sink so far.
    error : BaseException or None
        What the sink raised, if it did (the source then stops).
    """

    def __init__(self, stream: SpikeStream, sink: Sink, interval: float = 0.02, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not float(interval) > 0:
            raise ValueError(f"interval must be > 0 seconds, got {interval}.")
        self.stream, self.sink, self.interval = stream, sink, float(interval)
        self.clock = clock
        self.n_spikes = 0
        self.n_batches = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="phycore-stream", daemon=True)

    def start(self) -> StreamSource:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread.is_alive()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        start_wall, start_rec = self.clock(), self.stream.position
        while not self._stop.wait(self.interval):
            times, templates, amplitudes = self.stream.next_batch(start_rec + self.clock() - start_wall)
            if not len(times):
                continue
            try:
                self.sink(times, templates, amplitudes)
            except Exception as e:  # reported through .error; a live GUI keeps running
                logger.exception("The stream's sink failed; the stream stops.")
                self.error = e
                return
            self.n_spikes += len(times)
            self.n_batches += 1
