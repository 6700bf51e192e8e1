"""MkDocs hooks: fill the generated parts of the pages from the code (``mkdocs.yml`` ``hooks:``).

A page asks for a generated block with a marker line such as ``<!-- generated: keymap -->``;
:func:`on_page_markdown` replaces it when the site is built, so the keymap, the event
reference, the phy compatibility tables and the examples page always describe the code
being documented.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from gen_architecture import architecture_markdown
from gen_compat import compat_markdown
from gen_events import events_markdown
from gen_examples import examples_markdown
from gen_keymap import keymap_markdown
from gen_phy_keys import phy_keys_markdown

__all__ = ["GENERATORS", "expand", "rest_to_html", "on_page_markdown", "on_page_content"]

#: Marker name -> function returning the Markdown that replaces it.
GENERATORS: dict[str, Callable[[], str]] = {
    "keymap": keymap_markdown,
    "phy_keys": phy_keys_markdown,
    "events": events_markdown,
    "examples": examples_markdown,
    "compat": compat_markdown,
    "architecture": architecture_markdown,
}

_MARKER = re.compile(r"^<!-- generated: (\w+) -->$", re.M)


def expand(markdown: str) -> str:
    """Replace every marker of ``markdown`` by its generated Markdown.

    Raises
    ------
    KeyError
        For a marker naming no generator (the build fails rather than show the marker).
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise KeyError(f"Unknown generated block {name!r}; known: {sorted(GENERATORS)}.")
        return GENERATORS[name]()

    return _MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: expand the page's generated blocks."""
    return expand(markdown)


# Our docstrings are numpydoc with reST roles and directives, which mkdocstrings passes
# through as Markdown: `:meth:`apply`` arrives as ":meth:<code>apply</code>".
_ROLE = re.compile(r":(?:attr|class|data|exc|func|meth|mod|obj):(<code>)~?")
_VERSIONADDED = re.compile(r"<p>\.\. versionadded:: ([^<\s]+)</p>")


def rest_to_html(html: str) -> str:
    """Drop reST role prefixes (keeping the code span) and render ``versionadded``."""
    html = _ROLE.sub(r"\1", html)
    return _VERSIONADDED.sub(r"<p><em>New in version \1.</em></p>", html)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: tidy the reST left in the API pages' HTML."""
    return rest_to_html(html)
