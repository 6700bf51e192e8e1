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

__all__ = ["ClusterMeta", "DEFAULT_GROUPS", "create_cluster_meta"]

logger = logging.getLogger(__name__)

#: The groups phy's keyboard shortcuts move clusters to (any other string is allowed).
DEFAULT_GROUPS = ("noise", "mua", "good", "unsorted")

_MISSING = object()


@attrs.define(eq=False)
class _MetaChange:
    """One recorded change: (field, cluster, previous value or _MISSING, new value) tuples."""

    entries: list[tuple[str, int, Any, Any]]
    up: UpdateInfo
    undo_state: Any = None


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

    Every field has an accessor named after it, as in phy: after ``add_field('group')``,
    ``meta.group(3)`` is ``meta.get('group', 3)`` and ``meta.group([3, 4])`` a list
    (a field named like a method or property, e.g. ``get``, is reachable through
    :meth:`get` only). Values may be of any type (strings, numbers...): older folders
    store numeric groups.

    Events
    ------
    request_undo_state(cluster_meta, up)
        After a recorded :meth:`set`, before ``cluster``: the subscribers' return values
        are given back as ``undo_state`` of the UpdateInfo of its undo (phy's contract;
        phy also asks when ``add_to_stack=False``, where the answers are thrown away).
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

    def __getattr__(self, name: str) -> Any:
        # phy's per-field accessor (phy sets one attribute per field in add_field).
        fields = self.__dict__.get("_fields", {})
        if name in fields:
            return lambda cluster: self.get(name, cluster)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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
        """``{cluster_id: value}`` of ``field`` for every cluster that has a value set in
        any field (the default where that field is unset), sorted by id, as phy.

        .. versionchanged:: 0.2
           phy's set of clusters (it was: only the clusters with a non-None value of
           ``field``).
        """
        self._check_field(field)
        clusters = sorted({c for data in self._data.values() for c in data})
        return {c: self.get(field, c) for c in clusters}

    def from_dict(self, data: Mapping[Any, Mapping[Any, object]]) -> None:
        """Load values without an event nor an undo entry (meant for loading a dataset).

        Parameters
        ----------
        data : dict
            phy's ``{cluster_id: {field: value}}``, or ``{field: {cluster_id: value}}``
            (as :func:`read_cluster_tsv` gives; told apart by the keys: field names are
            strings, cluster ids integers). Unknown fields are added.
        """
        if any(isinstance(k, str) for k in data):
            items = [(f, c, v) for f, values in data.items() for c, v in values.items()]
        else:
            items = [(f, c, v) for c, values in data.items() for f, v in values.items()]
        for field, cluster, value in items:
            if field not in self._fields:
                self.add_field(field)
            (c,) = _cluster_list(cluster)
            self._data[field][c] = value

    def to_tsv(self, field: str) -> str:
        """Content of ``cluster_<field>.tsv`` (phy's bytes): the clusters with a value set."""
        self._check_field(field)
        return write_cluster_tsv(field, self._data[field])

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
        """Set ``field`` to ``value`` (of any type) for clusters; an unknown field is added.

        Parameters
        ----------
        field : str
            The field.
        cluster_ids : int or list of int
            The clusters.
        value : object
            The new value.
        add_to_stack : bool
            Whether to record the change on the undo stack (and emit
            ``request_undo_state`` and ``cluster``).

        Returns
        -------
        UpdateInfo
            ``description='metadata_<field>'``, ``metadata_changed``, ``metadata_value``.

        Notes
        -----
        Since 0.2, ``description`` is ``'metadata_<field>'`` (it was the bare field name),
        and values of any type are accepted for ``group`` too (numbers: older folders).
        """
        clusters = _cluster_list(cluster_ids)
        if field not in self._fields:
            self.add_field(field)
        entries = [(field, c, self._data[field].get(c, _MISSING), value) for c in clusters]
        up = UpdateInfo(description=f"metadata_{field}", metadata_changed=clusters, metadata_value=value)
        self._write(entries)
        if add_to_stack:
            change = _MetaChange(entries, up)
            self._history.add(change)
            if self.emit_events:
                change.undo_state = emit("request_undo_state", self, up)
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
            ``metadata_changed`` lists the children that got a value (``description``
            ``'metadata_<field>'``, or ``'metadata'`` for several fields). When nothing was inherited,
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
        desc = f"metadata_{touched_fields[0]}" if len(touched_fields) == 1 else "metadata"
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
        up = attrs.evolve(change.up, history="undo", undo_state=change.undo_state)
        self._emit(up)
        return up

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone change; None (and an info log) when nothing to redo."""
        change = self._history.redo()
        if change is None:
            logger.info("Nothing to redo.")
            return None
        self._write(change.entries)
        up = attrs.evolve(change.up, history="redo", undo_state=None)
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


def create_cluster_meta(cluster_groups: Mapping[int, object] | None) -> ClusterMeta:
    """A :class:`ClusterMeta` with a ``group`` field, loaded from ``cluster_groups`` (phy's).

    .. versionadded:: 0.2

    Parameters
    ----------
    cluster_groups : dict or None
        ``{cluster_id: group}``; groups may be strings, numbers or None.

    Returns
    -------
    ClusterMeta
        Emitting events, with nothing on its undo stack.
    """
    meta = ClusterMeta()
    meta.add_field("group")
    meta.from_dict({"group": dict(cluster_groups or {})})
    return meta
