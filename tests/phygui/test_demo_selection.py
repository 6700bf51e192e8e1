"""``phygui --demo``'s first selection: the top merge candidate and a stimulus-responsive unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from phycore.controller import TemplateController
from phycore.model.synthetic import make_dataset, read_truth
from phygui.app import _demo_selection


@pytest.fixture()
def controller(tmp_path: Path):  # type: ignore[no-untyped-def]
    make_dataset(tmp_path, n_spikes=None, n_channels=32, n_templates=24, duration=120.0, seed=3,
                 realistic=True, raw=False)
    c = TemplateController(tmp_path / "params.py", metrics=False)
    yield c
    c.close()


def test_demo_selects_a_planted_pair_and_a_responsive_unit(controller: TemplateController) -> None:
    truth = read_truth(controller.dir_path)
    _demo_selection(controller, Path(controller.dir_path) / "params.py")
    sup = controller.supervisor
    a, r = sup.selected_clusters
    (b,) = sup.selected_similar
    # The merge review's top pair is one of the planted over-split units.
    assert sorted((a, b)) in [sorted(p) for p in truth["oversplit_pairs"]]
    assert controller.merge_review.current == tuple(sorted((a, b)))
    # The other cluster is the unit responding most to the stimulus.
    rates = {int(c): v["rate_hz"] for c, v in truth["responsive_clusters"].items() if int(c) not in (a, b)}
    assert r == max(rates, key=rates.__getitem__)


def test_demo_folder_without_ground_truth_selects_the_best_cluster(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, raw=False)
    c = TemplateController(tmp_path / "params.py", metrics=False)
    try:
        _demo_selection(c, tmp_path / "params.py")
        assert len(c.supervisor.selected_clusters) == 1
    finally:
        c.close()
