"""Python console view model: interactive-prompt semantics, output and tracebacks in the log, history."""

from __future__ import annotations

from typing import Any

from phygui.viewmodels.console import MORE, PROMPT, ConsoleModel


def _texts(m: ConsoleModel, kind: str) -> list[str]:
    return [e.text for e in m.log if e.kind == kind]


def test_expressions_print_and_statements_change_the_namespace() -> None:
    ns: dict[str, Any] = {"x": 2}
    m = ConsoleModel(ns)
    m.push("x * 21")
    m.push("y = x + 1")
    m.push("y")
    m.push("print('a'); print('b')")
    assert _texts(m, "output") == ["42", "3", "a\nb"]
    assert _texts(m, "input")[:2] == [PROMPT + "x * 21", PROMPT + "y = x + 1"]
    assert ns["y"] == 3 and not _texts(m, "error")


def test_multi_line_blocks() -> None:
    m = ConsoleModel({})
    assert m.push("def f(n):") and m.prompt == MORE
    assert m.push("    return n * 2")
    assert not m.push("")
    m.push("for i in range(3):")
    m.push("    print(f(i))")
    m.push("")
    m.push("z = [1,")
    m.push(" 2]")
    m.push("z")
    assert _texts(m, "output") == ["0\n2\n4", "[1, 2]"]
    m.run("if True:\n    w = 5")  # run() closes an open block
    assert m.namespace["w"] == 5 and not m.more


def test_errors_stay_in_the_log() -> None:
    m = ConsoleModel({})
    m.push("1/0")
    m.push("undefined_name")
    m.push("def g(:")
    m.push("raise SystemExit(3)")
    m.push("exit()")
    errors = _texts(m, "error")
    assert "ZeroDivisionError: division by zero" in errors[0] and errors[0].startswith("Traceback")
    assert "NameError" in errors[1] and "SyntaxError" in errors[2]
    assert "SystemExit ignored" in errors[3]
    assert "leave it" in _texts(m, "output")[-1]
    m.push("1 + 1")
    assert _texts(m, "output")[-1] == "2" and not m.more


def test_history_up_down() -> None:
    m = ConsoleModel({})
    for line in ("a = 1", "", "b = 2", "b = 2", "c = 3"):
        m.push(line)
    assert m.history == ["a = 1", "b = 2", "c = 3"]
    assert m.history_down("typed") == "typed"
    assert [m.history_up() for _ in range(4)] == ["c = 3", "b = 2", "a = 1", "a = 1"]
    assert [m.history_down() for _ in range(3)] == ["b = 2", "c = 3", ""]


def test_log_is_bounded_and_versioned() -> None:
    m = ConsoleModel({})
    v = m.version
    m.push("'x' * 100_000")
    assert m.version > v and len(m.log[-1].text) < 25_000 and "more characters" in m.log[-1].text
    for i in range(600):
        m.push(str(i))
    assert len(m.log) == 500
    m.clear()
    assert not m.log
