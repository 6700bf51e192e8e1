"""The ``subprocess`` marker (tests/_subprocess_marker.py): a marked test runs in a child
interpreter and passes, fails, skips or crashes there under its own name in the parent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests._subprocess_marker import REPORTS_ENV, SHARED_ENV

ROOT = Path(__file__).resolve().parents[1]

CONFTEST = '''
from tests._subprocess_marker import pytest_configure as _configure, pytest_runtest_logreport, pytest_runtest_protocol


def pytest_configure(config):
    config.addinivalue_line("markers", "subprocess(timeout=600): runs in its own Python process")
    _configure(config)
'''

TESTS = f'''
import os

import pytest

@pytest.fixture(scope="module")
def module_resource():
    yield "resource"


def test_unmarked_runs_in_the_parent(module_resource):
    assert not os.environ.get({REPORTS_ENV!r})


@pytest.mark.subprocess
def test_passes_in_a_child():
    assert os.environ.get({REPORTS_ENV!r}) and os.environ.get({SHARED_ENV!r})


@pytest.mark.subprocess
def test_fails_in_a_child():
    print("output of the child")
    assert 1 == 2, "failed in the child"


@pytest.mark.subprocess
def test_crashes_the_child():
    os._exit(3)


@pytest.mark.subprocess
def test_skips_in_a_child():
    pytest.skip("skipped in the child")


@pytest.mark.subprocess
@pytest.mark.skipif(True, reason="skipped in the parent")
def test_not_spawned():
    raise AssertionError("never runs")


@pytest.fixture
def broken():
    raise RuntimeError("fixture failed in the child")


@pytest.mark.subprocess
def test_setup_error_in_a_child(broken):
    pass
'''

NEXT_MODULE = '''
def test_in_process_in_the_next_module():
    pass
'''


def test_marked_tests_run_and_report_from_a_child(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_demo.py").write_text(TESTS)
    (tmp_path / "test_demo_next.py").write_text(NEXT_MODULE)  # after a marked test: set-up state is clean
    env = {k: v for k, v in os.environ.items() if k not in (REPORTS_ENV, SHARED_ENV)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "2 failed, 3 passed, 2 skipped, 1 error" in out, out
    for line in ("PASSED test_demo.py::test_passes_in_a_child", "FAILED test_demo.py::test_fails_in_a_child",
                 "FAILED test_demo.py::test_crashes_the_child", "ERROR test_demo.py::test_setup_error_in_a_child",
                 "PASSED test_demo.py::test_unmarked_runs_in_the_parent",
                 "PASSED test_demo_next.py::test_in_process_in_the_next_module"):
        assert line in out, (line, out)
    assert "skipped in the child" in out and "skipped in the parent" in out
    assert "AssertionError: failed in the child" in out and "output of the child" in out  # traceback, capture
    assert "exited with code 3" in out and "fixture failed in the child" in out
