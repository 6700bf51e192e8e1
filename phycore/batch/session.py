"""The work of one session of a batch, run by whatever engine (in a worker process).

:func:`run_session` opens the folder with a headless, read-only
:class:`~phycore.controller.TemplateController` without caches: it takes no lock, never
touches a crash journal or the curation files, and writes nothing outside the folder's
``.phy/`` (so it may run while a curator has the folder open). It then

1. reads the cluster table: the quality metrics (:mod:`phycore.controller._metrics`),
   the built-in columns and the labels, one row per unit;
2. evaluates the label rules (:mod:`phycore.batch.rules`) on those rows;
3. exports the curation for SpikeInterface
   (:func:`phycore.controller.curation.export_curation`); an export that fails fails the
   session (its other results are not written, so the next run does it again);

and writes, atomically, into ``<folder>/.phy/``:

- ``batch/metrics.tsv``: the metric report, one row per unit (the form of ``cluster_info.tsv``,
  plus a ``proposed_<field>`` column per label field the rules set);
- ``proposed_labels.json``: the proposed labels, applied by the folder's next writable
  session as one undoable action (:mod:`phycore.controller.proposed_labels`);
- ``batch/curation.json``: the curation export;
- ``batch/result.json``, last: the record of the run (fingerprint, units, labels, export
  status). Its presence with the current fingerprint is what makes a later run skip
  the session, so a session interrupted before it is simply done again.

Fingerprint (:func:`session_fingerprint`): :func:`phycore.paths.fingerprint_files` (the
function the controller's cache uses: name, size and modification time of each file,
its content when at most 16 MiB, else its first and last MiB) over ``params.py`` and
the folder's ``*.npy`` and ``*.tsv`` files; the name, size and modification time (never
the content: they are gigabytes) of the raw data files ``params.py`` names (``dat_path``)
and of their metadata files (SpikeGLX ``.meta``, mtscomp ``.ch``, Open Ephys
``structure.oebin``), missing ones included, since the SNR metric reads the raw data: a
session first run without its raw data runs again when the data appears; combined with
the batch parameters that change the results (rules, overwrite, export) and the phycore
version.

Errors never escape: a failing session returns a :class:`SessionResult` with status
``"failed"``, its error and traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from phycore import __version__
from phycore.batch.rules import LabelRule, propose_labels
from phycore.controller import TemplateController
from phycore.controller.curation import export_curation
from phycore.controller.proposed_labels import write_proposed_labels
from phycore.model.params import clean_dat_path, read_params
from phycore.model.tables import cluster_info_bytes
from phycore.paths import atomic_write_bytes, atomic_write_text, fingerprint_files, phy_dir

__all__ = ["ExportError", "SessionConfig", "SessionResult", "run_session", "session_fingerprint", "params_path"]

logger = logging.getLogger(__name__)

#: Bump when what a session computes or writes changes: every session is then redone.
RESULT_VERSION = 1
RESULT_NAME = "result.json"
#: Row keys of the cluster table that are not per-unit results.
_NOT_REPORTED = ("is_masked",)


@attrs.frozen
class SessionConfig:
    """What every session of a batch does (picklable: sent to the workers).

    Attributes
    ----------
    rules : tuple of LabelRule
        Auto-label rules, in priority order.
    overwrite_labels : bool
        Rules may change a label a unit already has.
    export : bool
        Export the curation (SpikeInterface format) too.
    force : bool
        Redo sessions whose fingerprint did not change.
    """

    rules: tuple[LabelRule, ...] = ()
    overwrite_labels: bool = False
    export: bool = True
    force: bool = False

    def key(self) -> dict[str, Any]:
        """The parameters that change a session's results (part of its fingerprint)."""
        return {"rules": [str(r) for r in self.rules], "overwrite_labels": self.overwrite_labels,
                "export": self.export, "phycore": __version__, "result_version": RESULT_VERSION}


@attrs.frozen
class SessionResult:
    """The outcome of one session.

    Attributes
    ----------
    folder : str
        The session folder (as given, absolute).
    status : str
        ``"done"``, ``"skipped"`` (unchanged since a run whose results are reused) or ``"failed"``.
    units : tuple of dict
        One row per unit, by cluster id: ``id``, the cluster-table columns (quality
        metrics...), the labels, and ``proposed_<field>`` (None where no rule applies).
    proposed : dict
        ``{field: {cluster_id: value}}`` the rules proposed.
    export : str
        ``"done"`` or ``"off"`` (an export that fails fails the session).
    fingerprint : str
    error : str
        ``"<Exception type>: <message>"`` of a failed session.
    traceback : str
    seconds : float
        Time the session took (in the run that computed it).
    output_dir : str
        Where its files are (``<folder>/.phy/batch``).
    """

    folder: str
    status: str
    units: tuple[dict[str, Any], ...] = ()
    proposed: dict[str, dict[int, str]] = attrs.field(factory=dict)
    export: str = "off"
    fingerprint: str = ""
    error: str = ""
    traceback: str = ""
    seconds: float = 0.0
    output_dir: str = ""

    @property
    def ok(self) -> bool:
        """Whether the session has results (done or skipped)."""
        return self.status != "failed"


def params_path(folder: str | Path) -> Path:
    """The ``params.py`` of a session given as its folder or the file itself.

    Raises
    ------
    FileNotFoundError
        There is no such file.
    """
    p = Path(folder)
    path = p / "params.py" if p.is_dir() or p.suffix != ".py" else p
    if not path.is_file():
        raise FileNotFoundError(f"No params.py in {p}.")
    return path


def _inputs(folder: Path) -> list[Path]:
    return [folder / "params.py"] + sorted(p for p in folder.iterdir()
                                           if p.suffix in (".npy", ".tsv") and p.is_file())


def _raw_inputs(params: Path) -> list[Path]:
    """The raw data files ``params.py`` names and the metadata files beside them, found or not."""
    out = []
    for name in clean_dat_path(read_params(params).get("dat_path")):
        raw = Path(name) if Path(name).is_absolute() else params.parent / name
        out += [raw, raw.with_suffix(".meta"), raw.with_suffix(".ch")]
        if raw.name == "continuous.dat":  # Open Ephys: structure.oebin a few folders up
            out += [parent / "structure.oebin" for parent in list(raw.parents)[:4]]
    return out


def session_fingerprint(folder: str | Path, config: SessionConfig) -> str:
    """The fingerprint of a session's inputs and the batch parameters (see the module docstring)."""
    params = params_path(folder)
    files = fingerprint_files(_inputs(params.parent))
    raw = fingerprint_files(_raw_inputs(params), content=False)
    key = json.dumps(config.key(), sort_keys=True)
    return hashlib.blake2b(f"{files}\x00{raw}\x00{key}".encode(), digest_size=16).hexdigest()


def _plain(value: Any) -> Any:
    """A JSON/CSV-friendly cell: numpy scalars as Python ones, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _unit_rows(controller: TemplateController, proposed: Mapping[str, Mapping[int, str]]) -> list[dict[str, Any]]:
    rows = []
    for row in sorted(controller.supervisor.cluster_info, key=lambda r: int(r["id"])):
        unit = {k: _plain(v) for k, v in row.items() if k not in _NOT_REPORTED}
        for field, values in proposed.items():
            unit[f"proposed_{field}"] = values.get(int(row["id"]))
        rows.append(unit)
    return rows


class ExportError(RuntimeError):
    """The curation export of a session failed (the session fails with it)."""


def _export(controller: TemplateController, out: Path) -> str:
    try:
        export_curation(controller, out / "curation.json")
    except Exception as e:
        raise ExportError(f"curation export failed: {type(e).__name__}: {e}") from e
    return "done"


def _read_record(out: Path, fingerprint: str, folder: str) -> SessionResult | None:
    try:
        data = json.loads((out / RESULT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != RESULT_VERSION or data.get("fingerprint") != fingerprint:
        return None
    return SessionResult(folder=folder, status="skipped", units=tuple(data["units"]),
                         proposed={f: {int(c): v for c, v in values.items()} for f, values in data["proposed"].items()},
                         export=data["export"], fingerprint=fingerprint, seconds=float(data["seconds"]),
                         output_dir=str(out))


def _write_record(out: Path, result: SessionResult, rules: Sequence[LabelRule]) -> None:
    data = {"version": RESULT_VERSION, "fingerprint": result.fingerprint, "folder": result.folder,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "seconds": result.seconds,
            "rules": [str(r) for r in rules], "export": result.export, "units": list(result.units),
            "proposed": {f: {str(c): v for c, v in values.items()} for f, values in result.proposed.items()}}
    atomic_write_text(out / RESULT_NAME, json.dumps(data, indent=1))


def run_session(folder: str | Path, config: SessionConfig) -> SessionResult:
    """Do a session's work, or reuse its results when its fingerprint did not change.

    Never raises for a problem of the session: it is reported in the result.
    """
    t0 = time.perf_counter()
    name = str(Path(folder).absolute())
    try:
        params = params_path(folder)
        name = str(params.parent.absolute())
        fingerprint = session_fingerprint(params.parent, config)
        out = phy_dir(params.parent) / "batch"
        if not config.force:
            previous = _read_record(out, fingerprint, name)
            if previous is not None:
                return previous
        controller = TemplateController(params, read_only=True, cache=False, metrics=True)
        try:
            rows = controller.supervisor.cluster_info
            proposed = propose_labels(rows, config.rules, fields=controller.supervisor.fields,
                                      overwrite=config.overwrite_labels)
            # The labels the rules saw: a curator's label that differs at apply time is kept.
            by_id = {int(row["id"]): row for row in rows}
            seen = {f: {c: by_id[c].get(f) for c in values} for f, values in proposed.items()}
            units = _unit_rows(controller, proposed)
            out.mkdir(parents=True, exist_ok=True)
            export = _export(controller, out) if config.export else "off"
            spike_clusters = controller.model.spike_clusters
        finally:
            controller.close()
        atomic_write_bytes(out / "metrics.tsv", cluster_info_bytes(units))
        write_proposed_labels(out.parent, proposed, spike_clusters, seen=seen, overwrite=config.overwrite_labels,
                              rules=[str(r) for r in config.rules])
        result = SessionResult(folder=name, status="done", units=tuple(units), proposed=proposed, export=export,
                               fingerprint=fingerprint, seconds=time.perf_counter() - t0, output_dir=str(out))
        _write_record(out, result, config.rules)
        return result
    except Exception as e:  # noqa: BLE001 - one session's failure must not stop the batch
        logger.debug("Session %s failed.", name, exc_info=True)
        return SessionResult(folder=name, status="failed", error=f"{type(e).__name__}: {e}",
                             traceback=traceback.format_exc(), seconds=time.perf_counter() - t0)
