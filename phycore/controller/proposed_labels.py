"""Labels proposed from outside a session (``phycore batch --label``), applied at its next open.

A batch run evaluates rules on a folder nobody has open and cannot make an undoable
action there, so it writes ``<data>/.phy/proposed_labels.json`` instead. The next session
that opens the folder for writing (:class:`~phycore.controller.TemplateController`, not
read-only) applies them as **one** action of its history: one undo removes them all,
and the session is dirty until it is saved.

The file stays where it is until a save of a session that applied it: then it is
renamed ``proposed_labels.applied.json`` (kept as a record). A session that applied it
but is never saved (a script that forgot ``save()``, a crash) leaves it, so the next
session applies it again: the labels are never lost between "the file was used up" and
"the labels were saved". A proposal written while a session was open (a batch ran
meanwhile) is not the one that session applied, and its save leaves it alone.

File format (JSON)::

    {"version": 1, "source": "phycore batch", "created": "2026-12-07T02:00:00Z",
     "spike_clusters": "<hash_array of the spike_clusters the rules saw>",
     "rules": ["noise: n_spikes < 100", ...], "overwrite": false,
     "labels": {"group": {"12": "noise", ...}, "<field>": {...}},
     "seen": {"group": {"12": null, ...}, ...}}

``seen`` holds, for each proposed label, the value the cluster had when the rules ran
(null: none). A label that changed since (a curator saved another one; saving labels
alone keeps ``spike_clusters.npy``) is the curator's decision: it is kept and the
proposed one skipped, with a log message, unless the batch ran with ``overwrite``. A
label that already has the proposed value is left as it is (a crash journal replayed
the proposal).

The proposal names cluster ids, which only mean the same units on the clustering the
rules saw: when ``spike_clusters.npy`` changed since (a save in between), the file is
not applied but renamed ``proposed_labels.stale.json`` with a warning. Labels of
clusters that no longer exist (a replayed crash journal merged them) are dropped.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Mapping

import numpy.typing as npt

from phycore.clustering import UpdateInfo
from phycore.paths import atomic_write_text
from phycore.supervisor import Supervisor
from phycore.supervisor.journal import hash_array

__all__ = ["PROPOSED_LABELS_NAME", "APPLIED_NAME", "AppliedProposal", "write_proposed_labels", "read_proposed_labels",
           "apply_proposed_labels"]

logger = logging.getLogger(__name__)

PROPOSED_LABELS_NAME = "proposed_labels.json"
APPLIED_NAME = "proposed_labels.applied.json"
_VERSION = 1


def write_proposed_labels(phy_dir: str | os.PathLike[str], labels: Mapping[str, Mapping[int, Any]],
                          spike_clusters: npt.ArrayLike, *, seen: Mapping[str, Mapping[int, Any]] | None = None,
                          overwrite: bool = False, rules: list[str] | None = None,
                          source: str = "phycore batch") -> Path | None:
    """Write (atomically) the labels to apply at the folder's next open; none: remove the file.

    Parameters
    ----------
    phy_dir : path
        The folder's ``.phy`` (:func:`phycore.paths.phy_dir`).
    labels : mapping
        ``{field: {cluster_id: value}}``.
    spike_clusters : array-like
        The assignment the labels were computed on (only its hash is stored).
    seen : mapping, optional
        ``{field: {cluster_id: value}}``: the label each proposed cluster had when the
        rules ran; a cluster not in it had none. A label that differs at apply time is kept.
    overwrite : bool
        The proposal replaces labels whatever they became since (the rules ran with overwrite).
    rules : list of str, optional
        What produced them (kept for the record).
    source : str
        Who proposed them (shown in the log when they are applied).

    Returns
    -------
    Path or None
        The file written, or None when ``labels`` holds no label (a previous proposal is removed).
    """
    path = Path(phy_dir) / PROPOSED_LABELS_NAME
    clean = {str(f): {str(int(c)): v for c, v in values.items()} for f, values in labels.items() if values}
    if not clean:
        path.unlink(missing_ok=True)
        return None
    seen = seen or {}
    was = {f: {c: _plain((seen.get(f) or {}).get(int(c))) for c in values} for f, values in clean.items()}
    data = {"version": _VERSION, "source": source, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "spike_clusters": hash_array(spike_clusters), "rules": list(rules or []), "overwrite": bool(overwrite),
            "labels": clean, "seen": was}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True))
    return path


def _plain(value: Any) -> Any:
    """A label value as JSON keeps it (numpy scalars as Python ones)."""
    return value.item() if hasattr(value, "item") else value


def _label(field: str, value: Any) -> Any:
    """A label value compared for "did it change": no value, ``""`` and (group) ``unsorted`` are one."""
    if value is None or value == "" or (field == "group" and value == "unsorted"):
        return None
    return value


def read_proposed_labels(phy_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The pending proposal of a folder (the JSON above, labels and seen keyed by int ids), or None.

    Raises
    ------
    ValueError
        The file exists but is not a proposal this version can read.
    """
    path = Path(phy_dir) / PROPOSED_LABELS_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return _parse(path, text)


def _parse(path: Path, text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != _VERSION or not isinstance(data.get("labels"), dict):
        raise ValueError(f"{path} is not a label proposal of version {_VERSION}.")
    data["labels"] = {str(f): {int(c): v for c, v in values.items()} for f, values in data["labels"].items()}
    data["seen"] = {str(f): {int(c): v for c, v in values.items()} for f, values in (data.get("seen") or {}).items()}
    return data


class AppliedProposal:
    """A proposal a session applied: :meth:`settle` it when the session saves.

    Attributes
    ----------
    path : Path
        The proposal file.
    update : UpdateInfo or None
        The action that applied it (None: nothing was left to change).
    """

    def __init__(self, path: Path, text: str, update: UpdateInfo | None) -> None:
        self.path, self._text, self.update = path, text, update

    def settle(self) -> None:
        """The session saved: rename the file ``proposed_labels.applied.json``, unless it is
        gone or is another proposal by now (a batch wrote a new one while the session was open)."""
        try:
            if self.path.read_text(encoding="utf-8") != self._text:
                return
        except FileNotFoundError:
            return
        os.replace(self.path, self.path.with_name(APPLIED_NAME))


def apply_proposed_labels(supervisor: Supervisor, phy_dir: str | os.PathLike[str],
                          spike_clusters: npt.ArrayLike) -> AppliedProposal | None:
    """Apply a folder's pending proposal as one undoable action (see the module docstring).

    Parameters
    ----------
    supervisor : Supervisor
        The session's (its editor records the action and journals it).
    phy_dir : path
        The folder's ``.phy``.
    spike_clusters : array-like
        The assignment read from the folder (``model.spike_clusters``), to check that the
        proposal was made on it.

    Returns
    -------
    AppliedProposal or None
        The proposal applied, to :meth:`~AppliedProposal.settle` when the session saves;
        None when there was no (valid) proposal. Labels a curator changed since the
        batch ran are skipped (logged).
    """
    folder = Path(phy_dir)
    path = folder / PROPOSED_LABELS_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        logger.warning("Label proposal not applied: %s", e)
        return None
    try:
        data = _parse(path, text)
    except ValueError as e:
        logger.warning("Label proposal not applied: %s", e)
        os.replace(path, folder / "proposed_labels.unreadable.json")
        return None
    if data.get("spike_clusters") != hash_array(spike_clusters):
        aside = folder / "proposed_labels.stale.json"
        os.replace(path, aside)
        logger.warning("The labels %s proposed were made for another clustering (the folder was saved since); "
                       "not applied, kept in %s.", data.get("source", "a batch"), aside)
        return None
    source = data.get("source", "a batch")
    existing = set(supervisor.clustering.cluster_ids.tolist())
    fields = set(supervisor.fields)
    labels: dict[str, dict[int, Any]] = {}
    kept: list[str] = []
    for field, proposed in data["labels"].items():
        current = supervisor.get_labels(field) if field in fields else {}
        seen = data["seen"].get(field, {})
        for c, value in proposed.items():
            if c not in existing or _label(field, current.get(c)) == _label(field, value):
                continue  # merged away, or already so (a crash journal replayed the proposal)
            if not data.get("overwrite") and _label(field, current.get(c)) != _label(field, seen.get(c)):
                kept.append(f"{field} of {c}: {current.get(c)!r} (the batch saw {seen.get(c)!r}, proposed {value!r})")
                continue
            labels.setdefault(field, {})[c] = value
    if kept:
        logger.warning("%d label(s) %s proposed were not applied: they changed since the batch ran, the "
                       "current ones are kept: %s.", len(kept), source, "; ".join(kept))
    clusters = sorted({c for values in labels.values() for c in values})
    up = None
    if clusters:
        # Editor.restore makes the labels of these clusters exactly the given ones: start
        # from their current labels so that only the proposed fields change.
        values = supervisor.cluster_meta.values(clusters)
        for field, new in labels.items():
            values.setdefault(field, {}).update(new)
        up = supervisor.editor.restore([], [], clusters, values)
        logger.info("Applied %d label(s) proposed by %s (one action: undo removes them).",
                    sum(len(v) for v in labels.values()), source)
    return AppliedProposal(path, text, up)
