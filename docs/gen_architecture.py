"""The architecture page's layer tables, generated from the import-linter contracts.

``pyproject.toml`` declares the layers as import-linter ``layers`` contracts, which
``make test`` checks; this renders the same lists, top layer first, with each module's
first docstring line and file counts, so the page cannot drift from what is enforced.
Run ``python docs/gen_architecture.py`` to print the Markdown.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["ROOT", "architecture_markdown", "layer_contracts", "summary"]

ROOT = Path(__file__).resolve().parents[1]


def layer_contracts(root: Path = ROOT) -> list[dict[str, Any]]:
    """The ``layers`` contracts of ``pyproject.toml``, in file order."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return [c for c in contracts if c.get("type") == "layers"]


def _path(module: str, root: Path) -> Path | None:
    base = root / module.replace(".", "/")
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def summary(module: str, root: Path = ROOT) -> str:
    """First line of a module's docstring, and its file count when it is a package."""
    path = _path(module, root)
    if path is None:
        return "(missing)"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    if path.name == "__init__.py":
        n = len(list(path.parent.rglob("*.py")))
        first = f"{first} ({n} files)"
    return first


def _modules(layer: str, containers: list[str]) -> list[str]:
    names = [n.strip().strip("()") for n in re.split(r"[|:]", layer)]
    if not containers:
        return names
    return [f"{c}.{n}" for c in containers for n in names]


def architecture_markdown(root: Path = ROOT) -> str:
    """One table per layers contract: layer number, modules, what each is."""
    out: list[str] = []
    for contract in layer_contracts(root):
        containers = list(contract.get("containers", []))
        out += [f"### {contract['name']}", ""]
        if contract.get("exhaustive"):
            out += ["Exhaustive: every module of the package is in a layer.", ""]
        out += ["| layer | module | what it is |", "|---|---|---|"]
        for k, layer in enumerate(contract["layers"], start=1):
            independent = "|" in layer
            for module in _modules(layer, containers):
                note = " (independent)" if independent else ""
                out.append(f"| {k}{note} | `{module}` | {summary(module, root)} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(architecture_markdown())
