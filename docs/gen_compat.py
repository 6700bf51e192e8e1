"""The tables of the phy compatibility page, generated from :mod:`phycore.compat._names`.

The page lists, module by module, every phy name the namespace serves and the phycore
object behind it, then the parts of phy that cannot work here with the sentence a plugin
author reads. Run ``python docs/gen_compat.py`` to print the Markdown.
"""

from __future__ import annotations

__all__ = ["compat_markdown"]


def _target(target: str) -> str:
    module, _, attr = target.partition(":")
    return f"`{module}.{attr}`"


def compat_markdown() -> str:
    """The generated part of docs/plugins-phy-compat.md."""
    from phycore.compat._names import MODULES, UNSUPPORTED_MODULES, UNSUPPORTED_NAMES

    lines = ["### Names served", "", "| phy module | name | phycore object |", "|---|---|---|"]
    for module, names in MODULES.items():
        if not names:
            lines.append(f"| `{module}` | (package only) | |")
        for name, target in sorted(names.items()):
            lines.append(f"| `{module}` | `{name}` | {_target(target)} |")
    reasons = sorted({*UNSUPPORTED_MODULES.values(), *(r for n in UNSUPPORTED_NAMES.values() for r in n.values())})
    label = {r: f"({i + 1})" for i, r in enumerate(reasons)}
    lines += ["", "### What cannot be served", "", "| phy module or name | why |", "|---|---|"]
    for module, why in UNSUPPORTED_MODULES.items():
        lines.append(f"| `{module}` and its submodules | {label[why]} |")
    for module, names in UNSUPPORTED_NAMES.items():
        for name, why in sorted(names.items()):
            lines.append(f"| `{module}.{name}` | {label[why]} |")
    notes = [f"{label[r]} Because {r}." for r in reasons]
    return "\n".join(lines) + "\n\n" + "\n\n".join(notes)


if __name__ == "__main__":
    print(compat_markdown())
