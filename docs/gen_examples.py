"""The examples page: every script under examples/, its description and its source.

The description is the module docstring (or, for a jupytext notebook, its first Markdown
cell), so a new example appears on the page without editing it. Run
``python docs/gen_examples.py`` to print the Markdown.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from gen_text import prose

__all__ = ["EXAMPLES", "example_files", "description", "examples_markdown"]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example_files(root: Path = EXAMPLES) -> list[Path]:
    """Every ``*.py`` under ``root``: top-level scripts first, then sub-folders, by name."""
    files = [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files, key=lambda p: (len(p.relative_to(root).parts), str(p.relative_to(root))))


def description(source: str) -> str:
    """Module docstring, or the first ``# %% [markdown]`` cell's text without its ``# ``."""
    doc = ast.get_docstring(ast.parse(source))
    if doc:
        return doc
    match = re.search(r"^# %% \[markdown\]\n((?:#.*\n?)+)", source, re.M)
    if match is None:
        return ""
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in
                     match.group(1).splitlines())


def _demote(markdown: str) -> str:
    # The page's own headings are levels 1-2; an example's headings go below them.
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", markdown, flags=re.M)


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def examples_markdown(root: Path = EXAMPLES) -> str:
    """The generated part of docs/examples.md."""
    parts = []
    for path in example_files(root):
        rel = path.relative_to(root.parent).as_posix()
        source = path.read_text(encoding="utf-8")
        text = description(source)
        if text.startswith("#"):  # a notebook's title: the section heading already names the file
            text = text.split("\n", 1)[1] if "\n" in text else ""
        parts += [f"## `{rel}`", "", _demote(prose(text)), "",
                  f'??? example "Source of {rel}"', "", "    ```python", _indent(source.rstrip()), "    ```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(examples_markdown())
