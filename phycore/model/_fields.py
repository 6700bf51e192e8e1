"""The files a :class:`TemplateModel` reads, as one table, and the arrays read from them.

:data:`FIELDS` lists every array of a Kilosort/phy folder once: its file, whether it is
required, the dtype kinds it accepts, its shape rule, whether it has one row per spike
and whether live sessions grow it. The loader (``_loader.py``), the cross-file checks
(``_consistency.py``), the live growth (``_spikes.py``) and the synthetic writer
(``synthetic.py``) iterate this table instead of naming the files themselves, so adding
a file means adding a row here and using the array where the model needs it.

A :class:`FieldSet` holds the arrays of one model, keyed by field name, whether read from
a folder or given to ``TemplateModel.from_arrays`` (whose arguments are field names).
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np

__all__: list[str] = []

#: How a file is read: ``ids`` = int64 vector in memory; ``values`` = memory-mapped numeric
#: vector; ``small`` = small array in memory (NaN/inf -> 0); ``mmap`` = memory-mapped array;
#: ``index`` = integer array in memory. Fields held as int64 accept floats holding integers
#: (NaN, inf or fractions are refused, never truncated).
ReadMode = Literal["ids", "values", "small", "mmap", "index"]


@attrs.frozen
class Field:
    """One array of a model and the file it is read from.

    Parameters
    ----------
    name : str
        Key in a :class:`FieldSet` and name of the ``from_arrays`` argument.
    file : str
        Canonical file name.
    required : bool
        Loading fails without the file.
    kinds : str
        numpy dtype kinds the file may hold (empty = not checked).
    what : str
        What the values are, for error messages ("integer template ids").
    shape : tuple of str
        Shape rule: one dimension name per axis (``n_spikes``, ``n_channels``,
        ``n_templates``...). A number as last dimension means "at least one column".
    read : str
        How the file is read (see :data:`ReadMode`).
    lift : int, optional
        Axis inserted when a file has one dimension fewer than ``shape`` (e.g. a 2-D
        ``templates.npy`` gets a channel axis). ``0`` inserts leading axes as
        ``np.atleast_2d`` does.
    strict : bool
        Loading fails unless the file, once lifted, has ``len(shape)`` dimensions.
    int64 : bool
        Held as int64 in memory (ids and indices).
    per_spike : bool
        One row per spike (or per row of the field's ``rows`` field).
    appended : str, optional
        For fields that grow with the spikes appended in live sessions (see
        :attr:`growable`): the :class:`~phycore.model._batch.SpikeBatch` attribute new
        rows come from (``ids`` = the new spike ids; ``clusters`` and
        ``waveform_channels`` as completed by the model).
    alternatives : tuple of str
        ALF glob patterns tried when ``file`` is absent.
    parent : str, optional
        Only read along with this field (an index of its columns or rows).
    group : str, optional
        Files read only when every file of the group is present.
    shape_hint : str, optional
        End of the "has shape ..., expected ..." message, formatted with the field names
        of the set and the dimension sizes.
    """

    name: str
    file: str
    required: bool = False
    kinds: str = ""
    what: str = "numbers"
    shape: tuple[str, ...] = ("n_spikes",)
    read: ReadMode = "mmap"
    lift: int | None = None
    strict: bool = False
    int64: bool = False
    per_spike: bool = False
    appended: str | None = None
    alternatives: tuple[str, ...] = ()
    parent: str | None = None
    group: str | None = None
    shape_hint: str | None = None

    @property
    def growable(self) -> bool:
        """Grows with the spikes appended in live sessions."""
        return self.appended is not None

    @property
    def is_spike_vector(self) -> bool:
        """One value per spike, indexed by spike id."""
        return self.per_spike and self.shape == ("n_spikes",)


FIELDS: tuple[Field, ...] = (
    # Per spike. spike_times.npy holds samples; ALF folders have seconds instead (see _loader).
    Field("spike_samples", "spike_times.npy", required=True, kinds="iub",
          what="integer spike times in samples", read="ids", int64=True,
          per_spike=True, appended="samples"),
    Field("spike_templates", "spike_templates.npy", required=True, kinds="iub",
          what="integer template ids", read="ids", int64=True,
          per_spike=True, appended="templates", alternatives=("spikes.templates*.npy",)),
    Field("spike_clusters", "spike_clusters.npy", kinds="iub", what="integer cluster ids",
          read="ids", int64=True,
          per_spike=True, appended="clusters", alternatives=("spikes.clusters*.npy",)),
    Field("amplitudes", "amplitudes.npy", kinds="fiu", read="values",
          per_spike=True, appended="amplitudes", alternatives=("spikes.amps*.npy",)),
    Field("spike_times_reordered", "spike_times_reordered.npy", kinds="iub", what="integers",
          read="ids", int64=True, per_spike=True, appended="times"),
    # Per channel.
    Field("channel_map", "channel_map.npy", required=True, kinds="iub", what="integer channel indices",
          shape=("n_channels",), read="ids", int64=True, alternatives=("channels.rawInd*.npy",)),
    Field("channel_positions", "channel_positions.npy", required=True, kinds="fiu",
          shape=("n_channels", "2"), read="small", lift=1, strict=True,
          alternatives=("channels.localCoordinates*.npy",)),
    Field("channel_shanks", "channel_shanks.npy", kinds="iub", what="integers",
          shape=("n_channels",), read="ids", int64=True,
          alternatives=("channels.shanks*.npy",), shape_hint=" like {channel_map}"),
    Field("channel_probes", "channel_probe.npy", kinds="iub", what="integers",
          shape=("n_channels",), read="ids", int64=True,
          alternatives=("channels.probes*.npy",), shape_hint=" like {channel_map}"),
    # Per template.
    Field("templates", "templates.npy", required=True, kinds="f", what="floating-point templates",
          shape=("n_templates", "n_samples", "n_channels"), lift=2, strict=True,
          alternatives=("templates.waveforms.npy", "templates.waveforms.*.npy")),
    Field("template_ind", "template_ind.npy", kinds="iu", what="integer channel indices",
          shape=("n_templates", "n_channels_loc"), read="index", lift=1, int64=True,
          alternatives=("templates.waveformsChannels*.npy",)),
    Field("whitening_mat", "whitening_mat.npy", kinds="fiu",
          shape=("n_channels", "n_channels"), read="small", lift=0),
    Field("whitening_mat_inv", "whitening_mat_inv.npy", kinds="fiu",
          shape=("n_channels", "n_channels"), read="small", lift=0),
    Field("similar_templates", "similar_templates.npy", kinds="fiu",
          shape=("n_templates", "n_templates"), read="small", lift=0,
          shape_hint=" for {n_templates} templates"),
    # Features: one row per spike, or per row of *_spike_ids.
    Field("pc_features", "pc_features.npy", kinds="f", what="floating-point features",
          shape=("n_spikes", "n_pcs", "n_channels_loc"), lift=1, strict=True,
          per_spike=True, appended="features"),
    Field("pc_feature_ind", "pc_feature_ind.npy", kinds="iu", what="integers",
          shape=("n_templates", "n_channels_loc"), read="index", int64=True, parent="pc_features"),
    Field("pc_feature_spike_ids", "pc_feature_spike_ids.npy", kinds="iu", what="integers",
          shape=("n_pc_feature_rows",), read="index", int64=True,
          per_spike=True, appended="ids", parent="pc_features"),
    Field("template_features", "template_features.npy", kinds="f", what="floating-point features",
          shape=("n_spikes", "n_template_features"), lift=1, strict=True,
          per_spike=True, appended="template_features"),
    Field("template_feature_ind", "template_feature_ind.npy", kinds="iu", what="integers",
          shape=("n_templates", "n_template_features"), read="index", int64=True,
          parent="template_features"),
    Field("template_feature_spike_ids", "template_feature_spike_ids.npy", kinds="iu", what="integers",
          shape=("n_template_feature_rows",), read="index", int64=True,
          per_spike=True, appended="ids", parent="template_features"),
    # Waveforms of a subset of spikes (phy's extract-waveforms cache): all three or none.
    Field("subset_waveforms", "_phy_spikes_subset.waveforms.npy",
          shape=("n_subset", "n_samples", "n_channels_loc"),
          per_spike=True, appended="waveforms", group="subset"),
    Field("subset_channels", "_phy_spikes_subset.channels.npy",
          shape=("n_subset", "n_channels_loc"), read="index", int64=True,
          per_spike=True, appended="waveform_channels", group="subset"),
    Field("subset_spikes", "_phy_spikes_subset.spikes.npy",
          shape=("n_subset",), read="index", int64=True,
          per_spike=True, appended="ids", group="subset"),
)

#: Fields by name.
FIELD: dict[str, Field] = {f.name: f for f in FIELDS}


def spike_attribute_skip() -> frozenset[str]:
    """``spike_<key>.npy`` keys that are per-spike fields, not extra spike attributes."""
    out: set[str] = set()
    for f in FIELDS:
        if f.is_spike_vector:
            out.add(f.name.removeprefix("spike_"))
            out.add(f.file.removesuffix(".npy").removeprefix("spike_"))
    return frozenset(out)


@attrs.define(eq=False)
class FieldSet:
    """The arrays of one model, keyed by field name (private).

    Attributes
    ----------
    values : dict
        ``{field name: array}`` of the fields present.
    spike_seconds : ndarray, optional
        Spike times in seconds (ALF folders), when ``spike_samples`` is not known yet.
    spike_attributes : dict
        Extra ``spike_<key>.npy`` arrays with one row per spike.
    metadata : dict
        ``{field: {cluster_id: value}}`` from the ``.tsv``/``.csv`` files.
    files : list of str
        Names of the files read, in reading order.
    names : dict
        File (or argument) name of each field, for error messages.
    """

    values: dict[str, np.ndarray] = attrs.field(factory=dict)
    spike_seconds: np.ndarray | None = None
    spike_attributes: dict[str, np.ndarray] = attrs.field(factory=dict)
    metadata: dict[str, dict[int, Any]] = attrs.field(factory=dict)
    files: list[str] = attrs.field(factory=list)
    names: dict[str, str] = attrs.field(factory=dict)

    def get(self, key: str) -> np.ndarray | None:
        """The array of a field, or None when absent."""
        return self.values.get(key)

    def __getitem__(self, key: str) -> np.ndarray:
        """The array of a field that is present (a required one, once loaded)."""
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def set(self, key: str, value: np.ndarray | None) -> None:
        """Set (or, with None, drop) a field."""
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value

    def name(self, key: str) -> str:
        """File (or argument) name of a field, for error messages."""
        return self.names.get(key, key)
