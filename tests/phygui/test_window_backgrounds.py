"""Which dock windows may skip their background fill (``transparent_windows``)."""

from __future__ import annotations

from phygui.window_backgrounds import transparent_windows

# The default layout's geometry: docks side by side, 2 px apart, under a 19 px menu bar.
MENU = (0.0, 0.0, 1552.0, 19.0)
LEFT = (0.0, 19.0, 465.0, 279.0)
BELOW = (0.0, 281.0, 465.0, 616.0)
RIGHT = (467.0, 19.0, 740.0, 663.0)


def test_docked_windows_that_only_touch_skip_their_fills() -> None:
    rects = {"menu": MENU, "left": LEFT, "below": BELOW, "right": RIGHT}
    assert transparent_windows(rects, ["left", "below", "right"]) == {"left", "below", "right"}


def test_a_floating_window_and_the_windows_under_it_keep_their_fills() -> None:
    floating = (300.0, 200.0, 700.0, 500.0)
    rects = {"menu": MENU, "left": LEFT, "below": BELOW, "right": RIGHT, "float": floating}
    # Which one is drawn on top is not known: both sides of an overlap stay opaque.
    assert transparent_windows(rects, ["left", "below", "right", "float"]) == set()
    away = {**rects, "float": (470.0, 700.0, 600.0, 800.0)}
    assert transparent_windows(away, ["left", "below", "right", "float"]) == {"left", "below", "right", "float"}


def test_a_window_over_the_menu_bar_keeps_its_fill() -> None:
    rects = {"menu": MENU, "top": (100.0, 5.0, 300.0, 200.0)}
    assert transparent_windows(rects, ["top"]) == set()


def test_overlaps_within_the_tolerance_do_not_count() -> None:
    rects = {"a": (0.0, 0.0, 100.0, 100.0), "b": (99.0, 0.0, 200.0, 100.0)}
    assert transparent_windows(rects, ["a", "b"]) == {"a", "b"}
    assert transparent_windows(rects, ["a", "b"], tolerance=0.5) == set()


def test_moving_or_unknown_windows_keep_their_fills() -> None:
    rects = {"left": LEFT, "right": RIGHT}
    assert transparent_windows(rects, ["left", "right"], moved=["right"]) == {"left"}
    assert transparent_windows(rects, ["left", "right", "hidden"]) == {"left", "right"}


def test_window_ids_compare_by_value() -> None:
    # Dear PyGui returns a new int object for the same id on each call: identity must not matter.
    a, b = int("1000"), int("1000")
    assert a is not b
    assert transparent_windows({a: LEFT, 2000: RIGHT}, [b, 2000]) == {1000, 2000}
