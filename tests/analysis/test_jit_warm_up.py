"""numba's one-time loading on a worker thread (phycore.analysis.jit)."""

from __future__ import annotations

import pytest

from phycore.analysis import jit


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process state with no warm-up started (restored after the test)."""
    monkeypatch.setattr(jit, "_warm_up", None)
    monkeypatch.setattr(jit, "_deferred", False)


def test_ready_unless_a_warm_up_is_announced_or_running(fresh: None) -> None:
    assert jit.kernels_ready()  # a script: kernels load on their first call, as usual
    jit.defer_kernels()
    assert not jit.kernels_ready()  # a GUI before its first frame: numpy paths
    future = jit.warm_up()
    future.result()
    assert jit.kernels_ready()
    assert jit.warm_up() is future  # once per process


def test_warm_up_on_the_calling_thread(fresh: None) -> None:
    future = jit.warm_up(background=False)
    assert future.done() and future.exception() is None and jit.kernels_ready()


def test_a_failed_warm_up_is_logged_and_kept(fresh: None, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("no LLVM here")

    monkeypatch.setattr(jit, "_load", broken)
    future = jit.warm_up(background=False)
    assert isinstance(future.exception(), RuntimeError)
    assert "Loading numba's kernels failed" in caplog.text
    assert jit.kernels_ready()  # kernels then load (or fail) on their first call, as without it
