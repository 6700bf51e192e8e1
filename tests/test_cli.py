"""The ``phycore`` command's dispatch (each subcommand has its own tests)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from phycore import cli


def test_usage_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: phycore <command>")
    for name in cli.SUBCOMMANDS:
        assert name in out


def test_no_arguments_prints_usage_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "usage: phycore" in capsys.readouterr().out


def test_unknown_command_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate", "x"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(cli.SUBCOMMANDS))
def test_each_subcommand_target_exists(name: str) -> None:
    module_name, func_name = cli.SUBCOMMANDS[name][0].split(":")
    assert callable(getattr(importlib.import_module(module_name), func_name))


def test_console_script_runs_without_importing_subcommands() -> None:
    code = ("import sys; from phycore import cli; rc = cli.main(['--help']); "
            "mods = [m for m in sys.modules if m.startswith('phycore.batch.') or m == 'phycore.controller']; "
            "print(rc, mods)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"
