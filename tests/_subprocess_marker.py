"""``@pytest.mark.subprocess``: the test runs in a fresh Python process (the hooks of tests/conftest.py).

Dear PyGui allows one context per process (a second one can segfault in dearpygui 2.3.1), so
every GUI scenario is a test function marked ``subprocess``. The parent pytest does not
set the marked test up: it runs ``python -m pytest <node id>`` with
:data:`REPORTS_ENV` naming a file, the child writes its setup/call/teardown reports
there (serialised by pytest's own hooks), and the parent logs them as its own: the test
passes, fails (with the child's traceback and captured output) or skips by its own name.
A child that dies without reporting (a segfault, a timeout) fails the test with the tail
of its output.

Children share a directory (:data:`SHARED_ENV`) for data that is expensive to make (the
synthetic folder of the GUI tests is made once per session, not once per child). A test
that the parent would skip anyway (``skipif`` true here, e.g. no display) is not spawned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _pytest.reports import TestReport

__all__ = ["REPORTS_ENV", "SHARED_ENV", "in_child", "shared_dir"]

#: Set in a child: the file (JSON lines) its test reports go to.
REPORTS_ENV = "PHYCORE_TEST_REPORTS"
#: Set in a child: a directory shared by the children of one session.
SHARED_ENV = "PHYCORE_TEST_SHARED"
#: Seconds a child may run (``@pytest.mark.subprocess(timeout=...)`` overrides it).
DEFAULT_TIMEOUT = 600.0

_config: pytest.Config | None = None
_n_children = 0


def in_child() -> bool:
    """Whether this process is the child of a ``subprocess``-marked test."""
    return bool(os.environ.get(REPORTS_ENV))


def shared_dir() -> Path | None:
    """The directory the children of this session share (None outside a child)."""
    path = os.environ.get(SHARED_ENV)
    return Path(path) if path else None


def pytest_configure(config: pytest.Config) -> None:
    global _config
    _config = config


def pytest_runtest_logreport(report: TestReport) -> None:
    """In a child: write each report of its test to the parent's file."""
    path = os.environ.get(REPORTS_ENV)
    if path and _config is not None:
        data = _config.hook.pytest_report_to_serializable(config=_config, report=report)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(data) + "\n")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """In the parent: run a ``subprocess``-marked test in a child and log its reports."""
    marker = item.get_closest_marker("subprocess")
    if marker is None or in_child() or _skipped_here(item):
        return None
    # Finish what the last in-process test left set up that the next test does not share
    # (its module's fixtures): pytest does this in the teardown of a test, which is in the child here.
    item.session._setupstate.teardown_exact(nextitem)
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in _run_child(item, float(marker.kwargs.get("timeout", DEFAULT_TIMEOUT))):
        ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _skipped_here(item: pytest.Item) -> bool:
    """A ``skip``/``skipif`` mark that applies: the test is skipped in-process, no child."""
    try:
        from _pytest.skipping import evaluate_skip_marks
    except ImportError:  # pragma: no cover (pytest internals moved): let the child decide
        return False
    return evaluate_skip_marks(item) is not None


def _basetemp(item: pytest.Item) -> Path:
    factory = getattr(item.config, "_tmp_path_factory", None)
    if factory is not None:
        return Path(factory.getbasetemp())
    import tempfile

    return Path(tempfile.mkdtemp(prefix="phycore-tests-"))


def _run_child(item: pytest.Item, timeout: float) -> list[TestReport]:
    global _n_children
    _n_children += 1
    base = _basetemp(item)
    child_tmp = base / f"child-{_n_children}"
    reports_file = base / f"child-{_n_children}.reports.jsonl"
    (base / "shared").mkdir(exist_ok=True)
    env = dict(os.environ, **{REPORTS_ENV: str(reports_file), SHARED_ENV: str(base / "shared")})
    # `-m ""`: the child runs this very test, whatever marks addopts deselects (realdata).
    cmd = [sys.executable, "-m", "pytest", item.nodeid, "-m", "", "-q", "-p", "no:cacheprovider",
           f"--basetemp={child_tmp}", "--no-header", "-o", "console_output_style=classic"]
    start = time.time()
    try:
        proc = subprocess.run(cmd, cwd=item.config.rootpath, env=env, capture_output=True, text=True,
                              timeout=timeout)
        rc, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        rc = None
        output = _text(e.stdout) + _text(e.stderr) + f"\n(killed after {timeout:.0f} s)"
    stop = time.time()
    reports: list[TestReport] = []
    if reports_file.exists():
        for line in reports_file.read_text(encoding="utf-8").splitlines():
            report = item.config.hook.pytest_report_from_serializable(config=item.config, data=json.loads(line))
            if isinstance(report, TestReport):
                if report.skipped and isinstance(report.longrepr, list):
                    report.longrepr = tuple(report.longrepr)  # (path, line, reason); JSON made it a list
                reports.append(report)
    whens = [r.when for r in reports]
    failed = any(r.failed for r in reports)
    complete = bool(whens) and whens[0] == "setup" and whens[-1] == "teardown"
    if complete and (rc == 0 or (rc == 1 and failed)):
        # The interpreter's start and the collection count as set-up (pytest --durations).
        reports[0].duration += max(0.0, (stop - start) - sum(r.duration for r in reports))
        return reports  # passed, failed, skipped or errored in set-up: as the child said
    # The child died (or reported something other than one test): fail with its output.
    why = "timed out" if rc is None else f"exited with code {rc}"
    message = (f"the test's subprocess {why} after reports {whens or 'none'}:\n  {' '.join(cmd)}\n"
               f"--- its output (last 6000 characters) ---\n{output[-6000:]}")
    keywords: dict[str, Any] = {k: 1 for k in item.keywords}
    missing = [w for w in ("setup", "call", "teardown") if w not in whens]
    kept = [r for r in reports if r.when not in ("teardown",)]
    when = "call" if "call" in missing else "teardown"
    kept.append(TestReport(item.nodeid, item.location, keywords, "failed", message, when,  # type: ignore[arg-type]
                           duration=stop - start, start=start, stop=stop))
    if when == "call":
        kept.append(TestReport(item.nodeid, item.location, keywords, "passed", None, "teardown",
                               start=stop, stop=stop))
    if "setup" in missing:
        kept.insert(0, TestReport(item.nodeid, item.location, keywords, "passed", None, "setup",
                                  start=start, stop=start))
    return kept


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data
