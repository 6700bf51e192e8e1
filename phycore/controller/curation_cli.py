"""``phycore curation-export``: a folder's saved curation in SpikeInterface's format
(:func:`phycore.controller.curation.export_curation`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from phycore.controller.controller import TemplateController
from phycore.controller.curation import export_curation

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """``phycore curation-export params.py [out.json] [--remove-noise]``."""
    parser = argparse.ArgumentParser(
        prog="phycore curation-export",
        description="Write a folder's saved curation (merges, splits, labels) in SpikeInterface's "
                    "curation format, for spikeinterface.curation.apply_curation.")
    parser.add_argument("params", help="the folder's params.py (or the folder)")
    parser.add_argument("out", nargs="?", help="the JSON file (default: <folder>/curation.json)")
    parser.add_argument("--remove-noise", action="store_true", help="list the noise clusters as removed")
    args = parser.parse_args(argv)
    # Read-only: the saved state, without taking the folder's lock or touching its journal.
    controller = TemplateController(args.params, metrics=False, read_only=True)
    try:
        assert controller.dir_path is not None
        out = Path(args.out) if args.out else controller.dir_path / "curation.json"
        result = export_curation(controller, out, remove_noise=args.remove_noise)
    finally:
        controller.close()
    steps = result.get("curation_steps", [result])
    print(f"{out}: {sum(len(s['merges']) for s in steps)} merge(s), {sum(len(s['splits']) for s in steps)} "
          f"split(s), {sum(len(s['manual_labels']) for s in steps)} labelled unit(s), {len(steps)} step(s)")
    return 0
