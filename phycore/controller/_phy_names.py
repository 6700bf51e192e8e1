"""phy 2.1's ``TemplateController`` names that plugins call (private; a mixin of the controller).

Each method keeps the name, arguments and return values of phy's ``BaseController``,
``TemplateMixin``, ``WaveformMixin``, ``FeatureMixin`` or ``TemplateController``
(``phy/apps/base.py``, ``phy/apps/template/gui.py``) and answers for the *live*
clustering. Most delegate to the parts the controller already has (the table columns,
the similarity, the view data); differences from phy are in the docstrings.

The ``create_*_view`` methods return a view of the GUI front end (phygui), which phycore
never imports: they need the controller's GUI (:meth:`TemplateController.create_gui`) and
raise :class:`~phycore.frontends.NoFrontendError` without one. The view is not docked;
``gui.add_view(view)`` does it, as in phy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import numpy.typing as npt

from phycore.controller._columns import ClusterColumns
from phycore.controller._data import ViewData
from phycore.controller._raw_filter import RawDataFilter
from phycore.errors import ClusterIdError, RawDataError
from phycore.frontends import NoFrontendError
from phycore.model import TemplateModel
from phycore.supervisor import Supervisor

__all__: list[str] = []


class _Budget:
    """A phy ``n_spikes_*`` budget read and set on the controller.

    Set before the view data exists (a plugin's ``attach_to_controller``), the value is
    kept and handed to the view data when it is built; afterwards it goes straight to it.
    A budget no view uses is kept on the controller (phy plugins may still read it).
    """

    def __init__(self, default: int) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> int:
        if obj is None:
            return self.default  # phy's class attribute
        view_data = obj.__dict__.get("view_data")
        if view_data is not None and hasattr(view_data, self.name):
            return int(getattr(view_data, self.name))
        return int(obj.__dict__.get("_budgets", {}).get(self.name, self.default))

    def __set__(self, obj: Any, value: int) -> None:
        obj.__dict__.setdefault("_budgets", {})[self.name] = int(value)
        view_data = obj.__dict__.get("view_data")
        if view_data is not None and hasattr(view_data, self.name):
            setattr(view_data, self.name, int(value))


class PhyControllerNames:
    """phy's controller names (see the module doc); mixed into ``TemplateController``.

    Attributes
    ----------
    n_spikes_waveforms, n_spikes_features, n_spikes_amplitudes, n_spikes_correlograms : int
        phy's per-view spike budgets (100, 2,500, 10,000, 100,000), the ones the views use.
    n_spikes_features_background, batch_size_waveforms : int
        phy's values (2,500, 10); no phycore view reads them.
    default_views : tuple of str
        phy's TemplateGUI default views, in its order.
    default_shortcuts, default_snippets : dict
        phy's controller-level shortcuts and snippets (the GUI's own menus have theirs).
    """

    # The controller's parts these methods use (set by TemplateController).
    model: TemplateModel
    supervisor: Supervisor
    columns: ClusterColumns
    view_data: ViewData
    raw_data_filter: RawDataFilter
    similarity_functions: dict[str, Callable[[int], Any]]
    gui: Any
    _template_sim: Callable[[int], list[tuple[int, float]]]
    _save_unless_read_only: Callable[..., Any]

    n_spikes_waveforms = _Budget(100)
    batch_size_waveforms = _Budget(10)
    n_spikes_features = _Budget(2500)
    n_spikes_features_background = _Budget(2500)
    n_spikes_amplitudes = _Budget(10_000)
    n_spikes_correlograms = _Budget(100_000)

    default_views: tuple[str, ...] = (
        "WaveformView", "CorrelogramView", "ISIView", "FeatureView", "AmplitudeView", "FiringRateView",
        "TraceView", "ProbeView", "TemplateFeatureView",
    )
    default_shortcuts: dict[str, str] = {"toggle_spike_reorder": "ctrl+r", "switch_raw_data_filter": "alt+r"}
    default_snippets: dict[str, str] = {}
    #: phy's GUI state version (phy writes it as the state's ``GUI_VERSION``).
    gui_version = 2
    #: phy's default of the model's ``show_mapped_channels`` (params.py may set it).
    default_show_mapped_channels = True

    phy_dir: Path
    plugins: list[Any]

    @property
    def cache_dir(self) -> Path:
        """phy's cache directory: the session's ``.phy`` folder (:attr:`phy_dir`)."""
        return self.phy_dir

    @property
    def attached_plugins(self) -> list[Any]:
        """The plugins attached to this controller (phy's name for :attr:`plugins`)."""
        return self.plugins

    def get_channel_amplitudes(self, cluster_id: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The best channels of a cluster's main template (amplitude above half its peak) and
        their amplitudes scaled to 0..1 (phy's ``TemplateController.get_channel_amplitudes``).
        The amplitudes follow ``channel_ids`` (phylib's dense templates misorder them)."""
        template = self.model.get_template(self.columns.template(int(cluster_id)), amplitude_threshold=0.5)
        amp = np.asarray(template.amplitude, dtype=np.float64)
        lo, hi = amp.min(), amp.max()
        return template.channel_ids, (amp - lo) / ((hi - lo) if lo < hi else 1.0)

    def get_mean_spike_template_amplitudes(self, cluster_id: int) -> float:
        """Mean template amplitude of the cluster's spikes (up to ``n_spikes_amplitudes``, as phy)."""
        return float(np.mean(self.get_spike_template_amplitudes(self._amplitude_spikes(cluster_id))))

    def get_mean_spike_raw_amplitudes(self, cluster_id: int) -> float:
        """Mean raw peak-to-peak amplitude of the cluster's spikes (up to ``n_spikes_amplitudes``)
        on its best channel. phy passes no channel, which makes its value 0."""
        ids = self._amplitude_spikes(cluster_id)
        return float(np.mean(self.get_spike_raw_amplitudes(ids, channel_id=self.columns.best_channel(int(cluster_id)))))

    def _amplitude_spikes(self, cluster_id: int) -> npt.NDArray[np.int64]:
        return np.asarray(self.view_data.spikes(int(cluster_id), self.n_spikes_amplitudes), dtype=np.int64)

    def _apply_budgets(self) -> None:
        """Hand the budgets set before the view data existed to it."""
        for name, value in self.__dict__.get("_budgets", {}).items():
            if hasattr(self.view_data, name):
                setattr(self.view_data, name, value)

    @property
    def n_chunks_kept(self) -> int:
        """Raw-data chunks waveforms are read from (phy's 20; the model's ``n_chunks_kept``)."""
        return self.model.n_chunks_kept

    @n_chunks_kept.setter
    def n_chunks_kept(self, value: int) -> None:
        self.model.n_chunks_kept = int(value)

    # Cluster values (phy's table columns) ----------------------------------------------

    def get_template_counts(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """Number of the cluster's spikes in each original template, ``(n_templates,)``."""
        return self.columns.template_counts(cluster_id)

    def get_template_amplitude(self, template_id: int) -> float:
        """Peak-to-peak amplitude of a template's unwhitened waveform, max over its channels."""
        waveforms = self.model.get_template_waveforms(template_id)
        return float((waveforms.max(axis=0) - waveforms.min(axis=0)).max()) if waveforms.size else 0.0

    def get_cluster_amplitude(self, cluster_id: int) -> float:
        """The ``amp`` column: :meth:`get_template_amplitude` of the cluster's main template."""
        return self.columns.amp(cluster_id)

    def get_mean_firing_rate(self, cluster_id: int) -> float:
        """The ``fr`` column: spikes per second over the recording.

        phy divides by ``max(1, duration)``; phycore by the duration (1 s if it is 0), so
        recordings shorter than one second get their true rate.
        """
        return self.columns.fr(cluster_id)

    def get_probe_depth(self, cluster_id: int) -> float:
        """The ``depth`` column: y position of the cluster's peak channel."""
        return self.columns.depth(cluster_id)

    def get_channel_shank(self, cluster_id: int) -> int:
        """The ``sh`` column: shank of the cluster's peak channel."""
        return self.columns.sh(cluster_id)

    def get_best_channel_label(self, cluster_id: int) -> str:
        """Label of the peak channel as phy shows it: its ``channel_map`` value when the
        model shows mapped channels (the default), else the channel index; a string."""
        ch = self.columns.best_channel(cluster_id)
        return str(int(self.model.channel_map[ch]) if self.model.show_mapped_channels else ch)

    def get_clusters_on_channel(self, channel_id: int) -> list[int]:
        """Clusters having ``channel_id`` among their best channels (phy's order: by id)."""
        return [int(c) for c in self.supervisor.clustering.cluster_ids
                if int(channel_id) in self.columns.best_channels(int(c))]

    # Similarity ------------------------------------------------------------------------

    def peak_channel_similarity(self, cluster_id: int) -> list[tuple[int, float]]:
        """phy's ``peak_channel`` similarity: ``(other, 1.0)`` for every cluster (the
        cluster itself included, as phy) having this cluster's peak channel among its best
        channels."""
        ch = self.columns.best_channel(cluster_id)
        return [(int(c), 1.0) for c in self.supervisor.clustering.cluster_ids
                if ch in self.columns.best_channels(int(c))]

    def template_similarity(self, cluster_id: int) -> list[tuple[int, float]]:
        """phy's ``template`` similarity: the 100 clusters most similar through
        ``similar_templates.npy``, best first.

        The cluster itself is left out (phy lists it, and its Supervisor drops it). Without
        a ``similar_templates.npy`` the score is the cosine similarity of the templates.
        """
        return self._template_sim(cluster_id)

    # Per-spike amplitudes (phy's amplitude view functions) -------------------------------

    def get_spike_template_amplitudes(self, spike_ids: npt.ArrayLike, **kwargs: Any) -> np.ndarray:
        """``amplitudes.npy`` values of the spikes (zeros without the file)."""
        ids = np.asarray(spike_ids, dtype=np.int64)
        amplitudes = self.model.amplitudes
        return np.zeros(len(ids)) if amplitudes is None else np.asarray(amplitudes[ids])

    def get_spike_template_features(self, spike_ids: npt.ArrayLike, first_cluster: int | None = None,
                                    **kwargs: Any) -> np.ndarray | None:
        """Template features of the spikes on the main template of ``first_cluster`` (None
        without ``template_features.npy``). Raises :class:`ClusterIdError` without
        ``first_cluster`` (phy asserts it)."""
        if first_cluster is None or int(first_cluster) < 0:
            raise ClusterIdError("get_spike_template_features() needs first_cluster, a cluster id.",
                                 argument="first_cluster")
        ids = np.asarray(spike_ids, dtype=np.int64)
        tf = self.model.get_template_features(ids)
        if tf is None:
            return None
        return tf[:, self.columns.template(int(first_cluster))]

    def get_spike_feature_amplitudes(self, spike_ids: npt.ArrayLike, channel_id: int | None = None,
                                     channel_ids: Sequence[int] | None = None, pc: int | None = None,
                                     **kwargs: Any) -> np.ndarray | None:
        """PC ``pc`` (default 0) of the spikes on ``channel_id`` (default ``channel_ids[0]``);
        None without PC features. Spikes without features get 0, as in phy."""
        if self.model.features is None:
            return None
        ch = int(channel_id if channel_id is not None else np.asarray(channel_ids)[0])
        data = self.model.get_features(np.asarray(spike_ids, dtype=np.int64), [ch])
        if data is None:
            return None
        return np.nan_to_num(data[:, 0, pc or 0], nan=0.0)

    def get_spike_raw_amplitudes(self, spike_ids: npt.ArrayLike, channel_id: int | None = None,
                                 **kwargs: Any) -> np.ndarray:
        """Peak-to-peak of the spikes' raw waveforms on ``channel_id``, through the current
        raw-data filter; 0 for spikes of clusters that do not have that channel among their
        best ones, and for every spike without raw data or ``channel_id`` (phy)."""
        ids = np.asarray(spike_ids, dtype=np.int64)
        out = np.zeros(len(ids))
        if channel_id is None:
            return out
        clusters = self.supervisor.clustering.spike_clusters[ids]
        keep = np.isin(clusters, self.get_clusters_on_channel(int(channel_id)))
        if not keep.any():
            return out
        try:
            waveforms = self.model.get_waveforms(ids[keep], [int(channel_id)])[..., 0]
        except RawDataError:
            return out
        waveforms = self.raw_data_filter.apply(waveforms, axis=1)
        out[keep] = waveforms.max(axis=1) - waveforms.min(axis=1)
        return out

    def get_amplitude_functions(self) -> dict[str, Callable[..., np.ndarray | None]]:
        """The amplitude view's types whose data the folder has, ``{name: per-spike function}``,
        in phy's order (by name): ``feature`` (PC features), ``template`` (``amplitudes.npy``),
        ``template_feature`` (template features), and ``raw`` (raw data) only when none of
        the others exists, as phy (it drops ``raw``: reading 10,000 raw waveforms per cluster
        is slow). Unlike phy, ``template`` is left out without ``amplitudes.npy`` (phy lists it
        and shows zeros). Each function takes ``(spike_ids, channel_id=, channel_ids=, pc=,
        first_cluster=)`` (phy's ``_amplitude_getter`` arguments)."""
        m = self.model
        out: dict[str, Callable[..., np.ndarray | None]] = {}
        if m.sparse_features is not None:
            out["feature"] = self.get_spike_feature_amplitudes
        if m.amplitudes is not None:
            out["template"] = self.get_spike_template_amplitudes
        if m.sparse_template_features is not None:
            out["template_feature"] = self.get_spike_template_features
        if not out and m.has_raw_data:
            out["raw"] = self.get_spike_raw_amplitudes
        return out

    def get_background_spike_ids(self, n: int | None = None) -> npt.NDArray[np.int64]:
        """About ``n`` regularly spaced spike ids of the whole recording (all when None)."""
        ns = self.model.n_spikes
        step = max(1, ns // n) if n else 1
        return np.arange(0, ns, step, dtype=np.int64)

    # Saving ------------------------------------------------------------------------------

    def on_save_clustering(self, sender: Any, spike_clusters: npt.ArrayLike, groups: dict[int, Any],
                           *labels: tuple[str, dict[int, Any]]) -> Any:
        """phy's ``save_clustering`` handler: write the clustering, the ``(field, values)``
        labels and ``cluster_info.tsv``.

        Writes through the session's save transaction (atomic, with backups), not through
        the model; ``groups`` is unused, as in phy (``group`` comes in ``labels``). Raises
        :class:`~phycore.errors.FolderLockedError` in a read-only session. Returns the
        paths written.
        """
        return self._save_unless_read_only(np.asarray(spike_clusters), dict(labels),
                                           self.supervisor.cluster_info)

    # Views (drawn by the GUI front end) --------------------------------------------------

    def _create_view(self, name: str, available: bool = True) -> Any:
        gui = getattr(self, "gui", None)
        if gui is None:
            raise NoFrontendError(f"create_{_snake(name)}() needs this controller's GUI, which draws the "
                                  "views: call controller.create_gui() first.")
        if not available:
            return None  # phy returns None when the dataset lacks the view's data
        factory = gui.view_classes.get(name)
        if factory is None:
            raise NoFrontendError(f"The GUI front end has no {name}.")
        return factory(gui)

    def create_waveform_view(self) -> Any:
        """A new WaveformView of the GUI (not docked: ``gui.add_view(view)``)."""
        return self._create_view("WaveformView")

    def create_feature_view(self) -> Any:
        """A new FeatureView, or None without PC features or spike waveforms (phy)."""
        return self._create_view("FeatureView", self.model.features is not None
                                 or self.model.spike_waveforms is not None)

    def create_amplitude_view(self) -> Any:
        """A new AmplitudeView."""
        return self._create_view("AmplitudeView")

    def create_template_view(self) -> Any:
        """A new TemplateView."""
        return self._create_view("TemplateView")

    def create_trace_view(self) -> Any:
        """A new TraceView, or None without raw data (phy)."""
        return self._create_view("TraceView", self.model.traces is not None)

    def create_trace_image_view(self) -> Any:
        """A new TraceImageView, or None without raw data (phy)."""
        return self._create_view("TraceImageView", self.model.traces is not None)

    def create_cluster_scatter_view(self) -> Any:
        """A new ClusterScatterView."""
        return self._create_view("ClusterScatterView")

    def create_raster_view(self) -> Any:
        """A new RasterView."""
        return self._create_view("RasterView")

    def create_correlogram_view(self) -> Any:
        """A new CorrelogramView."""
        return self._create_view("CorrelogramView")

    def create_probe_view(self) -> Any:
        """A new ProbeView."""
        return self._create_view("ProbeView")

    def create_ipython_view(self) -> Any:
        """phy's IPythonView: the front end's Python console (phygui's is an in-window console
        with phy's namespace), not docked: ``gui.add_view(view)``."""
        return self._create_view("IPythonView")

    def create_template_feature_view(self) -> Any:
        """A new TemplateFeatureView, or None without template features (phy)."""
        return self._create_view("TemplateFeatureView", self.model.template_features is not None)


def _snake(name: str) -> str:
    """``'WaveformView'`` -> ``'waveform_view'``."""
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("_")
