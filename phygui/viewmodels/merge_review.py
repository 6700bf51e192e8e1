"""Pure view model of the merge review view (no dearpygui import).

:class:`MergeReviewModel` turns the SDK's :class:`~phycore.controller.merge_review.MergeReview`
into the rows to draw (formatted score cells, the current pair highlighted) and holds the
view's commands (next/previous pair, accept, reject, sort by a header click, filter), so
everything but the drawing is tested with no display.

Keys (a view-local keymap: phy binds none of them, see docs/keymap.md):

=====================  =========================================================
``ctrl+shift+down``    next pair (the first one at the start)
``ctrl+shift+up``      previous pair
``ctrl+shift+g``       accept: merge the pair (``g`` is phy's merge key); undo with ``ctrl+z``
``ctrl+shift+x``       reject: the pair leaves the list for good; undo with ``ctrl+z``
=====================  =========================================================
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from phygui.viewmodels.cluster_table import next_sort, selection_color

__all__ = ["MergeReviewModel", "PairRow", "MERGE_REVIEW_SHORTCUTS", "format_score"]

#: Command name -> key (phy's notation).
MERGE_REVIEW_SHORTCUTS: dict[str, str] = {
    "next_pair": "ctrl+shift+down",
    "previous_pair": "ctrl+shift+up",
    "accept_pair": "ctrl+shift+g",
    "reject_pair": "ctrl+shift+x",
}

#: Column headers shown, in order (short names keep the dock narrow).
COLUMNS = ("a", "b", "score", "similarity", "waveform", "ccg_dip", "cross_contamination",
           "amplitude_continuity", "depth_continuity")
HEADERS = {"cross_contamination": "cross_cont", "amplitude_continuity": "amp_cont",
           "depth_continuity": "depth_cont"}


def format_score(value: Any) -> str:
    """Cell text: ids as integers, scores with 3 decimals, missing scores empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3f}"
    return str(value)


@attrs.frozen
class PairRow:
    """One row to draw: the pair, its cell texts, and whether it is the current pair."""

    pair: tuple[int, int]
    cells: tuple[str, ...]
    current: bool


class MergeReviewModel:
    """What the merge review view shows, and its commands.

    Parameters
    ----------
    review : MergeReview
        ``controller.merge_review``.
    max_rows : int
        Rows handed to the drawer (the best ones of the visible pairs).
    clusters_per_frame : int
        Clusters whose pairs :meth:`tick` scores per frame while the list is being built.
    """

    def __init__(self, review: Any, max_rows: int = 200, clusters_per_frame: int = 8) -> None:
        self.review = review
        self.max_rows = max_rows
        self.clusters_per_frame = clusters_per_frame

    @property
    def ready(self) -> bool:
        """Whether every cluster's pairs are scored."""
        return bool(self.review.ready)

    def tick(self) -> bool:
        """Once per frame: score a few more clusters' pairs while building; returns whether
        anything changed (the drawer redraws then)."""
        if self.ready:
            return False
        self.review.advance(self.clusters_per_frame)
        return True

    @property
    def columns(self) -> list[str]:
        """Column names (sort keys), in display order."""
        return list(COLUMNS)

    @property
    def headers(self) -> list[str]:
        """Header texts, with the sort arrow on the sorted column."""
        sort = self.review.table.current_sort
        out = []
        for c in COLUMNS:
            text = HEADERS.get(c, c)
            if sort is not None and sort[0] == c:
                text += " v" if sort[1] == "desc" else " ^"
            out.append(text)
        return out

    def rows(self) -> list[PairRow]:
        """The rows to draw, best first (the table's sort and filter apply); the pairs
        scored so far only: drawing never scores (:meth:`tick` does, a bounded part per frame)."""
        current = self.review.current
        out = []
        for pair in self.review.scored_pairs[: self.max_rows]:
            row = self.review.scored_row(pair) or {}
            out.append(PairRow(pair, tuple(format_score(row.get(c)) for c in COLUMNS), pair == current))
        return out

    def pair_colors(self) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
        """Colours of the current pair's two ids: the selection colours the other views give them."""
        return selection_color(0), selection_color(1)

    def status(self) -> str:
        """One line: counts and the current pair."""
        if not self.ready:
            done, total = self.review.progress
            return f"scoring the pairs of {done}/{total} clusters..."
        n, rejected = len(self.review.scored_pairs), len(self.review.rejected)
        cur = self.review.current
        where = f"pair {cur[0]}-{cur[1]}" if cur is not None else "no pair selected"
        return f"{n} candidate pairs, {rejected} rejected; {where}"

    # Commands -----------------------------------------------------------------------

    def next_pair(self) -> Any:
        """Select the next pair."""
        return self.review.next()

    def previous_pair(self) -> Any:
        """Select the previous pair."""
        return self.review.previous()

    def accept_pair(self) -> Any:
        """Merge the current pair (undoable)."""
        return self.review.accept() if self.review.current is not None else None

    def reject_pair(self) -> Any:
        """Reject the current pair (undoable, remembered)."""
        return self.review.reject() if self.review.current is not None else None

    def click_row(self, pair: tuple[int, int]) -> Any:
        """A click on a row selects its pair."""
        return self.review.select(pair)

    def click_header(self, column: str) -> None:
        """A header click sorts by the column (again: the other direction), as in the tables."""
        column, order = next_sort(self.review.table.current_sort, column)
        # The table only: the pairs still to score are sorted in as they come (no scoring now).
        self.review.table.sort_by(column, order)

    def set_filter(self, text: str | None) -> None:
        """Apply a filter expression (the cluster table's syntax); a bad one raises
        :class:`~phycore.errors.FilterExpressionError` and changes nothing."""
        self.review.table.filter(text)  # as click_header: no scoring now
