"""The ``phycore`` command: scriptable work on sorted folders, without the GUI.

Each subcommand lives in its own module and is named here as ``"module:function"``;
the function takes the subcommand's arguments (a list of strings) and returns the exit
code. Modules are imported only when their subcommand runs, so ``phycore --help`` stays
fast and a broken optional dependency of one subcommand does not break the others.
"""

from __future__ import annotations

import importlib
import sys
from typing import Callable, Sequence, cast

__all__ = ["SUBCOMMANDS", "main"]

#: Subcommand name -> (``"module:function"``, one-line help).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "batch": ("phycore.batch.command:main", "quality metrics, reports, auto-labels and exports over many folders"),
    "curation-export": ("phycore.controller.curation_cli:main", "a folder's curation in SpikeInterface's format (apply_curation)"),
}


def _usage() -> str:
    width = max((len(name) for name in SUBCOMMANDS), default=0)
    lines = ["usage: phycore <command> [args...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in sorted(SUBCOMMANDS.items())]
    lines += ["", "Run `phycore <command> --help` for a command's arguments."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``phycore`` command; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        print(f"phycore: error: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, func_name = SUBCOMMANDS[name][0].split(":")
    func = cast(Callable[[list[str]], int], getattr(importlib.import_module(module_name), func_name))
    return func(rest)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
