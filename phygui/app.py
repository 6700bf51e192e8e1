"""Command-line entry point of phygui.

``phygui params.py --info`` prints what the model found in a folder;
``phygui --demo`` generates a synthetic folder and opens it. The Dear PyGui window
itself arrives with the GUI shell; until then the model summary is printed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main", "format_summary", "demo_dir"]

logger = logging.getLogger("phygui")


def demo_dir() -> Path:
    """Default folder of the generated demo dataset (in the user cache dir)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "phygui" / "demo"


def format_summary(summary: dict[str, Any]) -> str:
    """Render a model summary dict as aligned ``key: value`` lines."""
    width = max((len(k) for k in summary), default=0)
    lines = []
    for key, value in summary.items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value) if value else "(none)"
        elif isinstance(value, float):
            value = f"{value:g}"
        lines.append(f"{key:<{width}} : {value}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="phygui",
        description="Curate spike-sorting results (Kilosort / phy folders).",
    )
    p.add_argument("params", nargs="?", help="path to the folder's params.py")
    p.add_argument("--info", action="store_true", help="print the model summary and exit")
    p.add_argument("--demo", action="store_true", help="generate a synthetic folder and open it")
    p.add_argument("--demo-dir", type=Path, default=None, help="where to write the demo folder")
    p.add_argument("--n-spikes", type=int, default=200_000, help="demo: number of spikes")
    p.add_argument("--n-channels", type=int, default=64, help="demo: number of channels")
    p.add_argument("--n-templates", type=int, default=40, help="demo: number of templates")
    p.add_argument("--duration", type=float, default=60.0, help="demo: duration in seconds")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def _make_demo(args: argparse.Namespace) -> Path:
    from phycore.model.synthetic import make_dataset

    out = args.demo_dir or demo_dir()
    params = Path(out) / "params.py"
    if params.exists():
        print(f"Using the demo folder {out} (delete it to regenerate).")
        return params
    print(f"Generating a demo folder in {out} ...")
    make_dataset(
        out,
        n_spikes=args.n_spikes,
        n_channels=args.n_channels,
        n_templates=args.n_templates,
        duration=args.duration,
        raw=True,
        seed=0,
    )
    return params


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``phygui`` command; returns the process exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from phycore import load_model
    from phycore.errors import PhyCoreError

    try:
        if args.demo:
            params = _make_demo(args)
        elif args.params:
            params = Path(args.params)
        else:
            _parser().print_help()
            return 2
        model = load_model(params)
    except PhyCoreError as e:
        print(f"phygui: error: {e}", file=sys.stderr)
        return 1
    print(format_summary(model.summary()))
    if not args.info:
        print("\nThe curation window is not part of this build yet; use --info for the summary.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
