"""SpikeStream is deterministic and has the asked rate; StreamSource follows its clock (real
time by default; here a FakeClock the test advances: no sleep, no wall-clock assertion)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from tests._clock import FakeClock

from phycore import TemplateController
from phycore.model.stream import SpikeStream, StreamSource


def _stream(**kwargs: object) -> SpikeStream:
    return SpikeStream(**{"n_channels": 32, "n_templates": 8, "rate": 5000, "n_channels_loc": 8, **kwargs})


def test_same_seed_and_intervals_give_the_same_spikes() -> None:
    a, b, other = _stream(seed=4), _stream(seed=4), _stream(seed=5)
    np.testing.assert_array_equal(a.templates.templates_w, b.templates.templates_w)
    for end in (0.5, 0.75, 2.0):
        x, y = a.next_batch(end), b.next_batch(end)
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)
    assert a.position == b.position == 2.0
    assert not np.array_equal(_stream(seed=4).next_batch(0.5)[0], other.next_batch(0.5)[0])
    m1, m2 = _stream(seed=4).model(1.0), _stream(seed=4).model(1.0)
    np.testing.assert_array_equal(m1.spike_samples, m2.spike_samples)
    np.testing.assert_array_equal(m1.amplitudes, m2.amplitudes)


def test_spikes_fall_on_samples_inside_the_interval_sorted() -> None:
    s = _stream(seed=1)
    times, templates, amplitudes = s.spikes_between(1.25, 1.75)
    assert times.dtype == np.float64 and templates.dtype == np.int64 and len(times) == len(amplitudes)
    assert np.all(np.diff(times) >= 0) and times[0] >= 1.25 and times[-1] < 1.75
    samples = times * s.sample_rate
    np.testing.assert_allclose(samples, np.round(samples), atol=1e-6)
    assert templates.min() >= 0 and templates.max() < s.n_templates
    assert 10 < amplitudes.mean() < 30  # Kilosort's amplitude scale


def test_rate_and_template_frequencies() -> None:
    s = _stream(rate=20_000, seed=2)
    times, templates, _ = s.next_batch(10.0)
    n, expected = len(times), 20_000 * 10.0
    assert abs(n - expected) < 5 * np.sqrt(expected)  # Poisson count
    freq = np.bincount(templates, minlength=s.n_templates) / n
    p = s.templates.weights / s.templates.weights.sum()
    np.testing.assert_allclose(freq, p, atol=0.01)


def test_the_initial_model_holds_the_first_seconds() -> None:
    s = _stream(n_channels=64, seed=3)
    m = s.model(duration=2.0)
    assert m.n_channels == 64 and m.n_templates == 8 and m.amplitudes is not None
    assert m.spike_times[-1] < 2.0 and s.position == 2.0 and m.n_spikes == m.n_spikes_loaded
    assert m.sparse_features is None and not m.has_raw_data
    # The next batch continues where the model stops: it can be appended as is.
    ids = m.append_spikes(*s.next_batch(2.5))
    assert m.spike_times[ids[0]] >= 2.0 and m.n_spikes == m.n_spikes_loaded + len(ids)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="rate must be > 0"):
        SpikeStream(rate=0)
    with pytest.raises(ValueError, match="n_channels and n_templates"):
        SpikeStream(n_channels=0)
    with pytest.raises(ValueError, match="interval must be > 0"):
        StreamSource(_stream(), lambda *a: None, interval=0)


class _Sink:
    """Records the batches; the test waits (with a timeout) until the source reached a time."""

    def __init__(self, stream: SpikeStream, forward: Any = None) -> None:
        self.stream, self.forward = stream, forward
        self.batches: list[tuple[np.ndarray, ...]] = []
        self.threads: set[int] = set()
        self.reached = stream.position  # recording time of the batches handled so far
        self._cond = threading.Condition()

    def __call__(self, times: np.ndarray, templates: np.ndarray, amplitudes: np.ndarray) -> None:
        end = self.stream.position  # the end of this batch (the source's thread moved it)
        if self.forward is not None:
            self.forward(times, templates, amplitudes)
        with self._cond:
            self.batches.append((times, templates, amplitudes))
            self.threads.add(threading.get_ident())
            self.reached = end
            self._cond.notify_all()

    def wait_position(self, position: float, timeout: float = 10.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.reached >= position - 1e-9, timeout=timeout), \
                (self.reached, position)


def test_source_follows_its_clock_at_the_rate() -> None:
    s = _stream(rate=20_000, seed=6)
    s.next_batch(1.0)
    clock, sink = FakeClock(), _Sink(s)
    source = StreamSource(s, sink, interval=0.001, clock=clock).start()
    try:
        assert clock.wait_read()  # the source took its start time
        for k in range(1, 7):
            clock.advance(0.1)
            sink.wait_position(1.0 + 0.1 * k)
    finally:
        source.stop()
    assert not source.running and source.error is None
    assert sink.threads and threading.get_ident() not in sink.threads  # the sink runs on the source's thread
    times = np.concatenate([b[0] for b in sink.batches])
    # Recording time follows the clock from where the stream was: one batch per step.
    assert s.position == pytest.approx(1.6)
    assert source.n_spikes == len(times) and source.n_batches == len(sink.batches) == 6
    assert times[0] >= 1.0 and np.all(np.diff(times) >= 0) and times[-1] < s.position
    for k, (t, _, _) in enumerate(sink.batches):
        assert 1.0 + 0.1 * k - 1e-9 <= t.min() and t.max() < 1.0 + 0.1 * (k + 1) + 1e-9
    assert abs(len(times) - 20_000 * 0.6) < 5 * np.sqrt(20_000 * 0.6)


def test_a_stopped_source_draws_nothing_more() -> None:
    s = _stream(seed=8)
    clock, sink = FakeClock(), _Sink(s)
    source = StreamSource(s, sink, interval=0.001, clock=clock).start()
    assert clock.wait_read()
    clock.advance(0.5)
    sink.wait_position(0.5)
    source.stop()
    clock.advance(1.0)
    assert not source.running and s.position == pytest.approx(0.5) and source.n_batches == 1


def test_a_failing_sink_stops_the_source_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    called = threading.Event()

    def sink(*args: object) -> None:
        called.set()
        raise RuntimeError("disk full")

    clock = FakeClock()
    source = StreamSource(_stream(), sink, interval=0.001, clock=clock).start()
    assert clock.wait_read()
    clock.advance(1.0)
    assert called.wait(10)
    source.stop()  # the source already stopped by itself: this joins its thread
    assert not source.running and isinstance(source.error, RuntimeError) and source.n_spikes == 0
    assert "The stream's sink failed" in caplog.text


def test_source_feeds_a_controller() -> None:
    s = _stream(seed=7)
    c = TemplateController(model=s.model(duration=1.0), metrics=False)
    n0 = c.model.n_spikes
    try:
        clock, sink = FakeClock(), _Sink(s, forward=c.append_spikes)
        source = StreamSource(s, sink, interval=0.001, clock=clock).start()
        try:
            assert clock.wait_read()
            for k in range(1, 5):
                clock.advance(0.1)
                sink.wait_position(1.0 + 0.1 * k)
                c.poll()
        finally:
            source.stop()
        c.poll()
        assert source.error is None and c.model.n_spikes == n0 + source.n_spikes >= n0 + 1000
        assert source.n_batches == 4 and c.n_pending_spikes == 0
        assert sum(c.supervisor.clustering.spike_counts.values()) == c.model.n_spikes
        assert c.model.duration <= s.position == pytest.approx(1.4)
    finally:
        c.close()
