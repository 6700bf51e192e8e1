"""The merge review view model, headless, on a folder with planted over-split pairs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phycore.controller.controller import TemplateController
from phycore.errors import FilterExpressionError
from phygui.viewmodels.merge_review import MERGE_REVIEW_SHORTCUTS, MergeReviewModel, format_score
from tests._oversplit import make_oversplit_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, int]]]:
    return make_oversplit_folder(tmp_path_factory.mktemp("vm_oversplit") / "data")


@pytest.fixture
def model(folder: tuple[Path, list[tuple[int, int]]], tmp_path: Path):  # type: ignore[no-untyped-def]
    d = tmp_path / "data"
    shutil.copytree(folder[0], d)
    c = TemplateController(d, metrics=False)
    yield MergeReviewModel(c.merge_review, max_rows=20)
    c.close()


def test_rows_show_the_planted_pairs_first(model: MergeReviewModel, folder: tuple[Path, list]) -> None:
    assert not model.ready and model.rows() == []
    assert model.tick() and "scoring the pairs of 8/" in model.status()
    while model.tick():
        pass
    assert model.ready and not model.tick()
    rows = model.rows()
    assert len(rows) == 20 and len(rows[0].cells) == len(model.columns)
    assert {r.pair for r in rows[:3]} == {tuple(sorted(p)) for p in folder[1]}
    assert not any(r.current for r in rows)
    assert model.headers[2] == "score v" and "cross_cont" in model.headers
    assert format_score(float("nan")) == "" and format_score(0.12345) == "0.123" and format_score(7) == "7"


def test_commands_move_merge_and_reject(model: MergeReviewModel) -> None:
    review = model.review
    sup = review._c.supervisor
    first = model.next_pair()
    assert model.rows()[0].current and sorted(sup.selected) == list(first)
    second = model.next_pair()
    assert model.previous_pair() == first
    model.reject_pair()
    assert first not in review.pairs and review.current == second
    assert "1 rejected" in model.status() and f"{second[0]}-{second[1]}" in model.status()
    n = len(sup.clustering.cluster_ids)
    model.accept_pair()
    assert len(sup.clustering.cluster_ids) == n - 1
    assert model.accept_pair() is None  # no current pair after a merge: nothing happens
    model.click_row(review.pairs[2])
    assert review.current == review.pairs[2]


def test_drawing_during_the_build_never_scores_more(model: MergeReviewModel) -> None:
    """rows(), a header click and a filter during the build score nothing: only tick() does,
    a bounded part per frame."""
    review = model.review
    model.tick()
    progress, n_scored = review.progress, review.scorer.n_scored
    rows = model.rows()
    model.click_header("similarity")
    model.set_filter("score > 0.1")
    model.rows()
    model.status()
    assert rows and review.progress == progress and review.scorer.n_scored == n_scored and not model.ready
    model.tick()
    assert progress[0] < review.progress[0] <= progress[0] + model.clusters_per_frame


def test_header_click_and_filter(model: MergeReviewModel) -> None:
    while model.tick():
        pass
    model.click_header("ccg_dip")
    assert model.review.table.current_sort == ("ccg_dip", "desc")
    model.click_header("ccg_dip")
    assert model.review.table.current_sort == ("ccg_dip", "asc")
    model.set_filter("score > 0.6")
    assert model.rows() and all(model.review.row(r.pair)["score"] > 0.6 for r in model.rows())
    with pytest.raises(FilterExpressionError):
        model.set_filter("nope > 1")
    assert set(MERGE_REVIEW_SHORTCUTS.values()) == {"ctrl+shift+down", "ctrl+shift+up", "ctrl+shift+g",
                                                    "ctrl+shift+x"}
