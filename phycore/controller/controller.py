"""TemplateController: one curation session over a Kilosort/phy folder, GUI or not.

Threads: the controller belongs to the thread that creates it. From any other thread,
only :meth:`TemplateController.append_spikes` and :attr:`TemplateController.n_pending_spikes`
may be called; everything else (actions, ``poll``, ``apply_pending``, data getters) runs
on the owner thread.

This module is over the ~400-line guideline: it is the one public class of the
controller layer, and most of its length is phy's data-getter names (``get_waveforms``,
``get_features``...) as documented one-line delegations to the parts in this package.
The crash-journal reading and replay (about 90 lines) are the next candidate to move
into an object of their own.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
import threading
import time
import weakref
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import numpy.typing as npt

from phycore.threads import on_thread
from phycore.paths import fallback_phy_dir, phy_dir, user_dir
from phycore.cache import Context, fingerprint_files
from phycore.clustering import Clustering
from phycore.controller._columns import ClusterColumns
from phycore.controller._data import ViewData
from phycore.controller._metrics import QualityColumns
from phycore.controller._phy_names import PhyControllerNames
from phycore.controller._raw_filter import RawDataFilter
from phycore.controller._session_caches import SessionCaches
from phycore.controller._similarity import TemplateSimilarity
from phycore.controller.curation import export_curation, keep_original_assignment
from phycore.controller.folder_lock import FolderLock
from phycore.controller.live_spikes import PendingSpikes, appended_files
from phycore.controller.proposed_labels import apply_proposed_labels
from phycore.controller.merge_review import MergeReview
from phycore.controller.save_transaction import SaveTransaction, recover_interrupted_save
from phycore.errors import DataFormatError, FolderLockedError, StateFileError
from phycore.frontends import get_frontend
from phycore.model import TemplateModel, load_model
from phycore.model.events import check_event_times, load_events
from phycore.model.tables import cluster_info_bytes, write_cluster_tsv
from phycore.model.writers import spike_clusters_bytes
from phycore.plugins import attach_plugins, load_config
from phycore.signals import deliver_pending, emit, owner_thread
from phycore.supervisor import Journal, Supervisor
from phycore.supervisor.journal import hash_array

__all__ = ["TemplateController"]

logger = logging.getLogger(__name__)

JOURNAL_NAME = "journal.jsonl"


def _templates_prefetched(model: TemplateModel, context: Context | None) -> npt.NDArray[np.int64]:
    """Every template's unwhitened waveform, best channels and amplitude (the ``ch``,
    ``depth`` and ``amp`` columns; kept in the Context's folder when there is one), and
    the main template of each loaded cluster."""
    if context is None or context.disabled:
        model.prefetch_templates()
    else:
        model.prefetch_templates(context.cache_dir / "templates", key=context.fingerprint)
    return model.clusters_templates


def _resolve_model(path: str | os.PathLike[str] | None, model: TemplateModel | None) -> TemplateModel:
    if model is not None:
        return model
    if path is None:
        raise TypeError("TemplateController needs a params.py path, a folder, or model=.")
    p = Path(path)
    return load_model(p / "params.py" if p.is_dir() else p)


class TemplateController(PhyControllerNames):
    """Model + Supervisor + Context + plugins: everything a curation session needs.

    phy's controller names (``get_template_counts``, ``get_cluster_amplitude``, the
    ``get_spike_*_amplitudes``, ``create_*_view``, the ``n_spikes_*`` budgets...) come
    from :class:`~phycore.controller._phy_names.PhyControllerNames`.

    Parameters
    ----------
    dir_path : path, optional
        The folder or its ``params.py``.
    model : TemplateModel, optional
        An already-built model (e.g. ``TemplateModel.from_arrays``) instead of a path.
    config_dir : path, optional
        User directory holding ``phy_config.py`` and ``plugins/`` (default ``~/.phy``
        or ``$PHY_USER_DIR``).
    plugins : sequence of str, optional
        Plugin names to attach besides ``c.TemplateGUI.plugins``.
    recover : bool or None
        What to do with a crash journal left by an earlier session: True replays it,
        False discards it, None (default) keeps it aside (``journal.jsonl.unrecovered-*``)
        and sets :attr:`recovery_entries` so a GUI can ask the user. Whatever the value,
        a save that a crash interrupted is finished (or undone, before its commit point)
        before the folder is read; see :mod:`phycore.controller.save_transaction`.
    clear_cache : bool
        Empty the dataset's cache first.
    metrics : bool, "background" or "deferred"
        Compute the quality-metric columns (presence ratio, ISI violations,
        contamination, amplitude cutoff, isolation distance, L-ratio) at load;
        ``"background"`` computes them on a worker thread and fills
        the columns when :meth:`poll` sees them ready; so are the rows of the clusters
        actions create (their cells are empty until then). ``"deferred"`` (the GUI's
        choice) is ``"background"`` with the worker started by :meth:`start_background`
        (or :meth:`wait`), so that it does not compete with the GUI's first frame. See
        :mod:`phycore.controller._metrics`.
    progress : callable, optional
        ``progress(step, fraction)`` while the metrics are computed.
    read_only : bool or None
        The session locks its folder (``.phy/session.lock``, see
        :class:`~phycore.controller.folder_lock.FolderLock`). None (default): when another
        live session holds the lock, open read-only with a logged warning naming it; True:
        always read-only; False: raise :class:`~phycore.errors.FolderLockedError` instead.
        A read-only session curates in memory only: it never reads, moves or writes the
        crash journal, does not persist the new-cluster-id counter, and :meth:`save`
        raises. It writes nothing in the data folder: its disk cache is in
        :func:`~phycore.paths.fallback_phy_dir` (under the user directory). In-memory
        models take no lock.
        A writable session applies the labels a ``phycore batch --label`` run proposed
        (``.phy/proposed_labels.json``) as one undoable action at the end of its
        construction, and keeps the file until a save includes them (a session never saved
        leaves it for the next one); see :mod:`phycore.controller.proposed_labels`.
    cache : bool
        False: no disk or memory cache (nothing written in the cache folder, and the
        input files are not fingerprinted), for work that reads a folder once, such as
        ``phycore batch``.

    Attributes
    ----------
    model, supervisor, context, config, plugins, gui
    read_only : bool
        Whether this session may write to its folder (see ``read_only`` above).
    read_only_reason : str
        Why it is read-only, e.g. ``"<folder> is open in another session (host, pid 12)"``;
        empty when it is not.
    lock : FolderLock or None
        The folder lock this session holds (None when read-only or in memory).
    phy_dir : Path
        Where the session keeps its cache and state: ``<data>/.phy``, or the
        :func:`~phycore.paths.fallback_phy_dir` of a read-only session or folder.
    cluster_metrics : dict
        ``{column: f(cluster_id)}``; plugins may add to it in ``attach_to_controller``.
    similarity_functions : dict
        ``{name: f(cluster_id) -> [(id, score)]}``; ``similarity`` names the one used.
    view_creator : dict
        ``{view name: factory}``; plugins add views here and phygui lists them.
    live_metrics_interval : float
        Live sessions: seconds between two batched recomputations of the quality
        metrics of the clusters that received spikes (in :meth:`poll`; default 2).
    live_metrics_budget : float
        Live sessions: seconds of metric recomputation one :meth:`poll` may spend
        (default 0.01), so that a GUI frame never waits for a whole refresh (600
        clusters of a 10M-spike session: about 0.3 s); None: no limit.
        :meth:`refresh_metrics` does them all at once.
    live_apply_interval : float
        Live sessions: least seconds between two applications of the queued spikes by
        :meth:`poll` (default 0: every poll). The cost of applying a batch grows with the
        clusters it touches more than with its spikes, so a GUI polling at 30-60 frames
        per second sets 0.1 (phygui does): ten table updates a second instead of one per
        frame. :meth:`apply_pending` always applies at once.
    clock : callable
        ``clock()``: the seconds :meth:`poll` measures the two intervals above with
        (default :func:`time.monotonic`); tests replace it with a clock they advance.
    spike_reorder : bool
        Whether the feature and amplitude views' time axes show ``spike_times_reordered.npy``
        (phy's ``ctrl+r``; see :meth:`toggle_spike_reorder` and :meth:`spike_times_of`).

    Events
    ------
    controller_ready(controller)
        At the end of construction.
    events_changed(controller, name)
        :meth:`set_events` changed the times of the event type ``name``.
    """

    gui_name = "TemplateGUI"
    live_metrics_interval = 2.0
    live_apply_interval = 0.0
    live_metrics_budget: float | None = 0.01
    clock: Callable[[], float] = staticmethod(time.monotonic)
    spike_reorder = False

    def __init__(
        self,
        dir_path: str | os.PathLike[str] | None = None,
        *,
        model: TemplateModel | None = None,
        config_dir: str | os.PathLike[str] | None = None,
        plugins: Sequence[str] | None = None,
        recover: bool | None = None,
        clear_cache: bool = False,
        metrics: bool | str = True,
        progress: Callable[[str, float], None] | None = None,
        read_only: bool | None = None,
        cache: bool = True,
    ) -> None:
        if not read_only:  # a read-only session writes nothing; the lock's holder finishes its saves
            recover_interrupted_save(dir_path if model is None else None, JOURNAL_NAME)
        self.model = _resolve_model(dir_path, model)
        self._owner = threading.get_ident()
        self._pending = PendingSpikes(self.model)
        # start_background()'s counting of every cluster's templates, kept by poll().
        self._template_counting: Future[Any] | None = None
        self._template_counts_kept = False
        self._last_metrics_refresh = 0.0
        self._last_apply = -float("inf")
        model_dir = getattr(self.model, "dir_path", None)
        self.dir_path: Path | None = Path(model_dir) if model_dir else None
        self._events = self._load_events()
        #: Bumped by every :meth:`set_events` (caches of aligned spikes key on it).
        self.events_generation = 0
        self.gui: Any = None
        self.recovery_entries: list[dict[str, Any]] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.phy_dir = self._make_phy_dir(read_only)
        self.lock: FolderLock | None = None
        self.read_only_reason = ""
        self._lock_owner: str | None = None
        self.read_only = self._lock_folder(read_only)
        if self.read_only and self.dir_path is not None:
            # A read-only session writes nothing in the folder: its disk cache (which also
            # prunes the folder's cache at start) goes to the user directory.
            self.phy_dir = fallback_phy_dir(self.dir_path)
        self.context = Context(self.phy_dir, fingerprint=self._fingerprint() if cache else "", enabled=cache)
        if clear_cache:
            self.context.clear()
        self.config_dir = Path(config_dir) if config_dir is not None else user_dir()
        self.config = load_config(self.config_dir)
        self._with_metrics = metrics
        self._progress = progress

        # Filled before the Supervisor exists so plugins can add columns / similarity.
        self.cluster_metrics: dict[str, Callable[[int], Any]] = {}
        self.similarity_functions: dict[str, Callable[[int], Any]] = {}
        self.similarity = "template"
        #: ``{view name: factory(gui)}``: views a GUI offers in its View menu (phy's API).
        self.view_creator: dict[str, Callable[..., Any]] = {}
        #: Named filters of :meth:`get_traces` and :meth:`get_waveforms` (phy's ``raw_data_filter``:
        #: ``raw``, ``high_pass``, then plugins' filters). phy always starts with ``high_pass``;
        #: a folder whose params.py says ``hp_filtered = True`` starts with ``raw`` here.
        self.raw_data_filter = RawDataFilter()
        self.raw_data_filter.add_default_filter(float(self.model.sample_rate))
        if getattr(self.model, "hp_filtered", False):
            self.raw_data_filter.set("raw")
        self.raw_data_filter.sender = self  # changes from now on emit raw_data_filter_changed
        self.plugins = attach_plugins(self, plugins, self.config, config_dir=self.config_dir)

        self.journal = (Journal(self.phy_dir / JOURNAL_NAME)
                        if self.dir_path is not None and not self.read_only else None)
        header, entries = self._read_old_journal(recover)
        # The new journal's header hashes the loaded assignment (80 MB at 10M spikes, 0.1 s):
        # on a worker thread (hashlib releases the GIL) while the supervisor is made.
        loaded_hash = (on_thread(functools.partial(hash_array, self.model.spike_clusters), "phycore-journal-hash")
                       if self.journal is not None and not entries else None)
        self.supervisor = self._make_supervisor(header if entries else None)
        if entries:
            self._resume_journal(entries)
        elif self.journal is not None:
            self.journal.start(self._journal_header(loaded_hash))
        # A writable folder: labels a batch proposed, as one action; the file is used up
        # only when a save includes them (see phycore.controller.proposed_labels).
        self._proposal = (apply_proposed_labels(self.supervisor, self.phy_dir, self.model.spike_clusters)
                          if self.journal is not None else None)
        emit("controller_ready", self)

    # Set-up --------------------------------------------------------------------------

    def _make_phy_dir(self, read_only: bool | None) -> Path:
        if self.dir_path is not None:
            # read_only=True: not even <data>/.phy is created (nor its writability probed).
            return fallback_phy_dir(self.dir_path) if read_only else phy_dir(self.dir_path)
        self._tmp = tempfile.TemporaryDirectory(prefix="phycore-")
        return Path(self._tmp.name)

    def _lock_folder(self, read_only: bool | None) -> bool:
        """Lock the data folder; return whether the session is read-only."""
        if read_only:
            self.read_only_reason = f"{self.dir_path or 'the model'} was opened read-only"
            return True
        if self.dir_path is None:  # in-memory model: nothing to lock
            return False
        lock = FolderLock(self.phy_dir, self.dir_path)
        if lock.acquire():
            self.lock = lock
            # Released by close(), or when this controller is dropped or fails to build.
            weakref.finalize(self, lock.release)
            return False
        error = lock.error()
        if read_only is False:
            raise error
        logger.warning("Opening read-only: %s Curation stays in memory and cannot be saved.", error)
        self.read_only_reason, self._lock_owner = str(error).rstrip("."), error.owner
        return True

    def _fingerprint(self) -> str:
        if self.dir_path is None:
            return "in-memory"
        names = [n for n in getattr(self.model, "files", []) if n.endswith(".npy")]
        return fingerprint_files(self.dir_path / n for n in names)

    def _make_supervisor(self, header: dict[str, Any] | None) -> Supervisor:
        spike_clusters = self.model.spike_clusters
        metadata = dict(getattr(self.model, "metadata", {}) or {})
        groups = metadata.pop("group", {})
        # Replaying a journal must recreate the same ids: start from the journal's counter
        # and only attach the persisted counter afterwards.
        recovering = header is not None
        # 0.3-0.5 s at 600 templates (a few ms once in the folder's cache), mostly in numpy and
        # BLAS (which release the GIL), from the model's arrays only: on a worker while the
        # Supervisor indexes the assignment.
        context = self.context if self.dir_path is not None else None  # the files it fingerprints
        templates = on_thread(lambda: _templates_prefetched(self.model, context), "phycore-templates")
        supervisor = Supervisor(
            spike_clusters,
            cluster_groups=groups,
            cluster_labels=metadata,
            cluster_metrics={},
            similarity=None,
            new_cluster_id=header.get("new_cluster_id") if header is not None else None,
            state_dir=None if recovering or self.read_only else self.phy_dir,
            journal=self.journal,
            save_callback=self._save_unless_read_only,
            spike_templates=self.model.spike_templates,
        )
        supervisor.context = self.context  # phy's supervisor.context
        self.columns = ClusterColumns(self.model, supervisor.clustering, initial_templates=templates.result())
        self.view_data = ViewData(self.model, supervisor.clustering, self.columns, self.context,
                                  raw_data_filter=self.raw_data_filter)
        self._apply_budgets()  # n_spikes_* that plugins set in attach_to_controller
        sim = TemplateSimilarity(self.model, supervisor.clustering, self.columns.best_channels,
                                 self.columns.template)
        self._template_sim = sim  # phy's template_similarity, even if a plugin replaces "template"
        self.similarity_functions.setdefault("template", sim)
        supervisor.similarity = self._similar
        self.supervisor = supervisor  # plugin columns may look it up
        self.quality = QualityColumns(self.model, supervisor.clustering, self._progress,
                                      background=self._with_metrics in ("background", "deferred"),
                                      deferred=self._with_metrics == "deferred",
                                      context=self.context if self.dir_path is not None else None,
                                      ) if self._with_metrics else None
        quality = self.quality.as_metrics() if self.quality is not None else {}
        # phy's order: id, the built-in columns (ch, sh, depth, fr, amp), n_spikes, the labels
        # (folder tsv files), then quality metrics and plugin columns.
        for name, func in self.columns.as_metrics().items():
            supervisor.add_column(name, func, before="n_spikes")
        for name, func in {**quality, **self.cluster_metrics}.items():
            supervisor.add_column(name, func)
        self.cluster_metrics = supervisor.cluster_metrics
        self.caches = SessionCaches(self.model, supervisor.clustering, self.context, self.columns, sim,
                                    lambda: self.quality)
        supervisor.add_observer(self.caches)
        supervisor.cluster_table.sort_by("n_spikes", "desc")
        supervisor.actions.add(self.split_init, shortcut="shift+ctrl+k")
        return supervisor

    def split_init(self, *cluster_ids: int) -> Any:
        """Split clusters (default: the selection) back into their original templates."""
        ids = [int(c) for c in cluster_ids] or self.supervisor.selected
        if not ids:
            return None
        spike_ids = self.supervisor.clustering.spikes_in_clusters(ids)
        templates = np.asarray(self.model.spike_templates[spike_ids], dtype=np.int64)
        _, rel = np.unique(templates, return_inverse=True)
        return self.supervisor.split(spike_ids, rel)

    def _similar(self, cluster_id: int) -> Any:
        return self.similarity_functions[self.similarity](cluster_id)

    # Crash journal -------------------------------------------------------------------

    def _journal_header(self, spike_clusters_hash: Future[str] | None = None) -> dict[str, Any]:
        return {
            "spike_clusters": (hash_array(self.supervisor.clustering.spike_clusters) if spike_clusters_hash is None
                               else spike_clusters_hash.result()),
            "new_cluster_id": int(self.supervisor.clustering.new_cluster_id()),
            "created": time.time(),
        }

    def _read_old_journal(self, recover: bool | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if self.journal is None or not self.journal.path.exists():
            return {}, []
        # The ids this journal's actions handed out were made durable by the journal only
        # (the counter file is only written at close): store them durably before the
        # journal is replayed, set aside or discarded, so that no later session reuses them.
        floor = Journal.id_floor(self.journal.path)
        if floor:
            Clustering.raise_stored_counter(self.phy_dir, floor)
        try:
            header, entries = Journal.read(self.journal.path)
        except (StateFileError, OSError) as e:
            where = self._set_aside()
            logger.warning("%s It is kept aside as %s and not replayed; the folder opens at its last save.",
                           e, where)
            return {}, []
        if not entries:
            # A header followed only by unreadable lines: keep those lines, start afresh.
            self.journal.set_aside_after(0)
            return {}, []
        if header.get("spike_clusters") != hash_array(self.model.spike_clusters):
            logger.warning("The crash journal %s does not match spike_clusters.npy (the folder changed "
                           "since); it is kept aside and not replayed.", self.journal.path)
            self._set_aside()
            return {}, []
        if recover:
            return header, entries
        if recover is None:
            self.recovery_entries = entries
            where = self._set_aside()
            logger.warning("Found %d unsaved action(s) from a session that did not close properly; "
                           "kept in %s. Reopen with recover=True to replay them.", len(entries), where)
        else:
            self.journal.discard()
        return {}, []

    def _set_aside(self) -> Path:
        assert self.journal is not None
        target = self.journal.aside_path()
        os.replace(self.journal.path, target)
        return target

    def _resume_journal(self, entries: list[dict[str, Any]]) -> None:
        assert self.journal is not None
        # Entries after spikes were appended cannot be replayed on the folder's files.
        stop = next((k for k, e in enumerate(entries) if e.get("op") == "append"), len(entries))
        n = 0
        for entry in entries[:stop]:
            # One at a time, so that an entry that cannot be replayed (a line that parses but
            # is damaged, or written by another version) ends the replay instead of making
            # the folder impossible to open.
            try:
                self.supervisor.replay([entry])
            except Exception as e:  # noqa: BLE001 - whatever the entry, the folder must open
                logger.warning("The crash journal %s has an entry that cannot be replayed (action #%d: %s).",
                               self.journal.path, n + 1, e)
                break
            n += 1
        if stop < len(entries) and n == stop:
            logger.warning("The crash journal was replayed up to the point where spikes were appended "
                           "(%d action(s)); those spikes are not in the data files.", n)
        logger.info("Recovered %d unsaved action(s) from the crash journal.", n)
        # The replayed entries still describe the path from the saved state: keep them, and
        # move the rest out so that new actions are appended right after them.
        aside = self.journal.set_aside_after(n)
        if aside is not None:
            logger.warning("The crash journal %s was replayed up to action #%d; what follows it was skipped "
                           "and is kept in %s. The folder is open with the actions replayed so far.",
                           self.journal.path, n, aside)
        self.supervisor.clustering.attach_state_dir(self.phy_dir)
        self.journal.resume()

    @property
    def busy(self) -> tuple[str, float] | None:
        """``(what, fraction)`` of background work still running, or None."""
        q = self.quality
        if q is None or q.ready:
            return None
        step, fraction = q.progress or ("starting", 0.0)
        return (f"quality metrics: {step}", fraction)

    def start_background(self) -> None:
        """Start the background work held back until a GUI's first frame (it calls this
        then): the quality metrics' worker with ``metrics="deferred"``, and the template
        histogram of every cluster (the similarity table's first use, i.e. the first
        selection, counted them on the GUI thread: 30-300 ms on 10M spikes), kept by
        :meth:`poll`. Idempotent."""
        if self.quality is not None:
            self.quality.start()
        if self._template_counting is None:
            self._template_counting = on_thread(self.supervisor.clustering.count_templates, "phycore-template-counts")

    def poll(self) -> bool:
        """Bring finished background work and queued spikes into the session (call from the
        owning thread, e.g. once per GUI frame). Returns True when the tables changed.

        In order: deliver events queued by other threads (when this thread is the
        :func:`phycore.signals.set_owner_thread` owner), :meth:`apply_pending` (at most
        every :attr:`live_apply_interval` seconds), install
        the background quality metrics and the rows a worker computed for clusters that
        actions created (only their cells are updated), and every
        :attr:`live_metrics_interval` seconds a
        refresh round of the stale metrics, spread over as many polls as it needs at
        :attr:`live_metrics_budget` seconds each.
        """
        if owner_thread() == threading.get_ident():
            deliver_pending()
        now = self.clock()
        changed = False
        if now - self._last_apply >= self.live_apply_interval and self.n_pending_spikes:
            self._last_apply = now
            changed = bool(len(self.apply_pending()))
        counting = self._template_counting
        if counting is not None and counting.done() and not self._template_counts_kept:
            self._template_counts_kept = True
            exc = counting.exception()
            if exc is None:
                self.supervisor.clustering.keep_template_counts(counting.result())
            else:  # counted when first needed, as without it
                logger.warning("Counting the clusters' templates in the background failed.", exc_info=exc)
        if self.quality is not None and not self.quality.ready and self.quality.done:
            changed |= self._update_metric_columns(self.quality.install())
        if self.quality is not None and self.quality.n_pending:  # rows of new clusters, from the worker
            changed |= self._update_metric_columns(self.quality.collect())
        q = self.quality
        if q is not None and (q.refreshing or (q.n_stale and
                                               now - self._last_metrics_refresh >= self.live_metrics_interval)):
            if not q.refreshing:
                self._last_metrics_refresh = now
            ids = q.refresh(budget=self.live_metrics_budget)
            changed |= self._update_metric_columns(ids)
        return changed

    def _update_metric_columns(self, ids: list[int]) -> bool:
        assert self.quality is not None
        if not ids:  # polled every frame while new clusters' rows are computed
            return False
        cells = {name: {c: func(c) for c in ids} for name, func in self.quality.as_metrics().items()}
        self.supervisor.cluster_table.update_columns(cells)
        return True

    # Live acquisition ----------------------------------------------------------------

    def append_spikes(self, times: npt.ArrayLike, templates: npt.ArrayLike, amplitudes: npt.ArrayLike | None = None,
                      *, features: npt.ArrayLike | None = None,
                      template_features: npt.ArrayLike | None = None, waveforms: npt.ArrayLike | None = None,
                      waveform_channels: npt.ArrayLike | None = None,
                      clusters: npt.ArrayLike | None = None) -> npt.NDArray[np.int64]:
        """Queue new spikes from an acquisition source; **thread-safe**.

        The batch is validated now (a bad argument raises here and nothing is queued;
        see :meth:`TemplateModel.append_spikes` for the arguments) and applied on the
        owner thread by :meth:`poll` / :meth:`apply_pending`. Without ``clusters``,
        spikes go to the cluster holding most spikes of their template at that moment.

        Returns
        -------
        ndarray of int64
            The ids the spikes will have (batches get consecutive ids in call order).
        """
        return self._pending.push(times, templates, amplitudes, features=features,
                                  template_features=template_features, waveforms=waveforms,
                                  waveform_channels=waveform_channels, clusters=clusters)

    @property
    def n_pending_spikes(self) -> int:
        """Spikes queued by :meth:`append_spikes` and not applied yet; thread-safe."""
        return len(self._pending)

    def apply_pending(self) -> np.ndarray:
        """Apply the queued spikes now (owner thread): the model, the clustering and the
        rows of the clusters that received spikes are updated, ``spikes_added`` is emitted.
        Returns the ids of the spikes added."""
        if threading.get_ident() != self._owner:
            raise RuntimeError("apply_pending() must be called on the thread that created the controller.")
        ids = self._pending.apply(self.model, self.supervisor)
        if len(ids):
            self._refresh_rates()
        return ids

    def _refresh_rates(self) -> None:
        """The recording grew: every cluster's firing rate changes (n_spikes / duration)."""
        table = self.supervisor.cluster_table
        if "fr" in table.columns:
            fr = self.columns.fr
            table.update_values("fr", {c: fr(c) for c in self.supervisor.clustering.cluster_ids.tolist()})

    def refresh_metrics(self) -> list[int]:
        """Recompute now the quality metrics of every cluster that received spikes since the
        last refresh (in one go, including a round :meth:`poll` had started) and update
        their table cells; returns their ids."""
        if self.quality is None:
            return []
        ids = self.quality.refresh()
        self._update_metric_columns(ids)
        return ids

    def wait(self) -> None:
        """Block until background work (quality metrics, also of new clusters) is done and installed."""
        q = self.quality
        while q is not None and (not q.ready or q.n_pending):
            q.join()
            self.poll()

    # Saving --------------------------------------------------------------------------

    def _save_files(self, spike_clusters: np.ndarray, labels: dict[str, dict[int, Any]],
                    cluster_info: list[dict[str, Any]]) -> list[Path]:
        if self.dir_path is None:
            logger.info("In-memory model: nothing to save to disk.")
            return []
        n_file = self.model.n_spikes_loaded  # appended spikes are not in the sorter's files
        files = {self.dir_path / "spike_clusters.npy": spike_clusters_bytes(spike_clusters[:n_file])}
        files.update(appended_files(self.model, self.phy_dir, spike_clusters))
        for field, values in labels.items():
            files[self.dir_path / f"cluster_{field}.tsv"] = write_cluster_tsv(field, values).encode("utf-8")
        files[self.dir_path / "cluster_info.tsv"] = cluster_info_bytes(cluster_info)
        # The sorter's assignment outlives the first save: the curation export needs it.
        # (Without spike_clusters.npy the session loaded spike_templates, as phy does: that is
        # the original, and this save creates the file.)
        kept = keep_original_assignment(self.dir_path, self.phy_dir,
                                        loaded=self.model.spike_clusters[:n_file])
        # One transaction: killed at any point, the next open finds either the previous save
        # with its journal or this one with a fresh journal, never a mix (save_transaction.py).
        transaction = SaveTransaction(self.dir_path, self.phy_dir, journal=self.journal)
        try:
            written = transaction.write(files, self._journal_header() if self.journal is not None else None)
        except BaseException:
            # Failed before its commit point, the save changed nothing: its kept original goes
            # too. Past it (the manifest is on disk) the save did happen (the next save or open
            # finishes it), and the kept file is the only copy of the original left.
            if kept is not None and not transaction.manifest_path.exists():
                kept.unlink(missing_ok=True)
            raise
        logger.info("Saved %d files in %s.", len(written), self.dir_path)
        if self._proposal is not None:
            self._proposal.settle()
            self._proposal = None
        return written

    def save(self) -> list[Path]:
        """Save the clustering and labels (phy's files, with backups) as one transaction:
        a crash at any point leaves the previous save or this one, never a mix.

        Raises :class:`~phycore.errors.FolderLockedError` in a read-only session.
        """
        if self.read_only:
            raise self._read_only_error()
        return self.supervisor.save()

    # Data for views (phy's controller method names) -----------------------------------

    def get_best_channels(self, cluster_id: int) -> np.ndarray:
        """Best channels of a cluster."""
        return self.columns.best_channels(cluster_id)

    def get_best_channel(self, cluster_id: int) -> int:
        """Peak channel of a cluster."""
        return self.columns.best_channel(cluster_id)

    def get_template_for_cluster(self, cluster_id: int) -> int:
        """Main original template of a cluster."""
        return self.columns.template(cluster_id)

    def get_waveforms(self, cluster_id: int, n_spikes: int | None = None) -> Any:
        """Raw waveforms of sampled spikes on the best channels (:class:`SpikeData`), as phy's
        waveform view shows them: each spike's per-channel median subtracted, then the current
        :attr:`raw_data_filter` (see :meth:`ViewData.get_waveforms`)."""
        return self.view_data.get_waveforms(cluster_id, n_spikes)

    def spike_times_of(self, spike_ids: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Spike times (seconds) on the feature and amplitude views' time axes: those of
        ``spike_times_reordered.npy`` while :attr:`spike_reorder` is on and the folder has
        the file (phy's ``_get_spike_times_reordered``), else ``spike_times``."""
        reordered = self.model.spike_times_reordered if self.spike_reorder else None
        times = self.model.spike_times if reordered is None else reordered
        return np.asarray(times[np.asarray(spike_ids, dtype=np.int64)], dtype=np.float64)

    def toggle_spike_reorder(self, checked: bool | None = None) -> bool:
        """Turn spike reordering on or off (None: toggle) and emit phy's
        ``toggle_spike_reorder(controller, checked)``; returns the new state.

        Raises
        ------
        ValueError
            Turning it on when the folder has no ``spike_times_reordered.npy``.
        """
        on = (not self.spike_reorder) if checked is None else bool(checked)
        if on and self.model.spike_times_reordered is None:
            raise ValueError(f"spike reordering is unavailable: {self.dir_path} has no spike_times_reordered.npy")
        self.spike_reorder = on
        emit("toggle_spike_reorder", self, on)
        return on

    def get_spike_waveforms(self, spike_ids: npt.ArrayLike,
                            channel_ids: Sequence[int] | None = None) -> np.ndarray:
        """Waveforms of any spikes (all channels by default), median-subtracted and through the
        current :attr:`raw_data_filter`, like :meth:`get_waveforms` (not cached)."""
        return self.view_data.spike_waveforms(spike_ids, channel_ids)

    def get_template_waveforms(self, cluster_id: int) -> Any:
        """Main template of a cluster on its best channels."""
        return self.view_data.get_template_waveforms(cluster_id)

    def get_features(self, cluster_id: int, channel_ids: Sequence[int] | None = None,
                     load_all: bool = False) -> Any:
        """PC features of sampled spikes (all with ``load_all``)."""
        key = tuple(int(c) for c in channel_ids) if channel_ids is not None else None
        return self.view_data.get_features(cluster_id, key, load_all)

    def get_spike_ids(self, cluster_id: int, n: int | None = None) -> np.ndarray:
        """Spike ids of a cluster, at most ``n`` evenly spaced ones (all by default)."""
        return self.view_data.spikes(cluster_id, n)

    def get_feature_spike_ids(self, cluster_id: int, n: int | None = None) -> np.ndarray:
        """As :meth:`get_spike_ids`, among the spikes that have PC features (without
        ``pc_features.npy``: those whose waveforms ``extract-waveforms`` saved)."""
        return self.view_data.feature_spikes(cluster_id, n)

    def get_amplitudes(self, cluster_id: int, load_all: bool = False) -> np.ndarray | None:
        """Template amplitudes of the cluster's spikes, as phy: sampled (10,000 evenly spaced
        spikes, see :meth:`get_amplitude_data` for their ids) or all with ``load_all``."""
        data = self.view_data.get_amplitudes(cluster_id, load_all)
        return None if data is None else data.data

    def get_amplitude_data(self, cluster_id: int, load_all: bool = False) -> Any:
        """Amplitudes with their spike ids and times (:class:`SpikeData`)."""
        return self.view_data.get_amplitudes(cluster_id, load_all)

    def get_template_features(self, cluster_ids: Sequence[int], load_all: bool = False) -> Any:
        """Two clusters' spikes projected on their templates (:meth:`ViewData.get_template_features`)."""
        return self.view_data.get_template_features(cluster_ids, load_all)

    def get_correlograms(self, cluster_ids: Sequence[int], bin_size: float = 1e-3,
                         window_size: float = 50e-3) -> np.ndarray:
        """Cross-correlograms of clusters, ``(n, n, n_bins)``."""
        return self.view_data.get_correlograms(cluster_ids, bin_size, window_size)

    def export_curation(self, path: str | os.PathLike[str] | None = None, *, remove_noise: bool = False) -> Path:
        """Write the session's merges, splits and labels in SpikeInterface's curation format
        (for ``spikeinterface.curation.apply_curation`` on the original sorting); returns the
        file. Default: ``<data>/curation.json`` (``.phy``'s folder in a read-only session,
        which writes nothing in the data folder). See :mod:`phycore.controller.curation`."""
        if path is None:
            base = self.dir_path if self.dir_path is not None and not self.read_only else self.phy_dir
            path = base / "curation.json"
        export_curation(self, path, remove_noise=remove_noise)
        return Path(path)

    @functools.cached_property
    def merge_review(self) -> MergeReview:
        """Ranked merge candidates with review actions (:class:`~phycore.controller.merge_review.MergeReview`;
        made on first use, scored on first look at its pairs)."""
        return MergeReview(self)

    def get_traces(self, t0: float, t1: float, *, filtered: bool | None = None,
                   channel_ids: Sequence[int] | None = None) -> dict[str, Any]:
        """Traces and spikes in a time window (:meth:`ViewData.get_traces`).

        ``filtered=True`` applies phy's 150 Hz high-pass (filtered by cached blocks, no edge
        transient), ``False`` gives the raw samples, ``None`` (default) the raw samples
        through the current :attr:`raw_data_filter`. ``channel_ids`` reads only those
        channels (all by default).
        """
        out = self.view_data.get_traces(t0, t1, filtered=bool(filtered), channel_ids=channel_ids)
        if filtered is None and self.raw_data_filter.current != "raw":
            out["traces"] = self.raw_data_filter.apply(out["traces"], axis=0)
        return out

    # Events (stimuli, trials) ----------------------------------------------------------

    def _load_events(self) -> dict[str, npt.NDArray[np.float64]]:
        if self.dir_path is None:
            return {}

        def skip(e: DataFormatError) -> None:  # the folder still opens, with the other files' events
            logger.warning("%s The events of this file were not loaded (fix it and reopen, or use "
                           "controller.set_events).", e)

        return load_events(self.dir_path, duration=float(self.model.duration), on_error=skip)

    @property
    def events(self) -> dict[str, npt.NDArray[np.float64]]:
        """``{event type: sorted float64 times in seconds}``: the folder's ``events.tsv`` /
        ``events.csv`` / ``events.npy`` (docs/formats.md), then :meth:`set_events` changes."""
        return dict(self._events)

    def set_events(self, name: str, times: npt.ArrayLike | None) -> npt.NDArray[np.float64]:
        """Set (replace) the times of an event type, in seconds; None or no times removes
        the type. Emits ``events_changed(controller, name)``; returns the sorted times.

        Raises
        ------
        DataFormatError
            Times that are not a 1-D array of finite numbers (times outside the recording
            only give a warning).
        """
        name = str(name)
        checked = check_event_times([] if times is None else times, name=name, duration=float(self.model.duration))
        events = dict(self._events)  # a new dict: a view's worker may be reading the old one
        if checked.size:
            events[name] = checked
        else:
            events.pop(name, None)
        self._events = events
        self.events_generation += 1
        emit("events_changed", self, name)
        return checked

    # GUI and lifetime ----------------------------------------------------------------

    def create_gui(self, **kwargs: Any) -> Any:
        """Create the GUI window of this session through the installed front end (phygui).

        See :mod:`phycore.frontends`: phycore finds the GUI by its entry point and never
        imports it.
        """
        gui = get_frontend().create_gui(self, **kwargs)
        self.gui = gui
        return gui

    def close(self) -> None:
        """Release resources (the journal stays on disk until the next save)."""
        self.supervisor.editor.remove_observer(self.caches)
        if self.quality is not None:
            self.quality.close()
        if self.dir_path is not None and not self.context.disabled:  # the memcache survives a restart, as in phy
            self.caches.persist(self._fingerprint(), dirty=self.supervisor.is_dirty())
        if self.journal is not None:
            self.supervisor.clustering.flush_counter()  # each journal entry had it (Journal.id_floor)
            self.journal.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        if self.lock is not None:
            self.lock.release()

    def _save_unless_read_only(self, *args: Any, **kwargs: Any) -> list[Path]:
        # The Supervisor's own save (ctrl+s, phy's ``supervisor.save()``) comes here too.
        if self.read_only:
            raise self._read_only_error()
        return self._save_files(*args, **kwargs)

    def _read_only_error(self) -> FolderLockedError:
        return FolderLockedError(f"Cannot save: this session is read-only ({self.read_only_reason}); "
                                 "nothing was written.", path=self.dir_path, owner=self._lock_owner)

    def __repr__(self) -> str:
        return f"<TemplateController {self.dir_path or 'in-memory'}: {self.supervisor!r}>"
