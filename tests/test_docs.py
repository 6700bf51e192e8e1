"""The documentation's generated pages cover the code, and every emitted event is declared.

``make docs`` (run by ``make test``) builds the site with ``--strict``; these tests check
what a successful build cannot: that the generated tables are complete.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from phycore.signals import EVENTS
from phycore.supervisor import DEFAULT_SHORTCUTS, DEFAULT_SNIPPETS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))

import gen_compat  # noqa: E402
import gen_events  # noqa: E402
import gen_examples  # noqa: E402
import gen_keymap  # noqa: E402
import gen_phy_keys  # noqa: E402
import hooks  # noqa: E402


def _row(markdown: str, first_cell: str) -> str:
    """The table row whose first cell is ``first_cell`` (fails if there is none)."""
    match = re.search(rf"^\| {re.escape(first_cell)} \|.*$", markdown, re.M)
    assert match is not None, f"no row for {first_cell}"
    return match.group(0)


@pytest.fixture(scope="module")
def keymap() -> str:
    return gen_keymap.keymap_markdown()


def test_every_emitted_event_is_declared() -> None:
    emitted = gen_events.emitted_events()
    # The scanner sees the events we know are emitted (else this test would pass on nothing).
    assert {"select", "cluster", "table_sort", "gui_ready", "spike_click", "close"} <= set(emitted)
    missing = {name: modules for name, modules in emitted.items() if name not in EVENTS}
    assert not missing, f"emitted but missing from phycore.signals.EVENTS: {missing}"


def test_the_event_scanner_reads_calls_not_text(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text(
        '"""emit("in_a_docstring", x)"""\n'
        "from phycore.signals import emit\n"
        "def f(self, name):\n"
        "    emit('plain', self)\n"
        "    self.gui._emit(\"via_gui\")\n"
        "    emit(name, self)  # not a literal: cannot be checked\n")
    assert gen_events.emitted_events(tmp_path, ("pkg",)) == {"plain": ["pkg.m"], "via_gui": ["pkg.m"]}


def test_event_reference_has_every_event() -> None:
    markdown = gen_events.events_markdown()
    for name, doc in EVENTS.items():
        row = _row(markdown, f"`{name}`")
        text = row.replace("\\", "")  # Markdown escapes in the plain-text cells
        assert doc.sender in text and " ".join(doc.doc.split()) in text
        assert (f"`{doc.args}`" if doc.args else "(none)") in row
    assert "`phycore.supervisor.selection`" in _row(markdown, "`select`")


def test_every_phy_key_and_snippet_has_a_phygui_status() -> None:
    bindings = gen_phy_keys.phy_bindings()
    assert bindings is not None, "phy is a test dependency: it must be installed"
    # The reader finds phy's bindings (else this test would pass on nothing).
    assert ("Supervisor", "merge", "shortcut", "g") in bindings
    assert ("ISIView", "set_n_bins", "snippet", "isin") in bindings
    assert ("TraceImageView", "go_to", "snippet", "tig") in bindings
    assert len(bindings) > 120
    missing = [b for b, status in gen_phy_keys.statuses(bindings) if status.startswith("missing")]
    assert not missing, f"phy bindings phygui neither binds nor explains: {missing}"
    markdown = gen_phy_keys.phy_keys_markdown()
    assert markdown.count("\n") == len(bindings) + 1


def test_keymap_has_every_action_with_its_keys(keymap: str) -> None:
    from phygui.default_actions import GUI_SHORTCUTS
    from phygui.snippets import snippet_table

    groups = gen_keymap.action_groups()
    names = {a.name for g in groups for a in g}
    assert set(DEFAULT_SHORTCUTS) | set(GUI_SHORTCUTS) | {"split_init"} <= names
    # The Help window's table (phygui.snippets) and the page agree, row by row.
    for group, action, shortcuts, snippet in snippet_table(groups):
        assert f"### {group}" in keymap
        row = _row(keymap[keymap.index(f"### {group}"):], f"`{action}`")
        for key in filter(None, shortcuts.split(", ")):
            assert f"`{key}`" in row, (action, key, row)
        assert f"`{snippet}" in row, (action, snippet, row)
    for action, alias in DEFAULT_SNIPPETS.items():
        assert f"`:{alias}" in _row(keymap, f"`{action}`")


def test_keymap_has_every_view_command(keymap: str) -> None:
    from phygui.views.registry import DATA_VIEWS

    for view_name, drawer in DATA_VIEWS.items():
        start = keymap.index(f"### {view_name}\n")
        section = keymap[start:keymap.find("\n### ", start + 1)]
        model: Any = getattr(drawer, "model_class")
        for command, shortcut in model.shortcuts.items():
            assert f"`{shortcut}`" in _row(section, f"`{command}`"), (view_name, command)
        for command, alias in gen_keymap.model_snippets(model).items():
            assert f"`:{alias}" in _row(section, f"`{command}`"), (view_name, command)
        for modifier in model.wheel:
            assert f"`{modifier}+wheel`" in section, (view_name, modifier)
    assert "`:isin <n_bins>`" in keymap and "`:frb <bin_size>`" in keymap and "`:cb <bin_size_ms>`" in keymap


def test_examples_page_has_every_example() -> None:
    markdown = gen_examples.examples_markdown()
    files = gen_examples.example_files()
    assert {"batch_curation.py", "metric_report.py", "walkthrough.py", "extract_waveforms.py"} <= {
        p.name for p in files}
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        assert f"## `{rel}`" in markdown
        first_def = next(line for line in path.read_text().splitlines() if line.startswith(("def ", "class ")))
        assert "    " + first_def in markdown, rel  # the source, indented in its collapsible block
    # A notebook's description is its first Markdown cell.
    walkthrough = markdown.split("## `examples/walkthrough.py`")[1]
    assert "A curation session without a GUI" in walkthrough.split("??? example")[0]


def test_phy_compat_page_lists_every_served_and_unsupported_name() -> None:
    from phycore.compat._names import MODULES, UNSUPPORTED_MODULES, UNSUPPORTED_NAMES

    markdown = gen_compat.compat_markdown()
    for module, names in MODULES.items():
        for name, target in names.items():
            assert f"| `{module}` | `{name}` | `{target.replace(':', '.')}` |" in markdown, (module, name)
    for module in UNSUPPORTED_MODULES:
        assert f"| `{module}` and its submodules |" in markdown
    for module, names in UNSUPPORTED_NAMES.items():
        for name in names:
            assert f"| `{module}.{name}` |" in markdown
    assert "Because it is part of phy's Qt user interface" in markdown


def test_pages_expand_and_are_all_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = sorted(DOCS.rglob("*.md"))
    assert len(pages) >= 10
    markers = 0
    for page in pages:
        text = page.read_text()
        markers += text.count("<!-- generated:")
        assert "<!-- generated:" not in hooks.expand(text), page
        assert page.relative_to(DOCS).as_posix() in nav, f"{page} is not in mkdocs.yml's nav"
    assert markers == len(hooks.GENERATORS)
    with pytest.raises(KeyError, match="nope"):
        hooks.expand("<!-- generated: nope -->")


def test_rest_roles_and_versionadded_become_html() -> None:
    html = ('<p>Uses :meth:<code>apply</code> and :class:<code>~phycore.Supervisor</code>.</p>\n'
            "<p>.. versionadded:: 0.1.0</p>")
    assert hooks.rest_to_html(html) == ("<p>Uses <code>apply</code> and <code>phycore.Supervisor</code>.</p>\n"
                                        "<p><em>New in version 0.1.0.</em></p>")
