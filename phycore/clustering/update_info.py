"""`UpdateInfo`: what one curation action (or its undo/redo) changed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["UpdateInfo", "combine_updates"]


def _ids(values: Any) -> list[int]:
    return [int(v) for v in (values if values is not None else [])]


def _pairs(values: Any) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (values if values is not None else [])]


def _int_array(values: Any) -> npt.NDArray[np.int64]:
    arr = np.asarray(values if values is not None else [], dtype=np.int64).ravel()
    return arr


def _int_array_or_lazy(values: Any) -> Any:
    """An int64 array, or a callable kept as is (computed on first access)."""
    return values if callable(values) else _int_array(values)


def _opt_ids(values: Any) -> list[int] | None:
    return None if values is None else _ids(values)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _join(ids: Sequence[int]) -> str:
    return "[" + ", ".join(map(str, ids)) + "]"


def _eq_value(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return bool(a == b)


@attrs.define(eq=False, repr=False)
class UpdateInfo:
    """What an action changed; passed to every ``cluster`` subscriber.

    .. versionadded:: 0.1.0

    Fields are reachable as attributes and as keys (``up.added``, ``up['added']``);
    ``dict(up)`` gives every field. Cluster ids are Python ints in plain lists, so
    ``up.added == [12]`` and ``up.descendants == [(3, 12)]`` hold as in phy; spike ids are
    int64 arrays.

    Parameters
    ----------
    description : str
        ``'merge'``, ``'assign'`` (a split), or ``'metadata_<field>'`` for a label
        change (``'metadata_group'``, ``'metadata_my_label'``), as phy. ``'metadata'``
        when labels of several fields changed at once (inherited labels, a journal
        restore). ``'spikes_added'`` for :meth:`Clustering.append_spikes` (live
        sessions; not an action).

        .. versionchanged:: 0.2
           ``'metadata_<field>'`` (phy's) instead of the bare field name.
    history : str or None
        None for a new action, ``'undo'`` or ``'redo'``.
    added, deleted : list of int
        Clusters that appeared / disappeared (a changed cluster always gets a new id).
    spike_ids : ndarray of int64
        Every spike whose cluster changed (all spikes of the deleted clusters), sorted.
        An int64 array, where phy has a list: a merge of millions of spikes would
        otherwise build millions of Python ints. Computed on first access when the
        action touched every spike (the array of all spike ids is then made only if
        something reads it).
    descendants : list of (int, int)
        ``(old, new)`` pairs: spikes of ``old`` went to ``new``. Sorted.
    metadata_changed : list of int
        Clusters whose metadata changed.
    metadata_value : object
        The new value of a label change.
    largest_old_cluster : int or None
        The deleted cluster with the most spikes (ties: smallest id).
    all_cluster_ids : list of int or None
        Every non-empty cluster after the change (clustering actions only).
    spike_clusters : ndarray of int64
        For ``'assign'``: the new cluster of each spike of ``spike_ids``. Computed on
        first access (a split over every cluster would otherwise copy the whole
        assignment at each action and keep it in the history).
    undo_state : list or None
        phy's contract: when an action is done, ``request_undo_state(sender, up)`` is
        emitted and the subscribers' return values are kept with the action; the
        UpdateInfo of its undo carries them here (a list, one per subscriber). None on
        actions and redos.

        .. versionchanged:: 0.2
           Was the Supervisor's selection before the action.
    changed : list of int
        Clusters that kept their id while their spikes changed. Only in live sessions:
        clusters that received appended spikes, and clusters an undo/redo shrank or
        grew while spikes appended since the action stayed in them. Anything cached
        per cluster id must be recomputed for these (and for ``added``).

        .. versionadded:: 0.2
    """

    description: str = ""
    history: str | None = None
    added: list[int] = attrs.field(factory=list, converter=_ids)
    deleted: list[int] = attrs.field(factory=list, converter=_ids)
    # Stored as an array or as a callable computing it (see the `spike_ids` property).
    _spike_ids: Any = attrs.field(factory=lambda: np.zeros(0, np.int64), converter=_int_array_or_lazy)
    descendants: list[tuple[int, int]] = attrs.field(factory=list, converter=_pairs)
    metadata_changed: list[int] = attrs.field(factory=list, converter=_ids)
    metadata_value: Any = None
    largest_old_cluster: int | None = attrs.field(default=None, converter=_opt_int)
    all_cluster_ids: list[int] | None = attrs.field(default=None, converter=_opt_ids)
    # Stored as an array or as a callable computing it (see the `spike_clusters` property).
    _spike_clusters: Any = attrs.field(factory=lambda: np.zeros(0, np.int64), converter=_int_array_or_lazy)
    undo_state: Any = None
    changed: list[int] = attrs.field(factory=list, converter=_ids)

    @property
    def spike_ids(self) -> npt.NDArray[np.int64]:
        """Every spike whose cluster changed, sorted (see the class docstring)."""
        value = self._spike_ids
        if callable(value):
            value = self._spike_ids = _int_array(value())
        return value  # type: ignore[no-any-return]

    @spike_ids.setter
    def spike_ids(self, value: Any) -> None:
        self._spike_ids = _int_array_or_lazy(value)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and deep-copied with its lazy fields computed."""
        _ = self.spike_ids, self.spike_clusters
        return {a.name: getattr(self, a.name) for a in attrs.fields(type(self))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @property
    def spike_clusters(self) -> npt.NDArray[np.int64]:
        """For ``'assign'``: the new cluster of each spike of ``spike_ids``."""
        value = self._spike_clusters
        if callable(value):
            value = self._spike_clusters = _int_array(value())
        return value  # type: ignore[no-any-return]

    @spike_clusters.setter
    def spike_clusters(self, value: Any) -> None:
        self._spike_clusters = _int_array_or_lazy(value)

    def keys(self) -> list[str]:
        """Field names, so that ``dict(up)`` works."""
        return [a.alias for a in attrs.fields(type(self))]

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def get(self, key: str, default: Any = None) -> Any:
        """Field value, or ``default`` for an unknown name."""
        return getattr(self, key) if key in self.keys() else default

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UpdateInfo):
            return NotImplemented
        return all(_eq_value(getattr(self, k), getattr(other, k)) for k in self.keys())

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return bool(self.description or self.added or self.deleted or self.metadata_changed or self.changed)

    def __repr__(self) -> str:
        h = f" ({self.history})" if self.history else ""
        if not self.description:
            return "<UpdateInfo>"
        if self.description in ("merge", "assign"):
            grown = f" (changed {_join(self.changed)})" if self.changed else ""
            return f"<{self.description}{h} {_join(self.deleted)} => {_join(self.added)}{grown}>"
        if self.description == "spikes_added":
            return f"<spikes_added {len(self.spike_ids)} => {_join(self.added + self.changed)}>"
        return f"<{self.description}{h} {_join(self.metadata_changed)} => {self.metadata_value}>"


def combine_updates(ups: Sequence[UpdateInfo | None], history: str | None) -> UpdateInfo | None:
    """Merge the UpdateInfos of the parts of one action into one.

    .. versionadded:: 0.1.0

    The clustering part (``'merge'`` or ``'assign'``) gives the main fields, its
    ``spike_ids`` included; the ``metadata_changed`` lists are joined (a label part alone
    keeps its own ``metadata_value``). Returns None when every part is None.
    """
    parts = [u for u in ups if u is not None]
    if not parts:
        return None
    main = next((u for u in parts if u.description in ("merge", "assign")), parts[0])
    changed = sorted({c for u in parts for c in u.metadata_changed})
    return attrs.evolve(main, history=history, metadata_changed=changed)
