"""Quality-metric columns of the cluster table (private).

Wraps :class:`phycore.analysis.ClusterMetrics`. The metrics of every cluster are
computed once at load, then only for the clusters an action creates.

Scripts (``background=False``, the controller's ``metrics=True``) get every value at
once: the initial table in the constructor, a new cluster's row when its cell is first
read. The GUI (``background=True``, ``metrics="background"``) never waits for them:

- The whole set-up runs on a worker thread: the metric objects, the copy of the
  cluster assignment, the disk-cache lookup, the read of the PC features' pool (see
  :mod:`phycore.analysis.isolation`) and the table. Until :meth:`QualityColumns.install`
  every cell is empty (None) and :attr:`QualityColumns.progress` says how far it is.
  With ``deferred=True`` the worker starts only at :meth:`QualityColumns.start` (a GUI
  calls it after its first frame, so that the set-up, which holds the GIL for parts of
  a second, does not delay that frame) or :meth:`QualityColumns.join`.
  The copy may race with an action; :meth:`~QualityColumns.install` keeps a row only if
  its spike count is the cluster's current one (cluster ids are never reused for other
  spikes, and a torn copy can only lose spikes of a cluster), so no row is ever shown
  for spikes the cluster does not have.
- After an action, the cells of a new cluster are empty until a worker thread (one job
  at a time) has computed its row from a copy of its spike ids; :meth:`collect` (called
  by the controller's ``poll``) installs the rows of clusters that still exist with
  the same number of spikes and gives their ids to update in the table. A job whose
  cluster changed meanwhile is computed again; one whose cluster is gone is dropped. A
  failing job is logged with its traceback, re-raised by :meth:`collect` when
  :func:`phycore.signals.raise_errors` is on (tests), and its cells stay empty.
  A GUI may *hold* the jobs (:meth:`QualityColumns.hold`) while its views' data jobs
  run: the new clusters' rows then wait for the views instead of taking a core from
  them (a merge's row ~35 ms of CPU, a split's 600 rows seconds); a job held for longer
  than ``_MAX_HOLD`` seconds starts anyway. A held job copies its cluster's spikes when
  it starts, not before (appended spikes meanwhile do not make it stale), and one whose
  cluster is gone by then (an undo) is dropped without being computed.
- The rows of deleted clusters are kept (the last ``_STORE_SIZE``): an undo or redo
  brings back clusters with exactly the spikes they had, so their rows come back at once
  instead of being computed again (checked: same spike count). Not once spikes were
  appended (live sessions): a row then also depends on the duration when it was
  computed.

Live sessions: clusters that receive appended spikes are marked *stale*; they keep
their previous values until :meth:`QualityColumns.refresh` recomputes all stale
clusters in one batch (the controller does it at most every
``live_metrics_interval`` seconds), so that 20,000 spikes/s do not mean a metric
computation per cluster and frame. A cluster that receives no spike keeps the values
of its last computation (presence ratio and rates refer to the duration then). After
appends the PC features' pool (:mod:`phycore.analysis.isolation`) is extended with some
of the appended rows, not read again from the file (a refresh never reads the whole
pool on the GUI thread); the isolation values may then differ slightly from those of a
session opened on the grown data, which reads its own pool.

The SNR column reads the templates and a few raw-data chunks (:func:`raw_noise_levels`),
the drift column the depths of the PC features' pool, the firing range the spike times:
all on the worker, like the others (definitions and the comparison with SpikeInterface:
``docs/metrics.md``).

The initial table is the costliest computation of a session, so with a Context it is
kept in the Context's disk cache: a later session on the same, unchanged folder with
the same clustering loads it instead. Its key holds the whole ``spike_clusters`` array
(so any change of any cluster is a miss) and what the model's arrays do not tell the
folder's fingerprint (duration, sample rate, metric settings, a sample of the spike
times and amplitudes, for models built in memory); the cache folder itself is per
fingerprint of the input files, so a changed folder never sees an old entry.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from phycore.analysis import ClusterMetrics, PCFeatures, TemplatePeaks, noise_levels
from phycore.cache import Context
from phycore.clustering import Clustering
from phycore.model import TemplateModel
from phycore.signals import raise_errors

__all__ = ["QualityColumns", "METRIC_COLUMNS"]

logger = logging.getLogger("phycore.controller")

#: Metrics shown as table columns (n_spikes and the firing rate already are).
METRIC_COLUMNS = ("presence_ratio", "isi_violation_ratio", "contamination", "amplitude_cutoff",
                  "isolation_distance", "l_ratio", "snr", "firing_range", "drift_ptp")
#: Raw-data chunks read for the SNR's noise levels: SpikeInterface reads 20 random chunks
#: of 10,000 samples; 8 of 4096 keep the read and the filtering of a 384-channel file
#: under a second (docs/metrics.md: the SNR's tolerance against SpikeInterface).
_NOISE_CHUNKS = 8
_NOISE_CHUNK_SAMPLES = 4096
_REFRESH_CHUNK = 4  # clusters recomputed between two looks at the clock of a budgeted refresh
_STORE_SIZE = 4096  # rows of deleted clusters kept for undo/redo (about 100 bytes each)
# Part of the disk-cache key: bump it when the metric definitions change.
_CACHE_VERSION = 3
#: Seconds a held job may wait for :meth:`QualityColumns.start_held` (or the hold to be
#: lifted) before :meth:`QualityColumns.collect` starts it.
_MAX_HOLD = 2.0


def _sketch(a: Any) -> np.ndarray:
    """A few thousand evenly spaced values of a per-spike array (cheap to hash)."""
    a = np.asarray(a)
    return np.ascontiguousarray(a[::max(1, a.size // 4096)])


def _has_pc_features(model: TemplateModel) -> bool:
    sf = getattr(model, "sparse_features", None)
    return sf is not None and sf.cols is not None


def raw_noise_levels(model: TemplateModel, n_chunks: int = _NOISE_CHUNKS,
                     chunk_samples: int = _NOISE_CHUNK_SAMPLES) -> np.ndarray:
    """Noise level per channel from a few raw-data chunks (filtered unless ``hp_filtered``).

    ``n_chunks`` chunks of ``chunk_samples`` samples, evenly spaced over the recording
    (deterministic; SpikeInterface draws 20 at random), each reduced to
    ``MAD / 0.6745`` per channel, averaged over the chunks
    (:func:`phycore.analysis.noise_levels`). Reads ``n_chunks * chunk_samples`` samples.
    """
    rate = float(model.sample_rate)
    duration = float(model.duration)
    length = min(chunk_samples / rate, duration)
    starts = np.linspace(0.0, max(0.0, duration - length), n_chunks)
    levels = [noise_levels(np.asarray(model.get_traces(t0, t0 + length, filtered=None), dtype=np.float64),
                           chunk_size=chunk_samples) for t0 in starts]
    out: np.ndarray = np.mean(levels, axis=0)
    return out


def _template_peaks(model: TemplateModel) -> TemplatePeaks:
    """The model's unwhitened templates in raw-data units, with the raw noise levels.

    Kilosort's ``amplitudes.npy`` scales each spike's template, so a template in raw-data
    units is the unwhitened template times its spikes' mean amplitude (phylib's
    ``get_amplitudes_true`` convention). SpikeInterface's ``export_to_phy`` writes the
    templates in µV and, as amplitudes, each spike's signed peak value: then the mean
    amplitude of a template's spikes is about its own extremum (ratio near 1, same sign,
    whereas Kilosort's positive scalings and negative peaks give a negative ratio) and
    the templates are used as they are.
    """
    n_t = int(model.n_templates)
    temps = [model.get_template(t) for t in range(n_t)]
    waves = [b.template for b in temps]
    scale = np.ones(n_t)
    amps = model.amplitudes
    if amps is not None:
        st = np.asarray(model.spike_templates)
        count = np.bincount(st, minlength=n_t)
        total = np.zeros(n_t)
        step = 1 << 20  # by chunks: no float64 copy of a 10M-spike amplitudes.npy
        for i in range(0, st.size, step):
            total += np.bincount(st[i:i + step], weights=np.asarray(amps[i:i + step], np.float64), minlength=n_t)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_amp = total / count
            peak = np.array([w.ravel()[np.argmax(np.abs(w))] if w.size else 0.0 for w in waves])
            ratio = mean_amp / peak
        ratio = ratio[np.isfinite(ratio)]
        if not (ratio.size and 0.5 <= float(np.median(ratio)) <= 2.0):
            scale = np.nan_to_num(mean_amp, nan=0.0)
    waves = [w * np.float32(k) for w, k in zip(waves, scale)]
    return TemplatePeaks(waves, model.spike_templates, raw_noise_levels(model),
                         channel_ids=[b.channel_ids for b in temps])


def _pc_features(model: TemplateModel) -> PCFeatures | None:
    sf = getattr(model, "sparse_features", None)
    if sf is None or sf.cols is None:
        return None
    return PCFeatures(sf.data, sf.cols, model.spike_templates, sf.rows)


class _Closed(Exception):
    """Raised in the set-up thread at its next progress step after :meth:`QualityColumns.close`."""


class _Job:
    """A row computed on the worker for one cluster, from a copy of its spikes taken when
    the job is submitted (``future`` is None until then: held)."""

    def __init__(self, cluster_id: int) -> None:
        self.cluster_id = cluster_id
        self.n_spikes = self.n_model = 0  # the spikes and the model's spikes it computes from
        self.future: Future[Any] | None = None
        self.since = time.monotonic()


class QualityColumns:
    """Per-cluster quality metrics as ``{column: f(cluster_id)}``.

    Parameters
    ----------
    model : TemplateModel
    clustering : Clustering
    progress : callable, optional
        ``progress(step, fraction)`` during the initial computation.
    background : bool
        Set up and compute the initial table on a worker thread, and the rows of the
        clusters actions create on another one (see the module docstring). Until
        :meth:`install` runs, values are None (shown empty) and :attr:`ready` is False.
    context : Context, optional
        Keep the initial table in this Context's disk cache (see the module docstring).
        Only for a model read from the folder the Context fingerprints.
    deferred : bool
        With ``background``: start the worker at :meth:`start` (or :meth:`join`), not now.

    Attributes
    ----------
    n_computed : int
        Clusters whose row was computed since the start (the initial table excluded);
        restored rows do not count.
    """

    def __init__(self, model: TemplateModel, clustering: Clustering,
                 progress: Callable[[str, float], None] | None = None, background: bool = False,
                 context: Context | None = None, deferred: bool = False) -> None:
        self.clustering = clustering
        self.model = model
        self.background = background
        self.metrics: ClusterMetrics = None  # type: ignore[assignment]  # built by _setup()
        self._context = context
        self._report: Callable[[str, float], None] | None = None
        self._cached_table: Callable[..., Any] | None = None
        self._stale: set[int] = set()
        self.ready = False
        self.error: BaseException | None = None
        #: Last ``(step, fraction)`` of the initial computation (read by a GUI's status bar).
        self.progress: tuple[str, float] | None = None
        self._round: list[int] = []
        self._jobs: dict[int, _Job] = {}
        self._failed: set[int] = set()
        self._store: OrderedDict[int, tuple[np.ndarray, int]] = OrderedDict()
        self._executor: ThreadPoolExecutor | None = None
        self._held = False
        self._queued: list[_Job] = []  # held jobs, oldest first
        self.n_computed = 0
        self._closed = False
        # Which columns exist, without building anything (the table needs them now).
        self._names = [n for n in METRIC_COLUMNS
                       if (n != "amplitude_cutoff" or model.amplitudes is not None)
                       and (n not in ("isolation_distance", "l_ratio", "drift_ptp") or _has_pc_features(model))
                       and (n != "snr" or model.has_raw_data)]
        self._thread: threading.Thread | None = None
        self._start_progress = progress
        if background:
            if not deferred:
                self.start()
        else:
            self._setup(progress)
            if self.error is not None:
                raise self.error
            self.ready = True

    def start(self) -> None:
        """Start the background set-up and initial computation (once; nothing without
        ``background``). Call on the thread that owns the Supervisor."""
        if self.background and self._thread is None:
            self._thread = threading.Thread(target=self._setup, args=(self._start_progress,),
                                            name="phycore-metrics", daemon=True)
            self._thread.start()

    def _setup(self, progress: Callable[[str, float], None] | None) -> None:
        """Build the metric objects and compute the initial table (on the worker thread
        when ``background``)."""
        t0 = time.perf_counter()

        def report(step: str, fraction: float) -> None:
            if self._closed:
                raise _Closed()
            self.progress = (step, fraction)
            if progress is not None:
                progress(step, fraction)

        try:
            report("starting", 0.0)
            model = self.model
            # Actions made while this copy is taken are reconciled by install(). Spikes
            # appended meanwhile (live sessions) are left out of every array alike, and
            # handed over later by _sync_spikes().
            spike_clusters = np.array(self.clustering.spike_clusters)
            n = min(len(spike_clusters), int(model.n_spikes))
            spike_clusters = spike_clusters[:n]
            amplitudes = model.amplitudes
            # SNR: templates and a few raw chunks; drift: depths of the PC features' pool.
            peaks = self._snr_inputs() if "snr" in self._names else None
            metrics = ClusterMetrics(model.spike_times[:n], duration=float(model.duration) or 1.0,
                                     amplitudes=None if amplitudes is None else amplitudes[:n],
                                     pc_features=_pc_features(model), template_peaks=peaks, firing_range=True,
                                     channel_y=np.asarray(model.channel_positions)[:, 1])
            self.metrics = metrics
            if self._context is not None:
                self._cached_table = self._context.cache(self._table)
            if self._cached_table is None:
                self._prepare(report)
                metrics.compute_all(spike_clusters, progress=report)
            else:
                self._report = report
                metrics.load_rows(self._cached_table(spike_clusters, self._cache_key()), spike_clusters)
                report("done", 1.0)
            # Drop the copy (80 MB for 10M spikes): rows of new clusters come from their spike ids.
            live = self.clustering.spike_clusters
            if len(live) == metrics.n_spikes:  # else spikes were appended: _sync_spikes() hands it over
                metrics.update(SimpleNamespace(added=[], deleted=[]), spike_clusters=live)
            del spike_clusters
        except _Closed:
            return
        except Exception as e:  # reported by install(); the session goes on without metrics
            if not self._closed:
                self.error = e
            return
        logger.info("Quality metrics of %d clusters computed in %.2f s.", len(self.metrics),
                    time.perf_counter() - t0)

    def _snr_inputs(self) -> TemplatePeaks | None:
        """The SNR's templates and noise; None (empty cells, logged) when the raw data
        cannot be read, so that the other metrics are still computed."""
        try:
            return _template_peaks(self.model)
        except Exception as e:  # noqa: BLE001 - a raw-data problem must not cost the other columns
            logger.warning("The SNR column stays empty: the raw data could not be read (%s).", e)
            return None

    def _prepare(self, report: Callable[[str, float], None] | None) -> None:
        pc = self.metrics.pc_features
        if pc is not None and not pc.pool_size:
            if report is not None:
                report("reading PC features", 0.0)
            pc.prepare()

    def _table(self, spike_clusters: np.ndarray, key: tuple[Any, ...]) -> dict[int, np.ndarray]:
        """The initial table as rows (disk-cached: ``self`` is not part of the key)."""
        self._prepare(self._report)
        self.metrics.compute_all(spike_clusters, progress=self._report)
        return self.metrics.rows()

    def _cache_key(self) -> tuple[Any, ...]:
        m, pc = self.metrics, self.metrics.pc_features
        pcs = None if pc is None else (pc.n_channels, pc.n_pcs, pc.max_cluster_spikes, pc.max_other_spikes,
                                       pc.pool_per_template, pc.max_pool_spikes, pc.features.shape)
        return (_CACHE_VERSION, m.columns, repr(m.params), m.duration, m.n_spikes,
                float(getattr(self.model, "sample_rate", 0.0) or 0.0), pcs, _sketch(m.spike_times),
                None if m.amplitudes is None else _sketch(m.amplitudes))

    @property
    def done(self) -> bool:
        """Whether the initial computation finished (successfully or not)."""
        return self.ready or (self._thread is not None and not self._thread.is_alive())

    def install(self) -> list[int]:
        """After a background computation: adopt it for the current clusters.

        Call on the thread that owns the Supervisor. Rows of clusters deleted meanwhile,
        or whose spikes changed since the copy the worker used, are dropped; the cells
        of clusters created meanwhile are computed on demand. Returns the current
        cluster ids whose values changed (to refresh in the table). A failed
        computation is logged (the cells stay empty) and re-raised when
        :func:`phycore.signals.raise_errors` is on.
        """
        if self.ready or not self.done:
            return []
        if self.error is not None:
            logger.error("Quality metrics could not be computed: %s", self.error,
                         exc_info=(type(self.error), self.error, self.error.__traceback__))
            self.ready = True
            if raise_errors():
                raise self.error
            return []
        counts = self.clustering.spike_counts
        stale = [c for c in self.metrics.cluster_ids.tolist()
                 if counts.get(c) != int(self.metrics.get(c, "n_spikes"))]
        self.metrics.update(SimpleNamespace(added=[], deleted=stale, spike_ids=None))
        self.ready = True
        return sorted(int(c) for c in self.clustering.cluster_ids)

    def join(self, timeout: float | None = None) -> None:
        """Block until the initial computation and the pending jobs are done (then call
        :meth:`install` and :meth:`collect`); starts a deferred computation and the held
        jobs first. Owner thread."""
        self.start()
        if self._thread is not None:
            self._thread.join(timeout)
        self._submit(held=False)
        for job in list(self._jobs.values()):
            if job.future is None:  # (none after _submit, unless the executor refused it)
                continue
            try:
                job.future.exception(timeout)
            except TimeoutError:
                return

    def close(self) -> None:
        """Stop the job thread (pending jobs are dropped) and the initial computation (at
        its next progress step); nothing is scheduled afterwards."""
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._jobs.clear()
        self._queued.clear()

    # Values ---------------------------------------------------------------------------

    def _value(self, name: str) -> Callable[[int], Any]:
        def value(cluster_id: int) -> float | None:
            if not self.ready or self.metrics is None or self.error is not None:
                return None  # not yet, or never (the initial computation failed: logged)
            cid = int(cluster_id)
            if cid not in self.metrics and not self._restore(cid):
                if self.background:
                    self._schedule(cid)
                    return None
                self._recompute([cid])
            if cid not in self.metrics or name not in self.metrics.columns:  # e.g. snr: unreadable raw data
                return None
            v = self.metrics.get(cid, name)
            return None if math.isnan(v) else v

        value.__name__ = name
        return value

    def as_metrics(self) -> dict[str, Callable[[int], Any]]:
        """``{column: f(cluster_id)}`` for the metrics this dataset allows."""
        return {name: self._value(name) for name in self._names}

    def forget(self, cluster_ids: Any) -> None:
        """Drop the metrics of deleted clusters (kept aside for an undo, see the module
        docstring) or of clusters whose spikes changed."""
        ids = [int(c) for c in cluster_ids]
        outdated = self._stale.intersection(ids)  # appended spikes its row does not count
        self._stale.difference_update(ids)
        if not self.ready or self.metrics is None:
            return
        counts = self.clustering.spike_counts
        # Once spikes were appended, rows also depend on when they were computed (duration).
        keep = self.model.n_spikes == getattr(self.model, "n_spikes_loaded", self.model.n_spikes)
        for c in ids:
            if keep and c in self.metrics and c not in counts and c not in outdated:
                self._store[c] = (self.metrics._row(c), self.model.n_spikes)
                self._store.move_to_end(c)
            else:
                self._store.pop(c, None)
        while len(self._store) > _STORE_SIZE:
            self._store.popitem(last=False)
        self.metrics.update(SimpleNamespace(added=[], deleted=ids, spike_ids=None))

    def _restore(self, cid: int) -> bool:
        """Bring back the row of a cluster an undo or redo recreated; whether it could."""
        kept = self._store.pop(cid, None)
        if kept is None:
            return False
        row, n_model = kept
        if n_model != self.model.n_spikes or self.clustering.spike_counts.get(cid) != int(row[0]):
            return False
        self.metrics.put_rows({cid: row})
        return True

    # Asynchronous rows ----------------------------------------------------------------

    @property
    def n_pending(self) -> int:
        """Clusters whose row a worker is computing (or will, held jobs included)."""
        return len(self._jobs)

    @property
    def n_held(self) -> int:
        """Jobs waiting for :meth:`start_held` (a part of :attr:`n_pending`)."""
        return len(self._queued)

    def hold(self, held: bool) -> None:
        """From now on, keep the new clusters' jobs waiting until :meth:`start_held`
        (``True``), or start them at once (``False``, which also starts those waiting);
        owner thread. A job held for more than ``_MAX_HOLD`` seconds starts anyway, at the
        next :meth:`collect`."""
        self._held = bool(held)
        if not held:
            self._submit(held=False)

    def start_held(self) -> None:
        """Start the jobs waiting now (the hold stays for later ones); owner thread."""
        if self._queued:
            self._submit(held=False)

    def _submit(self, held: bool) -> None:
        """Submit the queued jobs: all of them, or (``held``) those held too long. Each
        copies its cluster's spikes now; a job whose cluster was deleted or got its row
        back meanwhile (an undo, a redo) is dropped."""
        if held:
            cut = time.monotonic() - _MAX_HOLD
            n = next((i for i, job in enumerate(self._queued) if job.since > cut), len(self._queued))
        else:
            n = len(self._queued)
        if not n or self._closed:
            return
        jobs = self._queued[:n]
        del self._queued[:n]
        self._sync_spikes()
        counts = self.clustering.spike_counts
        for job in jobs:
            cid = job.cluster_id
            if cid not in counts or cid in self.metrics:
                if self._jobs.get(cid) is job:
                    del self._jobs[cid]
                continue
            spikes = self.clustering.spikes_in_clusters([cid])
            if spikes.flags.writeable:  # the worker's own copy, unless nobody may write it (the
                spikes = np.array(spikes, dtype=np.int64)  # index's arrays: the 600 rests of a split, 80 MB)
            job.n_spikes, job.n_model = spikes.size, self.model.n_spikes
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phycore-metrics")
            job.future = self._executor.submit(self.metrics.compute_rows, {cid: spikes})

    def _schedule(self, cid: int) -> None:
        if self._closed or cid in self._jobs or cid in self._failed or cid not in self.clustering.spike_counts:
            return
        self._jobs[cid] = job = _Job(cid)
        self._queued.append(job)
        if not self._held:
            self._submit(held=False)

    def collect(self) -> list[int]:
        """Install the rows the worker finished (owner thread); returns the ids of the
        clusters whose cells to update. Re-raises a job's exception when
        :func:`phycore.signals.raise_errors` is on (after logging it)."""
        if self._held:
            self._submit(held=True)
        done = [(job, job.future) for job in self._jobs.values() if job.future is not None and job.future.done()]
        updated: list[int] = []
        error: BaseException | None = None
        counts = self.clustering.spike_counts
        for job, future in done:
            cid = job.cluster_id
            del self._jobs[cid]
            if future.cancelled():
                continue
            # A job for a state that changed meanwhile is dropped, its error too (the
            # current state's job decides).
            if cid not in counts:
                continue  # deleted meanwhile
            if counts[cid] != job.n_spikes or self.model.n_spikes != job.n_model or cid in self.metrics:
                if cid not in self.metrics:
                    self._schedule(cid)  # its spikes changed (live session): again, from the new ones
                continue
            exc = future.exception()
            if exc is not None:
                self._failed.add(cid)
                logger.error("The quality metrics of cluster %d could not be computed: %s", cid, exc,
                             exc_info=(type(exc), exc, exc.__traceback__))
                error = error or exc
                continue
            self.n_computed += 1
            self.metrics.put_rows(future.result())
            updated.append(cid)
        if error is not None and raise_errors():
            raise error
        return sorted(updated)

    # Recomputation on the calling thread ----------------------------------------------

    def _sync_spikes(self) -> None:
        """Hand the metrics the model's current per-spike arrays (after appends)."""
        model = self.model
        if self.metrics.n_spikes == model.n_spikes:
            return
        pc, old = _pc_features(model), self.metrics.pc_features
        if pc is not None and old is not None:
            pc.extend_from(old)
        if self.metrics.template_peaks is not None:
            self.metrics.template_peaks = self.metrics.template_peaks.with_spike_templates(model.spike_templates)
        self.metrics.set_spikes(model.spike_times, duration=float(model.duration) or 1.0,
                                amplitudes=model.amplitudes, pc_features=pc,
                                spike_clusters=self.clustering.spike_clusters)

    def _recompute(self, cluster_ids: list[int]) -> None:
        """(Re)compute some clusters now, from the live spike index."""
        self._sync_spikes()
        self.metrics.duration = float(self.model.duration) or 1.0
        up = SimpleNamespace(added=cluster_ids, deleted=cluster_ids, spike_ids=None)
        self.metrics.update(up, spikes_per_cluster=lambda c: self.clustering.spikes_in_clusters([c]))
        self.n_computed += len(cluster_ids)

    def mark_stale(self, cluster_ids: Any) -> None:
        """Clusters whose spikes changed (appended spikes): recomputed by :meth:`refresh`."""
        self._stale.update(int(c) for c in cluster_ids)

    @property
    def n_stale(self) -> int:
        """Number of clusters waiting for :meth:`refresh` (in the current round or the next)."""
        return len(self._stale) + len(self._round)

    @property
    def refreshing(self) -> bool:
        """Whether a refresh round started by a budgeted :meth:`refresh` is unfinished."""
        return bool(self._round)

    def refresh(self, budget: float | None = None) -> list[int]:
        """Recompute stale clusters; returns their ids (to update in the table).

        Without ``budget``, every stale cluster, at once. With ``budget`` (seconds), a
        *round*: the clusters stale when it starts are recomputed a few at a time, until
        ``budget`` is spent on this call; later calls go on with the round (see
        :attr:`refreshing`), and clusters that become stale meanwhile wait for the next
        one. A GUI thread then never stops for longer than about ``budget``, whatever the
        number of clusters. Does nothing while the initial computation runs.
        """
        if not self.ready:
            return []
        if not self._round or budget is None:
            self._round = sorted(set(self._round) | self._stale)
            self._stale.clear()
        live = self.clustering.spike_counts
        done: list[int] = []
        t0 = time.perf_counter()
        while self._round:
            chunk, self._round = self._round[:_REFRESH_CHUNK], self._round[_REFRESH_CHUNK:]
            chunk = [c for c in chunk if c in live]  # clusters deleted since they were marked
            if chunk:
                self._recompute(chunk)
                done += chunk
            if budget is not None and time.perf_counter() - t0 >= budget:
                break
        return done
