"""Docstring text (numpydoc, reST) as Markdown prose for the generated pages."""

from __future__ import annotations

import re

__all__ = ["prose"]

# A numpydoc section header: a title line underlined with dashes.
_SECTION = re.compile(r"^\S.*\n-{3,}\s*$", re.M)


def prose(docstring: str) -> str:
    """The description part of a docstring, in Markdown.

    Numpydoc sections (``Parameters``, ``Attributes``...) are dropped, a paragraph ending
    in ``::`` (before a literal block) ends in ``:``, and reST roles such as
    ``:class:`phycore.Supervisor``` become code spans.
    """
    match = _SECTION.search(docstring)
    text = docstring[: match.start()] if match else docstring
    text = re.sub(r"::$", ":", text.strip(), flags=re.M)
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
