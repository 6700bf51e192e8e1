"""Curation handed back to SpikeInterface: the session as SpikeInterface's curation model.

SpikeInterface applies a manual curation to a sorting with
``spikeinterface.curation.apply_curation(sorting, curation)``, where ``curation`` follows its
curation model, format version 2: ``unit_ids`` (the sorting's units), ``label_definitions``,
``manual_labels``, ``merges``, ``splits`` (spike indices within a unit) and ``removed``.
:func:`export_curation` writes a session's merges, splits and labels in that format, so that
applying it to the *original* sorting gives the units and spike trains of the session's
``spike_clusters.npy``.

**The original sorting.**
The clusters the sorter wrote, which are not always the folder's ``spike_clusters.npy``
any more (a save replaces it). :func:`original_assignment` takes, in this order:

1. ``spike_templates.npy`` when the folder was written by SpikeInterface's
   ``export_to_phy`` (it has ``cluster_si_unit_ids.tsv``): the exporter writes each
   spike's unit index there, and nothing rewrites it;
2. ``.phy/spike_clusters.original.npy``, the ``spike_clusters.npy`` that phycore's
   first save of the folder replaced (:func:`keep_original_assignment`, a hard link);
   when the folder had no ``spike_clusters.npy`` (the session started from
   ``spike_templates.npy``, as phy does), the first save, which creates it, keeps the
   loaded assignment there instead. A ``spike_clusters.npy`` present at the first save
   is the sorter's or phy's last save: the two cannot be told apart;
3. the assignment the session loaded (the folder has not been saved by phycore yet);
   for a folder curated and saved by phy before, this is phy's last save, the first
   state phycore saw.

Unit ids are the cluster ids of that assignment, mapped through
``cluster_si_unit_ids.tsv`` when it exists, so that the curation applies to the
SpikeInterface sorting itself (``export_to_phy`` numbers clusters 0..n-1 whatever the
sorting's unit ids are). Units without spikes are not in a phy folder: apply the
curation to ``sorting.remove_empty_units()``. The table does not say whether an id was
the string ``"0"`` or the integer 0: ids that read as integers are integers (sorters'
unit ids are; SpikeInterface's generated sortings use digit strings, rename them with
``sorting.rename_units(sorting.unit_ids.astype(int))``).

**Merges and splits.**
The session is described by where each original unit's spikes are now, not by its
history: a cluster made of whole original units is a merge, an original unit whose
spikes are now in several clusters is a split (``mode="indices"``: positions in the
unit's spike train, which is time-ordered like the folder's spikes). A cluster mixing
*parts* of several units (a merge then a split, for example) cannot be written in one
curation step (SpikeInterface applies merges before splits, and never both to one
unit), so such a session is written as a list of steps, SpikeInterface's
``SequentialCuration``: first the splits, then the merges. ``apply_curation`` takes
the file's content as it is in both cases (a dict, or a list of dicts).

New units get the session's cluster ids (``new_unit_id``/``new_unit_ids``), so the
curated sorting's unit ids are the cluster ids of ``spike_clusters.npy``, except where
SpikeInterface cannot follow: a cluster holding exactly one original unit's spikes
under a new id keeps the unit's id (SpikeInterface has no renaming step), and a new
cluster whose id is already a unit id of the original sorting (``export_to_phy``'s
cluster ids are not always the sorting's unit ids) gets an id above all others.

**Labels.**
phy's ``group`` becomes the exclusive label ``quality`` (``good``/``mua``/``noise``:
SpikeInterface's ``read_phy`` gives the same name to the same column); ``unsorted`` is
no label. Every other label field holding text (``KSLabel``, labels added with
``:label``...) becomes an exclusive label of its own name; numeric columns (metrics)
are left out. SpikeInterface labels merged units with their members' common label and
split units with their unit's label; where that cannot give a cluster its label, one
more step labels the final units directly.

**Removed units.**
Nothing is removed by default: ``noise`` stays a label, so the curated sorting has
every cluster of ``spike_clusters.npy`` (``read_phy(..., exclude_cluster_groups=
"noise")`` and SpikeInterface's label filters can drop them later). With
``remove_noise=True`` the clusters labelled ``noise`` are listed in ``removed``.

Spikes appended to a live session are not in the original sorting and are left out.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import numpy as np
import numpy.typing as npt

from phycore.paths import atomic_write_bytes, atomic_write_text, phy_dir



class _Session(Protocol):
    """What the export reads of a :class:`~phycore.controller.TemplateController` (a
    Protocol: the controller module imports this one)."""

    model: Any
    supervisor: Any
    dir_path: Path | None
    phy_dir: Path

__all__ = ["export_curation", "curation_steps", "original_assignment", "keep_original_assignment",
           "si_unit_ids", "ORIGINAL_NAME", "QUALITY"]

logger = logging.getLogger(__name__)

#: The first-saved ``spike_clusters.npy``, in ``<data>/.phy``.
ORIGINAL_NAME = "spike_clusters.original.npy"
#: SpikeInterface's name for phy's ``group`` label.
QUALITY = "quality"
_QUALITY_OPTIONS = ("good", "mua", "noise")
_NO_LABEL = ("unsorted",)
_SI_IDS_TSV = "cluster_si_unit_ids.tsv"

UnitId = Any  # int or str, as SpikeInterface's unit ids
Labels = dict[str, str]


# The original sorting ------------------------------------------------------------------------

def keep_original_assignment(dir_path: Path, state_dir: Path,
                             loaded: npt.ArrayLike | None = None) -> Path | None:
    """Before the first save of a folder, keep its original assignment as
    ``.phy/spike_clusters.original.npy``.

    Parameters
    ----------
    dir_path, state_dir : path
        The data folder and its ``.phy``.
    loaded : array of int, optional
        The assignment the session loaded (``model.spike_clusters`` as read). Kept when the
        folder has no ``spike_clusters.npy`` (the save is about to create it): the session
        then started from ``spike_templates.npy`` (or an ALF ``spikes.clusters.npy``), which
        is the original.

    Returns
    -------
    Path or None
        The file when this call made it (a save that fails before its commit point deletes
        it: such a save changes nothing), else None (already kept, or nothing to keep).

    Notes
    -----
    An existing ``spike_clusters.npy`` is kept by a hard link (the save renames a new file
    over the old name, so the link keeps the old content without a copy); ``loaded`` is
    written atomically.
    """
    src, dst = Path(dir_path) / "spike_clusters.npy", Path(state_dir) / ORIGINAL_NAME
    if dst.exists():
        return None
    if not src.exists():
        if loaded is None:
            return None
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(np.asarray(loaded).reshape(-1), dtype=np.int64))
        atomic_write_bytes(dst, buf.getvalue())
        return dst
    try:
        os.link(src, dst)
    except OSError:  # no hard links on this file system
        atomic_write_bytes(dst, src.read_bytes())
    return dst


def si_unit_ids(dir_path: Path | None) -> dict[int, UnitId] | None:
    """``{cluster id: SpikeInterface unit id}`` from ``cluster_si_unit_ids.tsv`` (written by
    ``export_to_phy``), or None without it. Ids are ints when they all read as ints."""
    if dir_path is None or not (Path(dir_path) / _SI_IDS_TSV).exists():
        return None
    with open(Path(dir_path) / _SI_IDS_TSV, newline="", encoding="utf-8") as f:
        rows = [(int(r["cluster_id"]), r["si_unit_id"].strip()) for r in csv.DictReader(f, delimiter="\t")]
    try:
        return {c: int(u) for c, u in rows}
    except ValueError:
        return dict(rows)


def original_assignment(controller: _Session) -> tuple[npt.NDArray[np.int64], str]:
    """The original sorting's cluster of each spike the folder holds, and where it was read
    (see the module's docstring for the order)."""
    model = controller.model
    n = int(model.n_spikes_loaded)
    d = controller.dir_path
    if d is not None and (d / _SI_IDS_TSV).exists():
        return np.asarray(model.spike_templates[:n], dtype=np.int64), "spike_templates.npy (export_to_phy)"
    # The folder's own .phy, also in a read-only session (whose phy_dir is elsewhere).
    kept = (phy_dir(d, create=False) if d is not None else controller.phy_dir) / ORIGINAL_NAME
    if d is not None and kept.exists():
        arr = np.load(kept, mmap_mode="r").reshape(-1)
        if arr.shape[0] == n:
            return np.asarray(arr, dtype=np.int64), str(kept)
        logger.warning("%s has %d spikes, the folder %d: using the loaded spike_clusters.", kept, arr.shape[0], n)
    return np.asarray(model.spike_clusters[:n], dtype=np.int64), "spike_clusters as loaded"


# Planning ----------------------------------------------------------------------------------

class _Ids:
    """SpikeInterface unit ids: the original units', the new clusters' and temporary ones."""

    def __init__(self, originals: Iterable[int], unit_id_of: Mapping[int, UnitId] | None,
                 new_clusters: Iterable[int]) -> None:
        self.of = {o: (unit_id_of.get(o, int(o)) if unit_id_of is not None else int(o)) for o in originals}
        self._taken: set[UnitId] = set(self.of.values())
        self.ints = all(isinstance(u, (int, np.integer)) for u in self._taken)
        new = sorted(new_clusters)
        own = [self._own(c) for c in new]
        self._taken |= set(own)
        # A new cluster whose id is an original unit's gets a fresh id above every other.
        self._new = {c: u if u not in self.of.values() else self.temporary() for c, u in zip(new, own)}

    def _own(self, cluster: int) -> UnitId:
        return int(cluster) if self.ints else str(cluster)

    def new(self, cluster: int) -> UnitId:
        """The unit id of a new cluster of the session."""
        return self._new[cluster]

    def temporary(self) -> UnitId:
        """A unit id used by nothing else (the parts of a multi-step curation)."""
        k = 0
        while True:
            k += 1
            u: UnitId = (max(self._taken, default=-1) + 1) if self.ints else f"phy{k}"
            if u not in self._taken:
                self._taken.add(u)
                return u


def _label_options(labels: Mapping[int, Labels]) -> dict[str, dict[str, Any]]:
    values: dict[str, set[str]] = defaultdict(set)
    for lab in labels.values():
        for k, v in lab.items():
            values[k].add(v)
    out = {}
    for key in sorted(values):
        options = sorted(values[key] | (set(_QUALITY_OPTIONS) if key == QUALITY else set()))
        if len(options) < 2:  # the model wants two; "" is SpikeInterface's own "no label"
            options = [""] + options
        out[key] = {"name": key, "label_options": options, "exclusive": True}
    return out


def _step(unit_ids: Iterable[UnitId]) -> dict[str, Any]:
    return {"format_version": "2", "unit_ids": list(unit_ids), "label_definitions": {},
            "manual_labels": [], "merges": [], "splits": [], "removed": []}


def curation_steps(original: npt.ArrayLike, final: npt.ArrayLike, labels: Mapping[int, Labels] | None = None,
                   *, unit_id_of: Mapping[int, UnitId] | None = None,
                   removed: Iterable[int] = ()) -> tuple[list[dict[str, Any]], dict[int, UnitId]]:
    """The curation steps turning the ``original`` assignment into ``final``.

    Parameters
    ----------
    original, final : array-like
        Cluster of each spike in the original sorting and now (same length, spikes in time order).
    labels : mapping, optional
        ``{final cluster: {label name: value}}``.
    unit_id_of : mapping, optional
        SpikeInterface unit id of each original cluster (default: the cluster id).
    removed : iterable of int
        Final clusters to remove.

    Returns
    -------
    steps : list of dict
        One curation (format 2) per step; apply them in order.
    final_ids : dict
        ``{final cluster: its unit id once the steps are applied}``.
    """
    orig = np.asarray(original, dtype=np.int64)
    fin = np.asarray(final, dtype=np.int64)
    if orig.shape != fin.shape:
        raise ValueError(f"original and final assignments differ in length: {orig.shape} != {fin.shape}")
    labels = {int(k): dict(v) for k, v in (labels or {}).items()}
    removed = {int(c) for c in removed}
    width = int(fin.max()) + 1 if fin.size else 1
    pairs = np.unique(orig * width + fin)
    finals_of: dict[int, list[int]] = defaultdict(list)  # original -> final clusters
    origs_of: dict[int, list[int]] = defaultdict(list)  # final -> original clusters
    for o, f in zip((pairs // width).tolist(), (pairs % width).tolist()):
        finals_of[o].append(f)
        origs_of[f].append(o)

    def kept(f: int) -> bool:  # one original unit, whole
        return len(origs_of[f]) == 1 and len(finals_of[origs_of[f][0]]) == 1

    ids = _Ids(finals_of, unit_id_of, [f for f in origs_of if not kept(f)])
    final_ids = {f: ids.of[origs_of[f][0]] if kept(f) else ids.new(f) for f in origs_of}
    split = sorted(o for o in finals_of if len(finals_of[o]) > 1)
    mixed = any(len(origs_of[f]) > 1 and any(len(finals_of[o]) > 1 for o in origs_of[f]) for f in origs_of)

    steps = [_step(ids.of[o] for o in finals_of)]
    piece: dict[tuple[int, int], UnitId] = {}  # (original, final) -> unit id of that part
    # Each unit's spikes in time order (a stable sort): split indices are positions in its train.
    order = np.argsort(orig, kind="stable") if split else np.zeros(0, dtype=np.int64)
    sorted_orig = orig[order]
    bounds = zip(np.searchsorted(sorted_orig, split).tolist(), np.searchsorted(sorted_orig, split, side="right").tolist())
    for o, (start, stop) in zip(split, bounds):
        for f in finals_of[o]:
            piece[o, f] = final_ids[f] if len(origs_of[f]) == 1 else ids.temporary()
        where = fin[order[start:stop]]
        groups = sorted(finals_of[o], key=lambda f: int(np.count_nonzero(where == f)))
        # The largest part is left implicit: SpikeInterface adds "the remaining spikes" itself.
        steps[0]["splits"].append({
            "unit_id": ids.of[o], "mode": "indices",
            "indices": [np.flatnonzero(where == f).tolist() for f in groups[:-1]],
            "new_unit_ids": [piece[o, f] for f in groups]})
    if mixed:
        after_splits = [ids.of[o] for o in finals_of if len(finals_of[o]) == 1] + list(piece.values())
        steps.append(_step(after_splits))
    last = steps[-1]
    # How each final cluster comes out of the last step: "kept" (an input unit), "merged"
    # (of these input units) or "split" (a part of this input unit, in a one-step curation).
    members: dict[int, list[UnitId]] = {}
    for f, os_ in origs_of.items():
        if len(os_) > 1:
            members[f] = [piece.get((o, f), ids.of[o]) for o in os_]
            last["merges"].append({"unit_ids": members[f], "new_unit_id": final_ids[f]})

    by_unit: dict[UnitId, Labels] = {}
    direct = True
    for f, os_ in origs_of.items():
        lab = labels.get(f, {})
        if f in members:
            units = members[f]
            direct &= f not in removed
        elif len(finals_of[os_[0]]) > 1 and not mixed:  # a part of a split unit
            units = [ids.of[os_[0]]]
            direct &= f not in removed and by_unit.get(units[0], lab) == lab
        else:
            units = [final_ids[f]]
            if f in removed:
                last["removed"].append(final_ids[f])
        for u in units:
            by_unit[u] = lab
    if not direct:
        last["removed"] = []
        last = _step(final_ids[f] for f in origs_of)
        steps.append(last)
        by_unit = {final_ids[f]: labels.get(f, {}) for f in origs_of}
        last["removed"] = [final_ids[f] for f in origs_of if f in removed]
    last["label_definitions"] = _label_options(labels)
    last["manual_labels"] = [{"unit_id": u, "labels": {k: [v] for k, v in lab.items()}}
                             for u, lab in by_unit.items() if lab]
    return steps, final_ids


# The session ---------------------------------------------------------------------------------

def _session_labels(controller: _Session, clusters: Iterable[int]) -> dict[int, Labels]:
    """``{cluster: {label: value}}``: ``group`` as ``quality`` and the text-valued fields."""
    sup = controller.supervisor
    clusters = list(clusters)
    out: dict[int, Labels] = {c: {} for c in clusters}
    for field in sup.fields:
        values = sup.get_labels(field)
        mine = {c: values.get(c) for c in clusters}
        texts = [v for v in mine.values() if v is not None]
        if not texts or not all(isinstance(v, str) for v in texts):
            continue  # numeric columns are metrics, not labels
        name = QUALITY if field == "group" else field
        if name == QUALITY and field != "group":
            logger.warning("Label field %r is not exported: SpikeInterface's %r is phy's group.", field, QUALITY)
            continue
        for c, v in mine.items():
            if v is not None and v != "" and not (field == "group" and v in _NO_LABEL):
                out[c][name] = str(v)
    return out


def export_curation(controller: _Session, path: str | os.PathLike[str], *,
                    remove_noise: bool = False) -> dict[str, Any]:
    """Write the session's curation for SpikeInterface's ``apply_curation``; returns it.

    Parameters
    ----------
    controller : TemplateController
        The session (its current, possibly unsaved, clustering and labels).
    path : path
        The JSON file to write (atomically).
    remove_noise : bool
        List the clusters labelled ``noise`` in ``removed`` (default: keep them, labelled).

    Returns
    -------
    dict
        The curation written: one curation (format 2) when one step expresses the session,
        else ``{"curation_steps": [...]}`` (SpikeInterface's ``SequentialCuration``), whose
        list of steps is what the file holds. See the module's docstring.
    """
    original, source = original_assignment(controller)
    n = original.shape[0]
    final = np.asarray(controller.supervisor.clustering.spike_clusters[:n], dtype=np.int64)
    if controller.supervisor.clustering.n_spikes > n:
        logger.warning("%d appended spikes are not in the original sorting: left out of the curation.",
                       controller.supervisor.clustering.n_spikes - n)
    clusters = np.unique(final).tolist()
    labels = _session_labels(controller, clusters)
    noise = [c for c in clusters if labels[c].get(QUALITY) == "noise"] if remove_noise else []
    steps, _ = curation_steps(original, final, labels, unit_id_of=si_unit_ids(controller.dir_path), removed=noise)
    content: Any = steps[0] if len(steps) == 1 else steps
    atomic_write_text(path, json.dumps(content, indent=1) + "\n")
    logger.info("Curation (%d step(s), original sorting from %s) written to %s.", len(steps), source, path)
    return steps[0] if len(steps) == 1 else {"curation_steps": steps}
