"""GUI scenarios fail on any logged error (a subscriber, view, action or plugin hook that raised).

The app logs these failures and keeps running (phycore.signals logs a raising subscriber,
phygui logs a failing view or action and shows it in the status bar), so a scenario that
only checked its exit code could not see them. :func:`no_logged_errors` records every
ERROR record of any logger while the scenario runs and fails the scenario when one was not
declared. A scenario that provokes an error on purpose declares it with
:func:`expect_errors`: each pattern must then match at least one logged error (the error
did happen), and every logged error must match one pattern.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["ErrorLog", "expect_errors", "expected_errors", "no_logged_errors", "LoggedErrors"]


class LoggedErrors(AssertionError):
    """Errors were logged that the scenario did not declare, or a declared one was not logged."""


class ErrorLog(logging.Handler):
    """Records the ERROR (and CRITICAL) records of every logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [describe(r) for r in self.records]


def describe(record: logging.LogRecord) -> str:
    """``logger: message`` and, when the record carries one, the exception and its traceback."""
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        text += f"\n  {type(exc).__name__}: {exc}\n" + "\n".join("    " + line for line in tb.rstrip().splitlines())
    return text


def expect_errors(*patterns: str) -> Callable[[F], F]:
    """Declare the errors a scenario provokes on purpose (regular expressions, searched in
    ``logger: message`` plus the exception's type, message and traceback)."""

    def decorate(func: F) -> F:
        func.expected_errors = tuple(patterns)  # type: ignore[attr-defined]
        return func

    return decorate


def expected_errors(func: Callable[..., Any]) -> tuple[str, ...]:
    """The patterns declared by :func:`expect_errors` (none by default)."""
    return tuple(getattr(func, "expected_errors", ()))


def check(messages: Sequence[str], expected: Sequence[str] = ()) -> None:
    """Raise :class:`LoggedErrors` unless the logged errors are exactly the declared ones."""
    patterns = [re.compile(p) for p in expected]
    unexpected = [m for m in messages if not any(p.search(m) for p in patterns)]
    missing = [p.pattern for p in patterns if not any(p.search(m) for m in messages)]
    if unexpected or missing:
        lines = []
        if unexpected:
            lines.append(f"{len(unexpected)} error(s) logged during the scenario (a subscriber, view, action "
                         "or plugin hook raised; declare deliberate ones with @expect_errors):")
            lines += [f"- {m}" for m in unexpected]
        if missing:
            lines.append(f"expected error(s) never logged: {missing}")
        raise LoggedErrors("\n".join(lines))


@contextlib.contextmanager
def no_logged_errors(expected: Sequence[str] = ()) -> Iterator[ErrorLog]:
    """Fail (on exit) when an error is logged in the block that ``expected`` does not declare,
    or when a declared one is not logged. When the block itself raises, that exception
    propagates and the logged errors are printed to stderr (they are often its cause)."""
    log = ErrorLog()
    root = logging.getLogger()
    root.addHandler(log)
    try:
        yield log
    except BaseException:
        if log.records:
            print("errors logged before the scenario failed:\n" + "\n".join(log.messages()), file=sys.stderr)
        raise
    finally:
        root.removeHandler(log)
    check(log.messages(), expected)


def run_with_controller(func: Callable[[Any, Path], None], dataset: Path) -> None:
    """Run the scenario ``func(controller, dataset)`` on a fresh controller of ``dataset``,
    failing on any error logged meanwhile that ``func`` does not declare."""
    from phycore import signals
    from phycore.controller import TemplateController

    signals.set_raise_errors(False)  # logged, as in the app; no_logged_errors fails on the log
    with no_logged_errors(expected_errors(func)):
        controller = TemplateController(dataset / "params.py")
        try:
            func(controller, dataset)
        finally:
            controller.close()


def controller_scenarios(namespace: dict[str, Any]) -> Callable[[str, Path], None]:
    """``run(name, dataset)`` for a scenario module whose ``scenario_<name>(controller,
    dataset)`` functions are in ``namespace`` (its ``globals()``)."""

    def run(name: str, dataset: Path) -> None:
        run_with_controller(namespace[f"scenario_{name}"], dataset)

    return run


def scenario_main(run: Callable[[str, Path], None]) -> None:
    """Command line of a scenario module: ``python -m <module> <name> <data_dir>``."""
    name, data_dir = sys.argv[1], sys.argv[2]
    run(name, Path(data_dir))
    print(f"scenario {name}: OK")
