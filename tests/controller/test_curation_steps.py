"""curation_steps against SpikeInterface itself: each plan is validated with its curation
model and applied with its ``apply_curation``; the curated sorting must have the final
assignment's units, spike trains and labels."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from phycore.controller.curation import curation_steps

sc = pytest.importorskip("spikeinterface.core")
si_curation = pytest.importorskip("spikeinterface.curation")
from spikeinterface.curation.curation_model import Curation, SequentialCuration  # noqa: E402

STEP = 7  # spike i is at sample 7 * i: a sample gives back the spike index


def _sorting(original: np.ndarray, unit_id_of: dict[int, Any] | None) -> Any:
    labels = np.array([unit_id_of[o] if unit_id_of else o for o in original.tolist()])
    return sc.NumpySorting.from_samples_and_labels([np.arange(len(original)) * STEP], [labels], 30_000.0)


def _check(original, final, labels=None, unit_id_of=None, removed=(), n_steps=None) -> list[dict]:
    original, final = np.asarray(original), np.asarray(final)
    steps, final_ids = curation_steps(original, final, labels, unit_id_of=unit_id_of, removed=removed)
    content = json.loads(json.dumps(steps[0] if len(steps) == 1 else steps))  # what the file holds
    if isinstance(content, list):
        SequentialCuration(curation_steps=content)
    else:
        si_curation.validate_curation_dict(content)
    curated = si_curation.apply_curation(_sorting(original, unit_id_of), content)
    expected = {final_ids[f]: set(np.flatnonzero(final == f).tolist()) for f in np.unique(final).tolist()
                if f not in removed}
    got = {u: set((curated.get_unit_spike_train(u) // STEP).tolist()) for u in curated.unit_ids}
    assert got == expected
    for key in {k for lab in (labels or {}).values() for k in lab}:
        values = dict(zip(curated.unit_ids, curated.get_property(key)))
        for f, u in final_ids.items():
            if f not in removed:
                assert values[u] == (labels or {}).get(f, {}).get(key, ""), (f, key)
    if n_steps is not None:
        assert len(steps) == n_steps
    return steps


ORIG = np.array([0, 1, 2, 0, 1, 2, 3, 3, 0, 1, 2, 3, 4, 4, 4, 0, 2])


def test_nothing_done_labels_only() -> None:
    steps = _check(ORIG, ORIG, {0: {"quality": "good"}, 3: {"quality": "noise"}}, n_steps=1)
    assert steps[0]["merges"] == steps[0]["splits"] == []


def test_merge_of_whole_units_keeps_our_id() -> None:
    final = np.where(np.isin(ORIG, [0, 1]), 5, ORIG)
    steps = _check(ORIG, final, {5: {"quality": "good"}, 2: {"quality": "mua"}}, n_steps=1)
    assert steps[0]["merges"] == [{"unit_ids": [0, 1], "new_unit_id": 5}]


def test_split_of_one_unit() -> None:
    final = ORIG.copy()
    final[[0, 15]] = 5  # two of unit 0's four spikes
    steps = _check(ORIG, final, {5: {"quality": "good"}, 0: {"quality": "good"}}, n_steps=1)
    (split,) = steps[0]["splits"]
    # Our cluster 0 (the rest) is a new unit whose id is taken by the original unit 0.
    assert split["unit_id"] == 0 and sorted(split["new_unit_ids"]) == [5, 6]


def test_split_parts_labelled_differently_take_a_label_step() -> None:
    final = ORIG.copy()
    final[[0, 15]] = 5
    _check(ORIG, final, {5: {"quality": "good"}, 0: {"quality": "noise"}}, n_steps=2)


def test_merge_then_split_is_two_steps() -> None:
    final = np.where(np.isin(ORIG, [0, 1]), 5, ORIG)
    final[[0, 1]] = 6  # one spike of 0 and one of 1 split off the merged cluster
    final[2] = 6  # and one of 2
    _check(ORIG, final, {6: {"quality": "noise"}, 5: {"quality": "good"}, 4: {"kind": "axon"}}, n_steps=2)


def test_cluster_with_exactly_one_units_spikes_keeps_the_units_id() -> None:
    final = np.where(ORIG == 3, 9, ORIG)  # split then merged back: same spikes, new id
    steps, final_ids = curation_steps(ORIG, final)
    assert final_ids[9] == 3 and steps[0]["merges"] == steps[0]["splits"] == []


def test_removed_noise() -> None:
    final = np.where(np.isin(ORIG, [0, 1]), 5, ORIG)
    _check(ORIG, final, {2: {"quality": "noise"}}, removed=[2], n_steps=1)
    _check(ORIG, final, {5: {"quality": "noise"}}, removed=[5], n_steps=2)  # a merged unit


def test_sorter_unit_ids_one_based_and_colliding() -> None:
    # export_to_phy numbers clusters 0..n-1; mountainsort5's units are 1..n.
    ids = {o: o + 1 for o in range(5)}
    final = np.where(np.isin(ORIG, [0, 1]), 5, ORIG)  # 5 is also the sorting's unit of cluster 4
    final[[2, 16]] = 6
    _check(ORIG, final, {5: {"quality": "good"}}, unit_id_of=ids)


def test_string_unit_ids() -> None:
    ids = {o: f"u{o}" for o in range(5)}
    final = np.where(np.isin(ORIG, [0, 1]), 5, ORIG)
    final[[2, 6]] = 6
    _check(ORIG, final, {6: {"quality": "mua"}}, unit_id_of=ids)


@pytest.mark.parametrize("seed", range(6))
def test_random_sessions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    original = rng.integers(0, 6, 300)
    final = original.copy()
    next_id = 6
    for _ in range(rng.integers(1, 6)):
        ids = np.unique(final)
        if rng.random() < 0.5 and len(ids) > 1:
            final[np.isin(final, rng.choice(ids, 2, replace=False))] = next_id
        else:
            final[rng.random(final.size) < 0.2] = next_id
        next_id += 1
    groups = ["good", "mua", "noise", None]
    labels = {int(c): {"quality": g} for c in np.unique(final) if (g := groups[rng.integers(4)])}
    _check(original, final, labels)
