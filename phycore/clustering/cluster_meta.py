"""`ClusterMeta`: named per-cluster fields (``group`` and custom labels) with undo/redo.

Every change, including the labels that new clusters inherit from their parents after
a merge or split, is recorded on the undo stack as its inverse (previous values), so
undoing a later label change never loses inherited labels (a phy defect, parity.md §9).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from phycore.clustering._spike_index import _is_int_scalar
from phycore.model.tables import read_cluster_tsv, write_cluster_tsv
from phycore.clustering.history import History
from phycore.clustering.update_info import UpdateInfo
from phycore.errors import ActionError, ClusterIdError
from phycore.signals import emit

__all__ = ["ClusterMeta", "DEFAULT_GROUPS"]

logger = logging.getLogger(__name__)

#: The groups phy's keyboard shortcuts move clusters to (any other string is allowed).
DEFAULT_GROUPS = ("noise", "mua", "good", "unsorted")

_MISSING = object()


@attrs.define(eq=False)
class _MetaChange:
    """One recorded change: (field, cluster, previous value or _MISSING, new value) tuples."""

    entries: list[tuple[str, int, Any, Any]]
    up: UpdateInfo


def _cluster_list(cluster_ids: Any) -> list[int]:
    if _is_int_scalar(cluster_ids):
        return [int(cluster_ids)]
    if isinstance(cluster_ids, (str, bytes)) or not isinstance(cluster_ids, Iterable):
        raise ClusterIdError(f"cluster_ids must be integers, got {cluster_ids!r}.", argument="cluster_ids")
    out = []
    for c in cluster_ids:
        if not _is_int_scalar(c):
            raise ClusterIdError(f"cluster_ids must be integers, got {c!r}.", argument="cluster_ids")
        out.append(int(c))
    return list(dict.fromkeys(out))


class ClusterMeta:
    """Per-cluster metadata fields with their own undo stack.

    .. versionadded:: 0.1.0

    Events
    ------
    cluster(cluster_meta, up)
        After :meth:`set` (when recorded), :meth:`undo` and :meth:`redo`.
        :meth:`set_from_descendants` and :meth:`from_dict` do not emit (as in phy).
        Not emitted at all with ``emit_events=False``.

    Parameters
    ----------
    emit_events : bool
        Whether to emit ``cluster`` (default True, as phy's ClusterMeta). A
        :class:`~phycore.supervisor.Supervisor` makes its own silent and emits one
        ``cluster`` per action itself.
    """

    def __init__(self, *, emit_events: bool = True) -> None:
        self.emit_events = emit_events
        self._fields: dict[str, Any] = {}
        self._data: dict[str, dict[int, Any]] = {}
        self._history: History[_MetaChange] = History()

    # Fields
    # ------------------------------------------------------------------------------------

    @property
    def fields(self) -> list[str]:
        """Sorted field names."""
        return sorted(self._fields)

    @property
    def history(self) -> History[_MetaChange]:
        """The undo stack (items are private records)."""
        return self._history

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` would do something."""
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` would do something."""
        return self._history.can_redo

    def add_field(self, name: str, default_value: object = None) -> None:
        """Declare a field (idempotent: the default of an existing field is updated)."""
        if not isinstance(name, str) or not name or name == "cluster_id":
            raise ActionError(f"Invalid field name {name!r}.", argument="name")
        self._fields[name] = default_value
        self._data.setdefault(name, {})

    def default(self, field: str) -> Any:
        """Default value of a field."""
        self._check_field(field)
        return self._fields[field]

    def _check_field(self, field: str) -> None:
        if field not in self._fields:
            raise ActionError(f"Unknown field {field!r} (fields: {self.fields}).", argument="field")

    # Access
    # ------------------------------------------------------------------------------------

    def get(self, field: str, cluster: int) -> Any:
        """Value of ``field`` for a cluster (or a list of values for a list of clusters)."""
        self._check_field(field)
        if not _is_int_scalar(cluster):
            return [self.get(field, c) for c in _cluster_list(cluster)]
        return self._data[field].get(int(cluster), self._fields[field])

    def to_dict(self, field: str) -> dict[int, Any]:
        """``{cluster_id: value}`` of the clusters with an explicit value for ``field``."""
        self._check_field(field)
        return {c: v for c, v in sorted(self._data[field].items()) if v is not None}

    def from_dict(self, data: Mapping[str, Mapping[int, object]]) -> None:
        """Load ``{field: {cluster_id: value}}`` (unknown fields are added).

        No event, no undo entry: meant for loading a dataset.
        """
        for field, values in data.items():
            if field not in self._fields:
                self.add_field(field)
            ids = _cluster_list(list(values))
            for c, v in zip(ids, values.values()):
                self._data[field][c] = v

    def to_tsv(self, field: str) -> str:
        """Content of ``cluster_<field>.tsv`` (phy's bytes)."""
        return write_cluster_tsv(field, self.to_dict(field))

    def from_tsv(self, text: str, *, path: str | None = None) -> list[str]:
        """Load the content of a ``cluster_<field>.tsv`` file; returns the fields read."""
        data = read_cluster_tsv(text, path=path)
        self.from_dict(data)
        return list(data)

    # Changes
    # ------------------------------------------------------------------------------------

    def _write(self, entries: list[tuple[str, int, Any, Any]], undo: bool = False) -> None:
        for field, cluster, old, new in (reversed(entries) if undo else entries):
            value = old if undo else new
            if value is _MISSING:
                self._data[field].pop(cluster, None)
            else:
                self._data[field][cluster] = value

    def set(self, field: str, cluster_ids: int | Iterable[int], value: object, add_to_stack: bool = True) -> UpdateInfo:
        """Set ``field`` to ``value`` for clusters (an unknown field is added).

        Returns
        -------
        UpdateInfo
            ``description=field`` (phy: ``'metadata_<field>'``), ``metadata_changed``,
            ``metadata_value``.
        """
        clusters = _cluster_list(cluster_ids)
        if field not in self._fields:
            self.add_field(field)
        if field == "group" and value is not None and not isinstance(value, str):
            raise ActionError(f"A group must be a string or None, got {value!r}.", argument="value")
        entries = [(field, c, self._data[field].get(c, _MISSING), value) for c in clusters]
        up = UpdateInfo(description=field, metadata_changed=clusters, metadata_value=value)
        self._write(entries)
        if add_to_stack:
            self._history.add(_MetaChange(entries, up))
            self._emit(up)
        return up

    def set_from_descendants(self, descendants: Sequence[tuple[int, int]],
                             largest_old_cluster: int | None = None) -> UpdateInfo:
        """Give new clusters the labels of their parents, as phy does, on the undo stack.

        Per field: if every parent with a non-default value agrees, the children get
        that value; if they disagree, the value of ``largest_old_cluster`` wins (without
        it, the parent with the smallest id). Children that already have a non-default
        value keep it.

        Returns
        -------
        UpdateInfo
            ``metadata_changed`` lists the children that got a value (``description`` the
            field name, or ``'metadata'`` for several fields). When nothing was inherited,
            it is empty and nothing is recorded.
        """
        pairs = [(int(a), int(b)) for a, b in descendants]
        entries: list[tuple[str, int, Any, Any]] = []
        touched_fields = []
        for field in self.fields:
            default = self._fields[field]
            parents = sorted({old for old, _ in pairs})
            values = {old: self.get(field, old) for old in parents}
            distinct = {_key(v) for v in values.values() if v != default}
            if not distinct:
                continue
            if len(distinct) == 1:
                new_value = next(v for v in values.values() if v != default)
            elif largest_old_cluster is not None and int(largest_old_cluster) in values:
                new_value = values[int(largest_old_cluster)]
            else:
                new_value = next(v for v in values.values() if v != default)
            if new_value == default:
                continue
            children = sorted({new for _, new in pairs})
            field_entries = [(field, c, self._data[field].get(c, _MISSING), new_value)
                             for c in children if self.get(field, c) == default]
            if field_entries:
                touched_fields.append(field)
                entries += field_entries
        changed = sorted({c for _, c, _, _ in entries})
        if not entries:
            return UpdateInfo(description="metadata")
        desc = touched_fields[0] if len(touched_fields) == 1 else "metadata"
        value = entries[0][3] if len(touched_fields) == 1 else None
        up = UpdateInfo(description=desc, metadata_changed=changed, metadata_value=value)
        self._write(entries)
        self._history.add(_MetaChange(entries, up))
        return up

    def values(self, cluster_ids: Iterable[int]) -> dict[str, dict[int, Any]]:
        """``{field: {cluster_id: value}}`` of the values explicitly set on these clusters."""
        clusters = _cluster_list(cluster_ids)
        return {f: {c: data[c] for c in clusters if c in data} for f, data in self._data.items()}

    def restore(self, cluster_ids: Iterable[int], values: Mapping[str, Mapping[int, object]]) -> UpdateInfo:
        """Make the labels of ``cluster_ids`` exactly ``values`` (as :meth:`values` gives them;
        a value absent there is unset), as one undoable step.

        This is how a crash journal replays an undo or redo of an action it does not hold.

        Returns
        -------
        UpdateInfo
            ``description='metadata'`` and the clusters whose labels changed (empty, and
            nothing recorded, when they were already so).
        """
        clusters = _cluster_list(cluster_ids)
        for field in values:
            if field not in self._fields:
                self.add_field(field)
        entries = []
        for field, data in self._data.items():
            given = {int(c): v for c, v in values.get(field, {}).items()}
            for c in clusters:
                old, new = data.get(c, _MISSING), given.get(c, _MISSING)
                if old is not new and (old is _MISSING or new is _MISSING or _key(old) != _key(new)):
                    entries.append((field, c, old, new))
        if not entries:
            return UpdateInfo(description="metadata")
        up = UpdateInfo(description="metadata", metadata_changed=sorted({c for _, c, _, _ in entries}))
        self._write(entries)
        self._history.add(_MetaChange(entries, up))
        self._emit(up)
        return up

    def undo(self) -> UpdateInfo | None:
        """Undo the last recorded change; None (and an info log) when nothing to undo."""
        change = self._history.undo()
        if change is None:
            logger.info("Nothing to undo.")
            return None
        self._write(change.entries, undo=True)
        up = attrs.evolve(change.up, history="undo")
        self._emit(up)
        return up

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone change; None (and an info log) when nothing to redo."""
        change = self._history.redo()
        if change is None:
            logger.info("Nothing to redo.")
            return None
        self._write(change.entries)
        up = attrs.evolve(change.up, history="redo")
        self._emit(up)
        return up

    def _emit(self, up: UpdateInfo) -> None:
        if self.emit_events:
            emit("cluster", self, up)

    def __repr__(self) -> str:
        return f"<ClusterMeta fields={self.fields} {self._history!r}>"


def _key(value: Any) -> Any:
    """Hashable stand-in for a value (labels are normally str/int/float)."""
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)
