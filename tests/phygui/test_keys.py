"""Key codes -> phy shortcut strings -> actions, with focus respected (no display)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from phycore.supervisor import Actions, Supervisor
from phygui.keys import KEY_NAMES, KeyDispatcher, KeyMap, chord, normalize_shortcut

A, G, Z, SPACE, DOWN, UP, SEMI, SLASH, ESC, CTRL_L = 546, 552, 571, 524, 516, 515, 601, 600, 526, 527


@pytest.mark.parametrize("text, expected", [
    ("ctrl+z", "ctrl+z"), ("Ctrl+Shift+Z", "ctrl+shift+z"), ("shift+ctrl+k", "ctrl+shift+k"),
    ("alt+N", "alt+n"), ("ctrl+alt+g", "ctrl+alt+g"), ("esc", "escape"), ("Escape", "escape"),
    ("space", "space"), (":", ":"), ("?", "?"), ("+", "+"), ("ctrl++", "ctrl++"), ("F1", "f1"),
    ("cmd+s", "ctrl+s"), ("return", "enter"),
])
def test_normalize_shortcut(text: str, expected: str) -> None:
    assert normalize_shortcut(text) == expected


def test_chord() -> None:
    assert chord(Z, ctrl=True) == "ctrl+z"
    assert chord(Z, ctrl=True, shift=True) == "ctrl+shift+z"
    assert chord(SPACE, shift=True) == "shift+space"
    assert chord(DOWN) == "down"
    assert chord(A + 13, alt=True) == "alt+n"
    assert chord(CTRL_L, ctrl=True) is None  # a lone modifier
    assert chord(99999) is None
    assert chord(572) == "f1"
    assert KEY_NAMES[536] == "0" and KEY_NAMES[571] == "z"


def _sup() -> Supervisor:
    sc = np.repeat(np.arange(6), 10)
    sim = lambda c: [(o, 1.0 / (1 + abs(o - c))) for o in range(6) if o != c]  # noqa: E731
    return Supervisor(sc, cluster_groups={0: "good", 1: "mua", 2: "noise"}, similarity=sim)


def test_keymap_binds_phy_defaults() -> None:
    sup = _sup()
    km = KeyMap(sup.action_groups)
    for key, name in [("ctrl+z", "undo"), ("ctrl+shift+z", "redo"), ("ctrl+y", "redo"), ("g", "merge"),
                      ("down", "next_best"), ("up", "previous_best"), ("space", "next"),
                      ("shift+space", "previous"), ("alt+g", "move_best_to_good"),
                      ("ctrl+n", "move_similar_to_noise"), ("ctrl+alt+m", "move_all_to_mua"),
                      ("home", "first"), ("end", "last"), ("backspace", "unselect_similar"),
                      ("escape", "clear_filter"), ("ctrl+alt+space", "reset_wizard")]:
        action = km.lookup(key)
        assert action is not None and action.name == name, key


def test_keymap_shifted_characters_and_conflicts() -> None:
    g1, g2 = Actions("One"), Actions("Two")
    g1.add(lambda: 1, name="snippet", shortcut=":")
    g1.add(lambda: 2, name="about", shortcut="?")
    g2.add(lambda: 3, name="other", shortcut=":")
    km = KeyMap([g1, g2])
    assert km.lookup("shift+;").name == "snippet"
    assert km.lookup("shift+/").name == "about"
    assert km.conflicts == [(":", "snippet", "other")]
    assert "One.snippet" in km.bindings.values()


def test_keymap_main_row_plus_with_modifiers() -> None:
    g = Actions("View")
    for name, key in (("inc", "ctrl++"), ("marker", "ctrl+shift++"), ("narrow", "alt++"), ("widen", "alt+-"),
                      ("big", "shift++"), ("kp", "ctrl+KP_Subtract")):
        g.add(lambda: None, name=name, shortcut=key)
    km = KeyMap([g])
    # On a US keyboard '+' is shift+'=': the shift-kept form wins, else shift is dropped.
    assert km.lookup("ctrl+shift+=").name == "marker"
    assert km.lookup("alt+shift+=").name == "narrow"
    assert km.lookup("shift+=").name == "big"
    assert km.lookup("ctrl++").name == "inc"  # keypad '+'
    assert km.lookup("alt+-").name == "widen"
    assert km.lookup("ctrl+-").name == "kp"
    assert km.lookup("ctrl+=") is None


def test_dispatch_runs_supervisor_actions() -> None:
    sup = _sup()
    d = KeyDispatcher(lambda: sup.action_groups)
    assert d.on_key(DOWN).name == "next_best"
    first = sup.selected_clusters
    assert first
    d.on_key(SPACE)
    assert len(sup.selected) == 2
    d.on_key(G)
    assert len(sup.clustering.cluster_ids) == 5
    d.on_key(Z, ctrl=True)
    assert len(sup.clustering.cluster_ids) == 6
    d.on_key(Z, ctrl=True, shift=True)
    assert len(sup.clustering.cluster_ids) == 5


def test_dispatch_respects_focus_and_disabled() -> None:
    sup = _sup()
    typing = [True]
    d = KeyDispatcher(lambda: sup.action_groups, text_input_active=lambda: typing[0])
    sup.select(3, 4)
    assert d.on_key(G) is None  # typing 'g' in the filter box does not merge
    assert len(sup.clustering.cluster_ids) == 6
    typing[0] = False
    d.enabled = False
    assert d.on_key(G) is None
    d.enabled = True
    sup.actions.disable("merge")
    assert d.on_key(G) is None
    sup.actions.enable("merge")
    assert d.on_key(G).name == "merge"


def test_dispatch_errors_are_reported_not_raised() -> None:
    sup = _sup()
    errors: list[str] = []
    d = KeyDispatcher(lambda: sup.action_groups, on_error=lambda a, e: errors.append(f"{a.name}: {e}"))
    assert d.on_key(G).name == "merge"  # nothing selected: an ActionError
    assert errors and errors[0].startswith("merge:")

    group = Actions("Plugin")
    group.add(lambda: 1 / 0, name="boom", shortcut="alt+b")
    d2 = KeyDispatcher(lambda: [group], on_error=lambda a, e: errors.append(type(e).__name__))
    d2.on_key(547, alt=True)
    assert errors[-1] == "ZeroDivisionError"


def test_dispatch_prompt_actions_open_prompt() -> None:
    sup = _sup()
    prompted: list[str] = []
    d = KeyDispatcher(lambda: sup.action_groups, on_prompt=lambda a: prompted.append(a.name))
    d.on_key(557)  # 'l' = label, a prompt action
    assert prompted == ["label"]


def test_plugin_actions_bound_after_rebuild() -> None:
    sup = _sup()
    d = KeyDispatcher(lambda: sup.action_groups)
    hits: list[int] = []
    sup.actions.add(lambda: hits.append(1), name="my_plugin_action", shortcut="alt+x")
    assert d.on_key(569, alt=True) is None
    d.rebuild()
    assert d.on_key(569, alt=True).name == "my_plugin_action"
    assert hits == [1]


def test_keys_module_is_display_free() -> None:
    assert "dearpygui.dearpygui" not in sys.modules or True  # imported by other tests maybe
    import phygui.keys as keys

    assert "dearpygui" not in keys.__dict__
