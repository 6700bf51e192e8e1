"""Merge review: a ranked table of cluster pairs that may be one over-split unit.

``controller.merge_review`` (a :class:`MergeReview`, built on first use) lists, for every
cluster, its ``k`` most similar partners with the scores of
:mod:`phycore.analysis.merge_candidates` as columns (``score`` is the combined rank), in a
:class:`~phycore.supervisor.TableModel` that sorts and filters like the cluster table.
The reviewer walks the pairs (:meth:`~MergeReview.next`, :meth:`~MergeReview.previous`;
the current pair is selected in the cluster and similarity tables, so every view shows
it), then :meth:`~MergeReview.accept` (a normal merge) or :meth:`~MergeReview.reject` it.
Both are steps of the session's undo stack. Rejected pairs are kept in
``<data>/.phy/merge_review.json`` and never come back. After any action only the pairs of
the clusters it touched are recomputed. A reject, its undo and its redo are published as
the ``merge_review`` event, never as ``cluster`` (phy plugins expect ``cluster`` for the
clustering and the labels only).

Example
-------
>>> review = controller.merge_review
>>> review.filter("ccg_dip > 0.5")
>>> pair = review.next()           # (a, b), now selected
>>> review.accept()                # merges a and b; ctrl+z undoes it
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from phycore.analysis.merge_candidates import MERGE_SCORE_COLUMNS
from phycore.clustering import History, UpdateInfo
from phycore.controller._merge_scores import PairScorer
from phycore.errors import ActionError
from phycore.paths import atomic_write_text
from phycore.supervisor import TableModel
from phycore.supervisor.ids import check_ids

__all__ = ["MergeReview", "RejectedPairs", "pair_key"]

logger = logging.getLogger(__name__)

Pair = tuple[int, int]
REJECT = "merge_review_reject"
FILE_NAME = "merge_review.json"
#: The public event of a reject, its undo and its redo (see :meth:`Editor.record`).
EVENT = "merge_review"


def pair_key(a: int, b: int) -> int:
    """The table row id of a pair (order-free): ``min << 32 | max``."""
    lo, hi = sorted((int(a), int(b)))
    return lo << 32 | hi


def _pair_of(key: int) -> Pair:
    return key >> 32, key & 0xFFFFFFFF


class RejectedPairs:
    """Rejected pairs, saved at every change; an undoable part of the session's history.

    Every change re-reads the file and applies only itself to it before writing, so two
    reviews of one folder (two sessions, or a script's ``MergeReview`` next to the
    controller's) keep each other's rejections.

    Parameters
    ----------
    path : Path, optional
        The JSON file (``{"rejected": [[a, b], ...]}``); None keeps them in memory only.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._history: History[Pair] = History()
        self._pairs: set[Pair] = self._read()

    def _read(self) -> set[Pair]:
        if self.path is None or not self.path.exists():
            return set()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {tuple(sorted((int(a), int(b)))) for a, b in data.get("rejected", [])}  # type: ignore[misc]
        except (ValueError, TypeError, AttributeError) as e:
            logger.warning("Ignoring the unreadable merge review file %s: %s.", self.path, e)
            return set()

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and tuple(sorted(pair)) in self._pairs

    def __len__(self) -> int:
        return len(self._pairs)

    @property
    def pairs(self) -> list[Pair]:
        """The rejected pairs, sorted."""
        return sorted(self._pairs)

    def _change(self, pair: Pair, rejected: bool) -> None:
        """Reject (or un-reject) one pair, on what the file holds now."""
        if self.path is not None:
            self._pairs = self._read()  # another review of this folder may have written it
        if rejected:
            self._pairs.add(pair)
        else:
            self._pairs.discard(pair)
        if self.path is not None:
            atomic_write_text(self.path, json.dumps({"rejected": [list(p) for p in self.pairs]}, indent=1))

    def _up(self, pair: Pair, history: str | None) -> UpdateInfo:
        return UpdateInfo(description=REJECT, history=history, metadata_value=list(pair))

    def reject(self, pair: Pair) -> UpdateInfo:
        """Reject a pair (recorded on this part's own stack, as ClusterMeta does)."""
        pair = tuple(sorted(pair))  # type: ignore[assignment]
        self._change(pair, True)
        self._history.add(pair)
        return self._up(pair, None)

    def undo(self) -> UpdateInfo | None:
        """Un-reject the last rejected pair."""
        pair = self._history.undo()
        if pair is None:
            return None
        self._change(pair, False)
        return self._up(pair, "undo")

    def redo(self) -> UpdateInfo | None:
        """Reject again the last un-rejected pair."""
        pair = self._history.redo()
        if pair is None:
            return None
        self._change(pair, True)
        return self._up(pair, "redo")


class MergeReview:
    """Ranked merge candidates of a session, with review actions.

    Parameters
    ----------
    controller : TemplateController
    k : int
        Similar partners considered per cluster (from the session's similarity function).
    max_spikes : int
        Spikes per cluster used by the correlogram and continuity scores.

    Attributes
    ----------
    table : TableModel
        One row per candidate pair (row id: :func:`pair_key`); columns ``a``, ``b`` and
        :data:`~phycore.analysis.merge_candidates.MERGE_SCORE_COLUMNS`; sorted by
        ``score`` (descending) at first. Rejected pairs are not in it.
    rejected : RejectedPairs
    n_recomputed : int
        Pairs scored by the last update (the whole build, or an action's touched pairs).
    """

    def __init__(self, controller: Any, k: int = 10, max_spikes: int = 20_000) -> None:
        self._c = controller
        self.k = k
        self.scorer = PairScorer(controller, max_spikes=max_spikes)
        phy_dir = getattr(controller, "phy_dir", None)
        self.rejected = RejectedPairs(Path(phy_dir) / FILE_NAME if phy_dir is not None else None)
        self.table = TableModel("MergeReview", ["a", "b", *MERGE_SCORE_COLUMNS], sort=("score", "desc"),
                               events=False)  # its row ids are pair keys, not cluster ids
        self._rows: dict[int, dict[str, Any]] = {}  # every scored pair, rejected ones included
        self._lists: dict[int, list[tuple[int, float]]] = {}  # each cluster's top-k partners
        self._pending: list[int] = []  # clusters whose partners are not scored yet
        self._total = 0
        self._current: Pair | None = None
        self._after_reject: dict[Pair, Pair | None] = {}  # the pair reviewed after each reject (redo)
        self.n_recomputed = 0
        self._built = False
        controller.supervisor.add_observer(self)

    # Building ------------------------------------------------------------------------

    @property
    def _supervisor(self) -> Any:
        return self._c.supervisor

    def _partners(self, cluster_id: int) -> list[tuple[int, float]]:
        similarity = self._supervisor.similarity
        if similarity is None:
            return []
        return [(int(c), float(s)) for c, s in list(similarity(int(cluster_id)))[: self.k] if int(c) != cluster_id]

    def _update_lists(self, cluster_ids: Any) -> None:
        for a in cluster_ids:
            self._lists[int(a)] = self._partners(int(a))

    def _sync_rows(self) -> None:
        """Score the listed pairs not scored yet and forget the pairs no list holds any more."""
        wanted: dict[int, float] = {}
        for a, partners in self._lists.items():
            for b, sim in partners:
                wanted.setdefault(pair_key(a, b), sim)
        for key in [k for k in self._rows if k not in wanted]:
            del self._rows[key]
        for key, sim in wanted.items():
            if key not in self._rows:
                lo, hi = _pair_of(key)
                self._rows[key] = {"a": lo, "b": hi, **self.scorer.score(lo, hi, sim)}

    def build(self) -> None:
        """Score every cluster's top-``k`` pairs (done on first use; call again to start over)."""
        self.start()
        self.advance(None)

    def start(self) -> None:
        """Start over, without scoring anything yet (see :meth:`advance`)."""
        self._lists = {}
        self._rows = {}
        self._pending = self._supervisor.clustering.cluster_ids.tolist()
        self._total = len(self._pending)
        self._built = True
        self.n_recomputed = 0

    def advance(self, n_clusters: int | None = 16) -> bool:
        """Score the pairs of ``n_clusters`` more clusters (None: all the rest); a GUI calls
        this once per frame so the first look at a big session never blocks it. Returns
        whether every cluster is scored."""
        if not self._built:
            self.start()
        if self._pending:
            batch = self._pending if n_clusters is None else self._pending[:n_clusters]
            self._pending = self._pending[len(batch):]
            before = self.scorer.n_scored
            self._update_lists(batch)
            self._sync_rows()
            self.n_recomputed += self.scorer.n_scored - before
            self._show()
        return not self._pending

    @property
    def ready(self) -> bool:
        """Whether every cluster's pairs are scored."""
        return self._built and not self._pending

    @property
    def progress(self) -> tuple[int, int]:
        """``(clusters scored, clusters)`` of the build."""
        return self._total - len(self._pending), self._total

    def _ensure(self) -> None:
        if not self._built or self._pending:
            self.advance(None)

    def _show(self) -> None:
        visible = {k: r for k, r in self._rows.items() if (r["a"], r["b"]) not in self.rejected}
        hidden = [k for k in self.table.ids if k not in visible]
        self.table.update_rows(visible, removed=hidden)

    # Observer of the session (called by the Editor after every action) ---------------

    def cluster_changed(self, up: UpdateInfo) -> None:
        """Recompute only the pairs of the clusters ``up`` touched.

        The touched clusters' partner lists are computed again, and so are the lists of the
        clusters that listed a touched one (a new cluster takes its parents' place there);
        only pairs with a touched cluster, or new in a list, are scored again.
        """
        if not self._built:
            return
        if up.description == REJECT:
            a, b = sorted(up.metadata_value)
            pair = (int(a), int(b))
            if up.history == "undo":  # the Editor selects the pair again: review it again
                self._current = pair
            elif up.history == "redo":  # the Editor selects the pair reviewed after the reject
                after = self._after_reject.get(pair)
                self._current = after if after is not None and pair_key(*after) in self._rows else None
            self._show()
            return
        touched = set(up.added) | set(up.deleted) | set(up.changed)
        if not touched:
            return
        if self._current is not None and set(self._current) & set(up.deleted):
            self._current = None  # merged or split (here or elsewhere): no pair under review
        self.scorer.forget(touched)
        for c in touched:
            self._lists.pop(c, None)
        self._pending = [c for c in self._pending if c not in touched]
        for key in [k for k, r in self._rows.items() if r["a"] in touched or r["b"] in touched]:
            del self._rows[key]
        stale = [a for a, partners in self._lists.items() if any(b in touched for b, _ in partners)]
        known = self._supervisor.clustering.spike_counts
        before = self.scorer.n_scored
        self._update_lists(c for c in (*up.added, *up.changed, *stale) if c in known)
        self._sync_rows()
        self.n_recomputed = self.scorer.n_scored - before
        self._show()

    def spikes_added(self, spike_ids: Any, cluster_ids: list[int]) -> None:
        """Live sessions: the clusters that grew are rescored at the next action."""
        self.scorer.forget(cluster_ids)

    # Table ---------------------------------------------------------------------------

    @property
    def pairs(self) -> list[Pair]:
        """Visible pairs (filtered, sorted), best first by default (scores them all first)."""
        self._ensure()
        return self.scored_pairs

    @property
    def scored_pairs(self) -> list[Pair]:
        """The visible pairs scored so far, without scoring more (a GUI's view during
        :meth:`advance`)."""
        return [_pair_of(k) for k in self.table.visible_ids]

    def row(self, pair: Pair) -> dict[str, Any]:
        """The scores of a pair (any scored pair, rejected or not; scores them all first)."""
        self._ensure()
        return dict(self._rows[pair_key(*pair)])

    def scored_row(self, pair: Pair) -> dict[str, Any] | None:
        """The scores of a pair if already scored, else None; never scores (a GUI's
        accessor while :meth:`advance` builds the list)."""
        row = self._rows.get(pair_key(*pair))
        return None if row is None else dict(row)

    def sort(self, column: str, order: str = "desc") -> list[Pair]:
        """Sort the table by a column; returns the visible pairs."""
        self._ensure()
        self.table.sort_by(column, order)
        return self.pairs

    def filter(self, text: str | None) -> list[Pair]:
        """Filter the table (cluster-table expression syntax, e.g. ``score > 0.6 && ccg_dip > 0.5``)."""
        self._ensure()
        self.table.filter(text)
        return self.pairs

    # Navigation ----------------------------------------------------------------------

    @property
    def current(self) -> Pair | None:
        """The pair being reviewed (None before the first :meth:`next`)."""
        return self._current

    def select(self, pair: Pair) -> Pair:
        """Review ``pair``: select ``a`` in the cluster table and ``b`` in the similarity table
        (as clicking ``a`` then its similar ``b`` would), in one selection change (one
        ``select`` event); both in the cluster table when ``b`` is not among ``a``'s similar
        clusters."""
        a, b = int(pair[0]), int(pair[1])
        sup = self._supervisor
        selection = getattr(sup, "selection", None)
        if selection is not None and any(c == b for c, _ in self._lists.get(a, ())):
            check_ids([a, b], sup.clustering.spike_counts)  # as sup.select does
            selection.set([a], [b])
            if sup.selected_similar != [b]:  # not in the similarity table after all
                sup.select(a, b)
        else:
            sup.select(a, b)
        self._current = tuple(sorted((a, b)))  # type: ignore[assignment]
        return self._current  # type: ignore[return-value]

    def _step(self, delta: int) -> Pair | None:
        pairs = self.pairs
        if not pairs:
            return None
        cur = self._current
        if cur is None or pair_key(*cur) not in self.table or self.table.index(pair_key(*cur)) is None:
            return self.select(pairs[0])
        i = self.table.index(pair_key(*cur)) or 0
        j = min(max(i + delta, 0), len(pairs) - 1)
        return self.select(pairs[j]) if j != i else cur

    def next(self) -> Pair | None:
        """Select the next pair (the first one at the start); stays at the end."""
        return self._step(+1)

    def previous(self) -> Pair | None:
        """Select the previous pair; stays at the first one."""
        return self._step(-1)

    def _target(self, pair: Pair | None) -> tuple[Pair, int | None]:
        pair = pair or self._current
        if pair is None:
            raise ActionError("No merge candidate under review (none selected yet, or its clusters were "
                              "merged or split since): call next() first or pass a pair.", argument="pair")
        return tuple(sorted(pair)), self.table.index(pair_key(*pair))  # type: ignore[return-value]

    def _select_at(self, index: int | None) -> None:
        pairs = self.pairs
        if index is not None and pairs:
            self.select(pairs[min(index, len(pairs) - 1)])
        else:
            self._current = None

    def accept(self, pair: Pair | None = None) -> UpdateInfo:
        """Merge ``pair`` (default: the current one) through the session's merge (undoable);
        the merged cluster is selected, as after any merge."""
        self._ensure()
        pair, _ = self._target(pair)
        up: UpdateInfo = self._supervisor.merge(list(pair))
        self._current = None
        return up

    def reject(self, pair: Pair | None = None) -> UpdateInfo | None:
        """Reject ``pair`` (default: the current one): it leaves the table for good (saved in
        ``.phy/merge_review.json``); ctrl+z brings it back. The next pair is selected.
        A pair already rejected is left alone (None): a second step would make its undo
        un-reject a pair the first step still rejects."""
        self._ensure()
        pair, index = self._target(pair)
        if pair in self.rejected:
            return None
        editor = self._supervisor.editor
        up: UpdateInfo = editor.record(self.rejected, self.rejected.reject(pair), EVENT)
        self._select_at(index)
        self._after_reject[pair] = self._current
        editor.selection_changed()  # its redo selects the next pair again
        return up

    def close(self) -> None:
        """Stop following the session."""
        self._supervisor.editor.remove_observer(self)

    def __repr__(self) -> str:
        return f"<MergeReview {len(self.table)} pairs, {len(self.rejected)} rejected>"

