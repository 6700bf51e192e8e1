# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A phycore walkthrough
#
# A curation session without a GUI, step by step: load a Kilosort/phy folder, look at
# the model, select clusters, compute correlograms and quality metrics, merge, undo and
# redo, listen to events, save.
#
# This file is a notebook in jupytext's "percent" format: open it in Jupyter (with
# jupytext installed, or VS Code / PyCharm, which read `# %%` cells), or run it as a
# plain script:
#
#     python examples/walkthrough.py [path/to/params.py]
#
# Without a path (or the `PHYCORE_PARAMS` environment variable) it makes a small
# synthetic folder first, so it runs anywhere. The `save` cell saves only into that
# synthetic folder, unless `PHYCORE_WALKTHROUGH_SAVE=1` is set; like phygui, the
# session keeps its cache and crash journal in `<folder>/.phy/`.

# %%
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import phycore
from phycore import TemplateController, connect, load_model, unconnect
from phycore.model.synthetic import make_dataset


def find_params() -> Path:
    """A ``params.py`` given on the command line or in ``PHYCORE_PARAMS``, else a synthetic one."""
    # Inside Jupyter, sys.argv holds the kernel's own arguments: only an existing
    # params.py (or a folder holding one) is taken from it.
    for arg in [*sys.argv[1:], os.environ.get("PHYCORE_PARAMS", "")]:
        p = Path(arg)
        if arg and p.is_dir() and (p / "params.py").exists():
            return p / "params.py"
        if arg and p.name == "params.py" and p.exists():
            return p
    folder = Path(tempfile.mkdtemp(prefix="phycore-walkthrough-"))
    return make_dataset(folder, n_spikes=20_000, n_channels=32, n_templates=20, duration=20.0, seed=0)


PARAMS = find_params()
print("phycore", phycore.__version__, "- folder:", PARAMS.parent)

# %% [markdown]
# ## 1. The model: what is in the folder
#
# `load_model` reads `params.py` (as data: it is never executed) and memory-maps the
# big arrays, so it is fast even on a 10-million-spike folder. The model is read-only:
# curation happens in the Supervisor below.

# %%
model = load_model(PARAMS)
model.describe()
print("first spike times (s):", model.spike_times[:5])
print("templates:", model.n_templates, "- spikes of template 0:", int(np.sum(model.spike_templates == 0)))

# %% [markdown]
# A cluster's best channels (by template amplitude) and a few of its raw waveforms,
# read from the raw data file (only the samples needed).

# %%
cluster_id = int(np.bincount(model.spike_clusters).argmax())
channels = model.get_cluster_channels(cluster_id)
if model.has_raw_data:
    waveforms = model.get_cluster_spike_waveforms(cluster_id, 20)
    print(f"cluster {cluster_id}: best channels {channels[:4].tolist()}, waveforms {waveforms.shape}")
model.close()

# %% [markdown]
# ## 2. A session: the controller and its Supervisor
#
# `TemplateController` ties the model, the Supervisor (actions, selection, cluster and
# similarity tables, wizard), the cache under `<folder>/.phy/` and your plugins. It is
# what `phygui` opens; here it runs headless. The cluster table has phy's columns plus
# the quality metrics.

# %%
controller = TemplateController(PARAMS)
s = controller.supervisor
print("columns:", s.columns)
for cid in s.cluster_table.visible_ids[:5]:  # sorted by n_spikes, largest first
    row = s.get_cluster_info(cid)
    print(f"  cluster {cid:3d}: {row['n_spikes']:6d} spikes, fr {row['fr']:6.1f} Hz, amp {row['amp']:6.1f}, "
          f"presence {row['presence_ratio']:.2f}")

# %% [markdown]
# ## 3. Selecting clusters
#
# The wizard works as in phy: `next_best` (the `down` key) walks the cluster table,
# `next` (`space`) walks the similarity table of the selected cluster. `filter` takes
# the filter box's expression language.

# %%
s.filter("n_spikes > 100 and group != 'noise'")
s.next_best()
pair = s.next()
print("selected:", pair, "- similarity table:", s.similarity_table.visible_ids[:5])
s.clear_filter()

# %% [markdown]
# ## 4. Correlograms and metrics
#
# `controller.get_correlograms` gives the cross-correlograms of clusters
# (`(n, n, n_bins)`, counts; 1-ms bins in a 50-ms window by default), the same numbers
# as phylib's. The quality metrics are table columns; `phycore.analysis` has the
# functions behind them for your own arrays.

# %%
ccg = controller.get_correlograms(pair)
print("correlograms:", ccg.shape, "- spike pairs of the two clusters within 25 ms:", int(ccg[0, 1].sum()))
for cid in pair:
    info = s.get_cluster_info(cid)
    print(f"  cluster {cid}: isi_violation_ratio {info['isi_violation_ratio']:.3f}, "
          f"amplitude_cutoff {info['amplitude_cutoff']:.3f}, isolation_distance {info['isolation_distance']}")

# %% [markdown]
# ## 5. Events
#
# Everything the Supervisor does is announced on phy's event bus: connect a function
# named `on_<event>` (or pass `event=`). Plugins and GUI views are subscribers like
# these. The full list is in the documentation's event reference.

# %%
log: list[str] = []


@connect(sender=s)
def on_cluster(sender: Any, up: Any) -> None:
    log.append(f"cluster: {up.description} deleted={up.deleted} added={up.added} history={up.history}")


@connect(sender=s)
def on_select(sender: Any, cluster_ids: Any) -> None:
    log.append(f"select: {list(cluster_ids)}")

# %% [markdown]
# ## 6. Merge, undo, redo
#
# An action changes only the spikes it touches, records one undoable step, and selects
# the result, as in phy. Undo and redo cost time proportional to those spikes, never to
# the length of the history.

# %%
n_before = {cid: int(s.clustering.spike_counts[cid]) for cid in pair}
up = s.merge()  # the selection
merged = up.added[0]
assert s.clustering.spike_counts[merged] == sum(n_before.values())
print(f"merged {pair} -> {merged} ({s.clustering.spike_counts[merged]} spikes), selected: {s.selected}")

s.undo()
assert all(s.clustering.spike_counts[cid] == n for cid, n in n_before.items())
s.redo()
assert s.clustering.spike_counts[merged] == sum(n_before.values())
s.label("quality", "good")  # any label; a new one becomes a column (and cluster_quality.tsv)
print("\n".join(log))
unconnect(on_cluster, on_select)

# %% [markdown]
# ## 7. Save
#
# `save` writes phy's files (`spike_clusters.npy`, `cluster_group.tsv`, one
# `cluster_<label>.tsv` per label, `cluster_info.tsv`) atomically, the previous
# versions kept in `.phy/backup/`. phy opens the result as usual. Until then, every
# action is journaled in `.phy/journal.jsonl` for crash recovery.

# %%
if PARAMS.parent.name.startswith("phycore-walkthrough-") or os.environ.get("PHYCORE_WALKTHROUGH_SAVE"):
    written = controller.save()
    print("saved:", ", ".join(p.name for p in written))
    reloaded = load_model(PARAMS)
    assert merged in set(np.unique(reloaded.spike_clusters).tolist())
    print("reloaded: cluster", merged, "has", int(np.sum(reloaded.spike_clusters == merged)), "spikes;",
          "labels:", {k: v for k, v in reloaded.metadata["quality"].items()})
    reloaded.close()
else:
    print("Your own folder: not saved (set PHYCORE_WALKTHROUGH_SAVE=1 to save).")
controller.close()
