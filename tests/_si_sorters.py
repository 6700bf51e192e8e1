"""Phy folders made by real spike sorters run through SpikeInterface, then ``export_to_phy``.

A small ground-truth recording (8 channels, 6 units, 15 s at 25 kHz, SpikeInterface's
generator) is sorted by one sorter (``"ground_truth"``: no sorter, the generator's own
sorting) and exported with PC features and amplitudes, like ``tests/_si_export.py`` but
small. The sorter's sorting is saved next to the folder (``sorting/``), so curation tests
can apply a curation to the very sorting that was exported. Folders are cached under
``.test-data/`` (gitignored) like the benchmark data; ``python -m tests._si_sorters NAME``
makes one by hand.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

from tests._si_export import CACHE

#: Bump when the recipe changes, so stale cached folders are not reused.
RECIPE = "si-sorters-v3"
#: Sorters that run in a few seconds here (``make test``); the others are ``realdata``.
#: herdingspikes 0.4.6 does not run with SpikeInterface 0.105 (it reads a "location" channel
#: property SpikeInterface no longer sets); tridesclous2 and lupin need torch.
FAST = ("ground_truth", "simple", "mountainsort5")
SLOW = ("spykingcircus2",)


def sorter_installed(name: str) -> bool:
    """Whether SpikeInterface can run ``name`` here (``ground_truth`` always can)."""
    if name == "ground_truth":
        return True
    import spikeinterface.sorters as ss

    return bool(ss.sorter_dict[name].is_installed())


def sorted_folder(name: str, cache: Path = CACHE) -> Path:
    """The folder sorted by ``name`` and exported (made on first use): ``<it>/phy/params.py``
    and ``<it>/sorting`` (the sorting, ``spikeinterface.load`` reads it)."""
    out = cache / RECIPE / name
    if (out / ".complete").exists():
        return out
    tmp = cache / RECIPE / f"{name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _make(name, tmp)
    (tmp / ".complete").write_text(RECIPE)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def load_sorting(folder: Path) -> Any:
    """The sorting that was exported into ``folder / "phy"``."""
    import spikeinterface.core as sc

    return sc.load(folder / "sorting")


@contextlib.contextmanager
def _numpy_template_similarity() -> Iterator[None]:
    """SpikeInterface's numpy template similarity (its own code for machines without numba)
    instead of its numba kernel, whose compilation alone takes about 25 s of CPU per test
    session here, for 6 templates. Same formula; the folder's similar_templates.npy is what
    SpikeInterface computed either way."""
    import spikeinterface.postprocessing.template_similarity as ts

    kernel = ts._compute_similarity_matrix
    ts._compute_similarity_matrix = ts._compute_similarity_matrix_numpy
    try:
        yield
    finally:
        ts._compute_similarity_matrix = kernel


def _make(name: str, folder: Path) -> None:
    # SpikeInterface warns that a generated recording keeps no provenance: expected here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _sort_and_export(name, folder)


def _sort_and_export(name: str, folder: Path) -> None:
    import spikeinterface.core as sc
    from spikeinterface.exporters import export_to_phy

    recording, gt = sc.generate_ground_truth_recording(
        durations=[15.0], sampling_frequency=25_000.0, num_channels=8, num_units=6, seed=2)
    # Sorters need a recording they can re-open: the generated one is saved as binary first.
    recording = recording.save(folder=folder / "recording", n_jobs=1, progress_bar=False)
    if name == "ground_truth":
        # The generator names units "0", "1"...; sorters use integers, and export_to_phy's
        # cluster_si_unit_ids.tsv cannot tell "0" from 0 (the curation export reads ints).
        sorting = gt.rename_units(gt.unit_ids.astype(int))
    else:
        import spikeinterface.sorters as ss

        sorting = ss.run_sorter(name, recording, folder=folder / "sorter_output", verbose=False,
                                remove_existing_folder=True)
    sorting = sorting.remove_empty_units().save(folder=folder / "sorting")
    analyzer = sc.create_sorting_analyzer(sorting, recording, sparse=True, format="memory")
    analyzer.compute(["random_spikes", "waveforms", "templates", "noise_levels"])
    analyzer.compute(["principal_components", "spike_amplitudes"])
    with _numpy_template_similarity():
        analyzer.compute("template_similarity")
    export_to_phy(analyzer, folder / "phy", compute_pc_features=True, compute_amplitudes=True, copy_binary=True,
                  add_quality_metrics=False, add_template_metrics=False, dtype="int16", verbose=False,
                  use_relative_path=True, n_jobs=1, progress_bar=False)
    # The sorter's scratch files and the recording (the folder has its own copy, recording.dat).
    del analyzer, recording
    shutil.rmtree(folder / "sorter_output", ignore_errors=True)
    shutil.rmtree(folder / "recording", ignore_errors=True)


# The checks of each sorter's folder ----------------------------------------------------------
# Shared by tests/model/test_si_sorters.py (FAST, `make test`) and
# tests/realdata/test_si_sorters_slow.py (SLOW, `make test-realdata`).

def copy_phy(src: Path, dst: Path) -> Path:
    """A writable copy of ``src`` (its raw file linked: only read); returns its params.py."""
    dst.mkdir(parents=True)
    for p in src.iterdir():
        if p.name == "recording.dat":
            (dst / p.name).symlink_to(p.resolve())
        elif p.is_file():
            shutil.copy2(p, dst / p.name)
    return dst / "params.py"


def check_folder_contents(made: Path) -> None:
    """What export_to_phy writes, whatever the sorter."""
    names = {p.name for p in (made / "phy").iterdir()}
    assert {"params.py", "spike_times.npy", "spike_templates.npy", "spike_clusters.npy", "templates.npy",
            "template_ind.npy", "amplitudes.npy", "pc_features.npy", "pc_feature_ind.npy", "channel_map.npy",
            "channel_positions.npy", "similar_templates.npy", "cluster_si_unit_ids.tsv", "recording.dat"} <= names


def check_session_and_curation(made: Path, tmp: Path) -> None:
    """Open in a headless controller, read what the views read, curate, save, export, and
    apply the export to the sorter's sorting with SpikeInterface."""
    import json

    import numpy as np
    import spikeinterface.curation as si_curation

    from phycore.controller import TemplateController

    params = copy_phy(made / "phy", tmp)
    c = TemplateController(params)
    try:
        c.wait()
        sup = c.supervisor
        ids = [int(x) for x in sup.clustering.cluster_ids]
        assert len(ids) >= 3, f"{made.name} found {len(ids)} units"
        for cid in ids[:3]:
            w = c.get_waveforms(cid)
            assert w is not None and np.isfinite(np.asarray(w.data)).all()
            assert np.isfinite(np.asarray(c.get_features(cid).data)).all()
            assert len(c.get_amplitudes(cid)) == len(sup.clustering.spikes_in_clusters([cid]))
        assert np.asarray(c.get_correlograms(ids[:2])).shape[:2] == (2, 2)
        sup.merge([ids[0], ids[1]])
        merged = int(sup.clustering.cluster_ids.max())
        sup.split(sup.clustering.spikes_in_clusters([ids[2]])[::2])
        sup.label("group", "good", [merged])
        c.save()
        out = c.export_curation()
    finally:
        c.close()
    content = json.loads(out.read_text())
    curated = si_curation.apply_curation(load_sorting(made), content)
    times = np.load(tmp / "spike_times.npy").reshape(-1)
    clusters = np.load(tmp / "spike_clusters.npy").reshape(-1)
    ours = {int(k): np.sort(times[clusters == k]).tolist() for k in np.unique(clusters)}
    theirs = {u: np.sort(curated.get_unit_spike_train(u)).tolist() for u in curated.unit_ids}
    assert sorted(ours.values()) == sorted(theirs.values())
    quality = dict(zip(curated.unit_ids, curated.get_property("quality")))
    unit = next(u for u, t in theirs.items() if t == ours[merged])
    assert quality[unit] == "good"


def sorter_tests(sorters: tuple[str, ...], missing: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """The fixtures and tests of a module checking the folders of ``sorters``: add them to
    the module with ``globals().update(sorter_tests(...))``.

    ``made`` (one folder per sorter, module-scoped), ``pair`` (our model and phylib's on
    copies of it), phylib's checks of the flavour tests (which use ``pair``),
    ``test_folder_contents`` and ``test_session_and_curation_back_to_the_sorter``.
    ``missing(reason)`` is called for a sorter that is not installed (default: skip).
    Skips the whole module without phylib or SpikeInterface's curation.
    """
    import pytest

    from phycore.model import load_model

    phylib_model = pytest.importorskip("phylib.io.model")
    pytest.importorskip("spikeinterface.curation")
    from tests.model.test_template_model_phylib_oracle import (
        test_arrays_identical, test_templates_and_best_channels, test_waveforms_and_features)

    on_missing = missing or pytest.skip

    @pytest.fixture(scope="module", params=sorters)
    def made(request: pytest.FixtureRequest) -> Path:
        name = request.param
        if not sorter_installed(name):
            on_missing(f"{name} is not installed (SpikeInterface: spikeinterface.sorters.installed_sorters())")
        return sorted_folder(name)

    @pytest.fixture(scope="module")
    def pair(made: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
        tmp = tmp_path_factory.mktemp(made.name)
        ours = load_model(copy_phy(made / "phy", tmp / "ours"))
        ref = phylib_model.load_model(copy_phy(made / "phy", tmp / "ref"))
        yield ours, ref
        ours.close()
        ref.close()

    def test_folder_contents(made: Path) -> None:
        check_folder_contents(made)

    def test_session_and_curation_back_to_the_sorter(made: Path, tmp_path: Path) -> None:
        check_session_and_curation(made, tmp_path / "session")

    return {"made": made, "pair": pair, "test_arrays_identical": test_arrays_identical,
            "test_templates_and_best_channels": test_templates_and_best_channels,
            "test_waveforms_and_features": test_waveforms_and_features,
            "test_folder_contents": test_folder_contents,
            "test_session_and_curation_back_to_the_sorter": test_session_and_curation_back_to_the_sorter}


if __name__ == "__main__":
    print(sorted_folder(sys.argv[1] if len(sys.argv) > 1 else "ground_truth"))
