"""The tables of the phy compatibility page, generated from :mod:`phycore.compat._names`
and :mod:`phycore.compat._surface`.

The page gives the coverage of phy 2.1's plugin-facing surface (when phy is installed to
measure it, as in the development environment), then, module by module, every phy name the
namespace serves and the phycore object behind it, the class members served, the names
served with a difference, and the names refused with the sentence a plugin author reads.
Run ``python docs/gen_compat.py`` to print the Markdown.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

__all__ = ["compat_markdown", "surface_markdown"]

ROOT = Path(__file__).resolve().parents[1]


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
    return surface_markdown() + "\n\n" + "\n".join(lines) + "\n\n" + "\n\n".join(notes)


def _coverage() -> list[str]:
    """The coverage table, measured against the installed phy (nothing without it)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from tests.compat.phy_surface import surface
    except ImportError:
        return []
    from phycore.compat import _surface as S

    try:
        items = surface()
    except AssertionError:  # phy is not installed: nothing to measure against
        return []
    counts: dict[str, Counter[str]] = {"all names": Counter(), "not Qt widgets or OpenGL": Counter()}
    for n in items:
        kind = ("documented" if n.name in S.DOCUMENTED.get(n.owner, {}) else
                "served" if n.name in S.SERVED.get(n.owner, "").split() else "refused")
        counts["all names"][kind] += 1
        if not n.layer:
            counts["not Qt widgets or OpenGL"][kind] += 1
    lines = ["| phy 2.1 names | total | served | served, with a difference | refused |", "|---|---|---|---|---|"]
    for subset, c in counts.items():
        total = sum(c.values())
        cells = " | ".join(f"{c[k]} ({100 * c[k] / total:.0f}%)" for k in ("served", "documented", "refused"))
        lines.append(f"| {subset} | {total} | {cells} |")
    return lines


def surface_markdown() -> str:
    """Coverage, class members served, documented differences and refusals, from ``_surface``."""
    from phycore.compat import _surface as S

    lines = ["### Coverage of phy 2.1", ""]
    coverage = _coverage()
    lines += coverage or ["(measured against phy 2.1 in the development environment)"]
    lines += ["", "### Class members served", "",
              "The object a plugin gets (the controller, the supervisor, a view...) has these phy names.", "",
              "| phy class | phycore/phygui object | members |", "|---|---|---|"]
    for owner, names in sorted(S.SERVED.items()):
        targets = S.TARGETS.get(owner)
        users = S.MIXIN_USERS.get(owner)
        if targets or users:
            where = (", ".join(f"`{t.replace(':', '.')}`" for t in targets) if targets else
                     "each phygui view of " + ", ".join(f"`{u.rsplit('.', 1)[-1]}`" for u in users or ()))
            lines.append(f"| `{owner}` | {where} | {', '.join(f'`{n}`' for n in names.split())} |")
    lines += ["", "### Served, with a difference", "", "| phy name | difference |", "|---|---|"]
    for owner, notes in sorted(S.DOCUMENTED.items()):
        for name, note in sorted(notes.items()):
            lines.append(f"| `{owner}.{name}` | {note} |")
    by_reason: dict[str, list[str]] = {}
    for owner, refused in sorted(S.REFUSED.items()):
        for name, reason in sorted(refused.items()):
            by_reason.setdefault(reason, []).append(f"`{owner}.{name}`")
    for owner, reason in sorted(S.REFUSE_REST.items()):
        by_reason.setdefault(reason, []).append(f"every other member of `{owner}`")
    lines += ["", "### Refused, and what to use instead", "",
              "A plugin using one of these gets `UnsupportedPhyAPIError` with this reason, recorded with the "
              "plugin's file; the session goes on.", "", "| why, and what to use instead | phy names |", "|---|---|"]
    for reason, names in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"| {reason}. | {', '.join(names)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(compat_markdown())
