"""GUI scenario of the merge review view (issue #19): opened from View > Add view, driven
with real X key presses (xdotool) into the phygui window; any logged error fails it.

Run by hand:  xvfb-run -a python -m tests.gui.scenarios_merge_review keys /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gui.helpers import ARTIFACTS, grab, has_color, hold_chord, region
from tests.gui.scenarios_new_views import _add_from_menu
from tests.gui.strict import controller_scenarios, scenario_main


def scenario_keys(controller: Any, dataset: Path) -> None:
    """ctrl+shift+down reviews the best pair (selected in the tables), ctrl+shift+x rejects
    it, ctrl+z brings it back, ctrl+shift+g merges the pair (its undo is the SDK tests')."""
    from PIL import Image

    from phygui.app import create_gui
    from phygui.views.merge_review import MergeReviewView

    gui = create_gui(controller)
    try:
        gui.render(3)
        sup = gui.supervisor
        assert gui.get_view("MergeReviewView") is None, "the merge review is not in the default layout"
        view = _add_from_menu(gui, "MergeReviewView")
        assert isinstance(view, MergeReviewView)
        review = controller.merge_review
        best, second = review.pairs[:2]
        hold_chord(gui, "ctrl+shift+Down")
        assert review.current == best and sorted(sup.selected) == list(best), (review.current, sup.selected)
        hold_chord(gui, "ctrl+shift+x")
        assert best not in review.pairs and review.current == second
        hold_chord(gui, "ctrl+z")
        assert best in review.pairs and sorted(sup.selected) == list(best), sup.selected
        n = len(sup.clustering.cluster_ids)
        hold_chord(gui, "ctrl+shift+g")
        assert len(sup.clustering.cluster_ids) == n - 1 and best not in review.pairs
        # A filter typed into the review's box filters the pairs only: the template view (which
        # follows the cluster table's filter) and the cluster table are left alone.
        import dearpygui.dearpygui as dpg

        from tests.gui.helpers import keyboard, window_id, xdotool_while_rendering

        template = _add_from_menu(gui, "TemplateView")
        shown_before = list(template.model.clusters)
        x, y = dpg.get_item_rect_min(view.filter_input)
        xdotool_while_rendering(gui, "mousemove", "--window", window_id(), str(int(x) + 20), str(int(y) + 5))
        xdotool_while_rendering(gui, "click", "1")
        keys = keyboard(gui)
        keys("s", "c", "o", "r", "e", "space", "greater", "space", "0", "period", "5", "Return")
        gui.render(3)
        assert review.table.filter_text == "score > 0.5", review.table.filter_text
        assert review.pairs and all(review.row(p)["score"] > 0.5 for p in review.pairs)
        assert template.model.shown is None and list(template.model.clusters) == shown_before
        assert sup.cluster_table.filter_text is None
        view.clear_filter()
        # The template view follows the cluster table's filter only (phy: sender=cluster_view).
        sup.cluster_table.filter("id < 5")
        gui.render(2)
        assert template.model.shown == [c for c in sup.cluster_table.visible_ids if c < 5], template.model.shown
        sup.similarity_table.filter("id > 5")
        gui.render(2)
        assert template.model.shown == [c for c in sup.cluster_table.visible_ids if c < 5], template.model.shown
        sup.similarity_table.filter(None)
        sup.cluster_table.filter(None)
        review.next()  # the next pair, for the screenshot (the keys were checked above)
        gui.render(4)
        pix = region(gui, view, grab(gui, "merge_review_full"))
        ARTIFACTS.mkdir(exist_ok=True)
        Image.fromarray(pix).save(ARTIFACTS / "merge_review_view.png")
        assert has_color(pix, (60, 90, 150), tol=20, min_count=100), "the current pair's row is not highlighted"
        assert gui.alive and not gui.status.error, gui.status.error
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
