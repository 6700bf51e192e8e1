"""Curation handed back to SpikeInterface, end to end: a folder written by SpikeInterface's
``export_to_phy`` is curated through our controller (merges, splits, labels), saved and
exported; SpikeInterface's own model validates the file and its ``apply_curation`` on the
sorting that was exported gives the units of our saved ``spike_clusters.npy``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.cli import main as phycore_main
from phycore.controller import TemplateController
from phycore.controller.curation import ORIGINAL_NAME, export_curation
from phycore.model.synthetic import make_dataset
from tests._si_sorters import load_sorting, sorted_folder

sc = pytest.importorskip("spikeinterface.core")
si_curation = pytest.importorskip("spikeinterface.curation")
from spikeinterface.curation.curation_model import Curation, SequentialCuration  # noqa: E402


@pytest.fixture(scope="session")
def si_made() -> Path:
    """SpikeInterface's ground-truth sorting of a small generated recording, exported."""
    return sorted_folder("ground_truth")


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for p in src.iterdir():
        if p.name == "recording.dat":
            (dst / p.name).symlink_to(p)  # only read
        elif p.is_file():
            shutil.copy2(p, dst / p.name)
    return dst / "params.py"


def _validate(content: Any) -> None:
    if isinstance(content, list):
        SequentialCuration(curation_steps=content)
    else:
        Curation(**content)


def _trains(sorting: Any) -> dict[Any, np.ndarray]:
    return {u: np.sort(sorting.get_unit_spike_train(u)) for u in sorting.unit_ids}


def _saved_clusters(folder: Path) -> dict[int, np.ndarray]:
    times = np.load(folder / "spike_times.npy").reshape(-1)
    clusters = np.load(folder / "spike_clusters.npy").reshape(-1)
    return {int(c): np.sort(times[clusters == c]) for c in np.unique(clusters)}


def _same_units(curated: Any, folder: Path) -> dict[int, Any]:
    """Curated units equal the saved clusters, as sets of spike trains; returns
    ``{cluster: unit id}``."""
    ours = _saved_clusters(folder)
    theirs = _trains(curated)
    by_train = {t.tobytes(): u for u, t in theirs.items()}
    assert len(theirs) == len(ours)
    match = {c: by_train.get(t.tobytes()) for c, t in ours.items()}
    assert None not in match.values(), [c for c, u in match.items() if u is None]
    return match


def test_curated_in_our_controller_applied_by_spikeinterface(si_made: Path, tmp_path: Path) -> None:
    params = _copy(si_made / "phy", tmp_path / "phy")
    c = TemplateController(params, metrics=False)
    sup = c.supervisor
    ids = [int(x) for x in sup.clustering.cluster_ids]
    sup.merge([ids[0], ids[1]])  # a merge of whole units
    merged = int(sup.clustering.cluster_ids.max())
    rest = sup.clustering.spikes_in_clusters([ids[2]])
    sup.split(rest[::3])  # a split of one unit
    # A merge, then a split across the merged units: two curation steps.
    sup.merge([ids[3], ids[4]])
    both = sup.clustering.spikes_in_clusters([int(sup.clustering.cluster_ids.max())])
    sup.split(both[::4])
    sup.label("group", "good", [merged])
    sup.label("group", "noise", [ids[5]])
    sup.label("kind", "axon", [merged])
    c.save()
    out = c.export_curation()
    c.close()
    assert out == tmp_path / "phy" / "curation.json"
    content = json.loads(out.read_text())
    _validate(content)
    assert isinstance(content, list) and len(content) == 2  # splits, then merges
    curated = si_curation.apply_curation(load_sorting(si_made), content)
    match = _same_units(curated, tmp_path / "phy")
    assert all(match[c] == c for c in match)  # the curated units have our cluster ids
    quality = dict(zip(curated.unit_ids, curated.get_property("quality")))
    assert quality[merged] == "good" and quality[ids[5]] == "noise"
    assert {u for u, q in quality.items() if q} == {merged, ids[5]}
    assert dict(zip(curated.unit_ids, curated.get_property("kind")))[merged] == "axon"


def test_one_step_and_removed_noise(si_made: Path, tmp_path: Path) -> None:
    params = _copy(si_made / "phy", tmp_path / "phy")
    c = TemplateController(params, metrics=False)
    sup = c.supervisor
    ids = [int(x) for x in sup.clustering.cluster_ids]
    sup.merge([ids[0], ids[1]])
    sup.label("group", "noise", [ids[2]])
    c.save()
    result = export_curation(c, tmp_path / "cur.json", remove_noise=True)
    c.close()
    content = json.loads((tmp_path / "cur.json").read_text())
    assert content == result and content["format_version"] == "2"
    si_curation.validate_curation_dict(content)
    assert content["removed"] == [ids[2]] and len(content["merges"]) == 1 and content["splits"] == []
    curated = si_curation.apply_curation(load_sorting(si_made), content)
    assert ids[2] not in curated.unit_ids
    assert len(curated.unit_ids) == len(ids) - 2


def test_original_kept_across_saves_of_a_kilosort_like_folder(tmp_path: Path) -> None:
    """Without export_to_phy's files, the original is the spike_clusters.npy the first save
    replaced (kept in .phy), so a second session still exports against the sorter's units."""
    params = Path(make_dataset(tmp_path / "ks", n_spikes=2000, n_channels=16, n_templates=6, duration=3.0,
                               seed=5, n_channels_loc=8, flavor="ks25"))
    sorter = np.load(tmp_path / "ks" / "spike_clusters.npy").reshape(-1).copy()
    times = np.load(tmp_path / "ks" / "spike_times.npy").reshape(-1)
    for step in range(2):  # two sessions, each saved
        c = TemplateController(params, metrics=False)
        sup = c.supervisor
        ids = [int(x) for x in sup.clustering.cluster_ids]
        if step == 0:
            sup.merge([ids[0], ids[1]])
        else:
            sup.split(sup.clustering.spikes_in_clusters([ids[-1]])[::2])
            sup.label("group", "mua", [ids[2]])
        c.save()
        c.close()
    assert (tmp_path / "ks" / ".phy" / ORIGINAL_NAME).exists()
    assert phycore_main(["curation-export", str(params), str(tmp_path / "out.json")]) == 0
    content = json.loads((tmp_path / "out.json").read_text())
    _validate(content)
    original = sc.NumpySorting.from_samples_and_labels([times], [sorter], 30_000.0)
    assert sorted(original.unit_ids.tolist()) == sorted(content["unit_ids"] if isinstance(content, dict)
                                                        else content[0]["unit_ids"])
    curated = si_curation.apply_curation(original, content)
    _same_units(curated, tmp_path / "ks")


def _ks_folder(tmp_path: Path) -> Path:
    return Path(make_dataset(tmp_path / "ks", n_spikes=2000, n_channels=16, n_templates=6, duration=3.0,
                             seed=5, n_channels_loc=8, flavor="ks25"))


def _exported(params: Path, out: Path) -> list[dict[str, Any]]:
    """The curation steps ``phycore curation-export`` writes for the folder, validated."""
    assert phycore_main(["curation-export", str(params), str(out)]) == 0
    content = json.loads(out.read_text())
    _validate(content)
    return content if isinstance(content, list) else [content]


def test_save_failing_after_its_commit_point_keeps_the_original(tmp_path: Path, monkeypatch: Any) -> None:
    """A save that fails once committed (its manifest on disk: the next open finishes it) is
    a save: the original kept before it must stay, or the export loses the merge."""
    from phycore.controller.save_transaction import MANIFEST_NAME, SaveTransaction
    from phycore.errors import SaveError

    params = _ks_folder(tmp_path)
    sorter = np.load(tmp_path / "ks" / "spike_clusters.npy").reshape(-1).copy()
    times = np.load(tmp_path / "ks" / "spike_times.npy").reshape(-1)
    c = TemplateController(params, metrics=False)
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    c.supervisor.merge([ids[0], ids[1]])

    def fail_after_commit(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError(5, "I/O error after the commit point")

    with monkeypatch.context() as m:
        m.setattr(SaveTransaction, "_finish", fail_after_commit)
        with pytest.raises(SaveError):
            c.save()
    c.close()
    assert (tmp_path / "ks" / ".phy" / MANIFEST_NAME).exists()  # committed, not finished
    assert (tmp_path / "ks" / ".phy" / ORIGINAL_NAME).exists()
    TemplateController(params, metrics=False).close()  # this open finishes the save
    steps = _exported(params, tmp_path / "out.json")
    assert [sorted(m["unit_ids"]) for m in steps[0]["merges"]] == [sorted([ids[0], ids[1]])]
    original = sc.NumpySorting.from_samples_and_labels([times], [sorter], 30_000.0)
    _same_units(si_curation.apply_curation(original, steps if len(steps) > 1 else steps[0]), tmp_path / "ks")


def test_original_is_spike_templates_when_the_folder_had_no_spike_clusters(tmp_path: Path) -> None:
    """Without spike_clusters.npy the session starts from spike_templates (as phy does) and
    the first save creates the file: the original kept is spike_templates, not that save."""
    params = _ks_folder(tmp_path)
    (tmp_path / "ks" / "spike_clusters.npy").unlink()
    templates = np.load(tmp_path / "ks" / "spike_templates.npy").reshape(-1).copy()
    times = np.load(tmp_path / "ks" / "spike_times.npy").reshape(-1)
    for step in range(2):  # two sessions, each saved: the second must not keep the first's save
        c = TemplateController(params, metrics=False)
        sup = c.supervisor
        ids = [int(x) for x in sup.clustering.cluster_ids]
        if step == 0:
            sup.merge([ids[0], ids[1]])
            merged = [ids[0], ids[1]]
        else:
            sup.label("group", "mua", [ids[2]])
        c.save()
        c.close()
    np.testing.assert_array_equal(np.load(tmp_path / "ks" / ".phy" / ORIGINAL_NAME), templates)
    steps = _exported(params, tmp_path / "out.json")
    assert sorted(steps[0]["unit_ids"]) == np.unique(templates).tolist()
    assert [sorted(m["unit_ids"]) for m in steps[0]["merges"]] == [merged]
    original = sc.NumpySorting.from_samples_and_labels([times], [templates], 30_000.0)
    _same_units(si_curation.apply_curation(original, steps if len(steps) > 1 else steps[0]), tmp_path / "ks")
