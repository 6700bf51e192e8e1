"""Auto-labels: rules (the cluster-table filter language), and the proposal a batch writes,
applied by the session's next open as one undoable action."""

from __future__ import annotations

from pathlib import Path

import pytest

from phycore.batch import parse_rule, propose_labels, run_batch
from phycore.controller import TemplateController
from phycore.errors import FilterExpressionError

ROWS = [
    {"id": 1, "n_spikes": 50, "isi_violation_ratio": 0.9, "group": None},
    {"id": 2, "n_spikes": 50, "isi_violation_ratio": 0.1, "group": "good"},
    {"id": 3, "n_spikes": 5000, "isi_violation_ratio": 0.9, "group": "unsorted"},
    {"id": 4, "n_spikes": 80, "isi_violation_ratio": None, "group": None},
]


def test_parse_rule_forms() -> None:
    r = parse_rule("noise: isi_violation_ratio > 0.5 && n_spikes < 100")
    assert (r.field, r.value, r.expression) == ("group", "noise", "isi_violation_ratio > 0.5 && n_spikes < 100")
    assert str(r) == "noise: isi_violation_ratio > 0.5 && n_spikes < 100"
    r = parse_rule(" flag = suspect : presence_ratio < 0.9")
    assert (r.field, r.value, r.expression, str(r)) == ("flag", "suspect", "presence_ratio < 0.9",
                                                        "flag=suspect: presence_ratio < 0.9")
    assert parse_rule("group=mua: n_spikes < 3") == parse_rule("mua: n_spikes < 3")


def test_parse_rule_refuses_the_field_the_curation_export_calls_group() -> None:
    # SpikeInterface's "quality" is phy's group: the export would drop a field of that name.
    with pytest.raises(FilterExpressionError, match="'quality', which is reserved.*Write 'suspect: presence_ratio"):
        parse_rule("quality=suspect: presence_ratio < 0.9")


@pytest.mark.parametrize("text", ["noise", "noise:", ": n_spikes < 3", "9x=a: n_spikes < 3", "noise: n_spikes <",
                                  "noise: __import__('os')"])
def test_parse_rule_rejects(text: str) -> None:
    with pytest.raises(FilterExpressionError):
        parse_rule(text)


def test_first_matching_rule_wins_and_labels_are_kept_unless_overwritten() -> None:
    rules = [parse_rule("noise: n_spikes < 100 and isi_violation_ratio > 0.5"), parse_rule("mua: n_spikes < 100"),
             parse_rule("good: isi_violation_ratio > 0.5")]
    # 1: noise (first rule); 2: already good, kept; 3: "unsorted" counts as no label; 4: mua
    # (a missing value never compares true).
    assert propose_labels(ROWS, rules) == {"group": {1: "noise", 3: "good", 4: "mua"}}
    assert propose_labels(ROWS, rules, overwrite=True) == {"group": {1: "noise", 2: "mua", 3: "good", 4: "mua"}}
    assert propose_labels(ROWS, [parse_rule("x=y: n_spikes > 1000000000")]) == {}
    with pytest.raises(FilterExpressionError, match="Unknown column 'nope'"):
        propose_labels(ROWS, [parse_rule("noise: nope > 1")])


def test_labels_are_applied_at_next_open_as_one_undoable_action(sessions: Path) -> None:
    folder = sessions / "s3"
    rules = ["noise: n_spikes < 200", "flag=suspect: presence_ratio < 0.95"]
    [s] = run_batch([folder], engine="serial", labels=rules).sessions
    assert s.proposed.get("group") and s.proposed.get("flag")

    c = TemplateController(folder, metrics=False)
    try:
        sup = c.supervisor
        for field, values in s.proposed.items():
            labels = sup.get_labels(field)
            assert {k: labels[k] for k in values} == values
        before = {u["id"]: u["group"] for u in s.units}
        assert sup.is_dirty() and sup.can_undo
        sup.undo()  # one undo removes them all
        assert sup.get_labels("group") == before
        assert set(sup.get_labels("flag").values()) == {None}
        assert not sup.is_dirty() and not sup.can_undo
        sup.redo()
        assert {k: sup.get_labels("group")[k] for k in s.proposed["group"]} == s.proposed["group"]
        sup.save()
    finally:
        c.close()
    assert not (folder / ".phy" / "proposed_labels.json").exists()
    assert (folder / ".phy" / "proposed_labels.applied.json").exists()
    # Saved in phy's files, and not applied twice.
    c = TemplateController(folder, metrics=False)
    try:
        assert not c.supervisor.can_undo
        assert {k: c.supervisor.get_labels("group")[k] for k in s.proposed["group"]} == s.proposed["group"]
    finally:
        c.close()


def test_a_read_only_session_leaves_the_proposal_for_later(sessions: Path) -> None:
    folder = sessions / "s3"
    run_batch([folder], engine="serial", labels=["noise: n_spikes < 200"])
    c = TemplateController(folder, metrics=False, read_only=True)
    try:
        assert not c.supervisor.can_undo
    finally:
        c.close()
    assert (folder / ".phy" / "proposed_labels.json").exists()


def test_a_label_the_curator_saved_while_the_batch_ran_is_kept(sessions: Path) -> None:
    folder = sessions / "s0"
    curator = TemplateController(folder, metrics=False)  # open while the batch runs (read-only: no lock needed)
    try:
        [s] = run_batch([folder], engine="serial", labels=["noise: n_spikes >= 0"]).sessions
        x, y = sorted(s.proposed["group"])[:2]
        curator.supervisor.label("group", "good", [x])
        curator.save()  # labels only: spike_clusters.npy unchanged
    finally:
        curator.close()
    c = TemplateController(folder, metrics=False)
    try:
        assert c.supervisor.get_labels("group")[x] == "good"
        assert c.supervisor.get_labels("group")[y] == "noise"
    finally:
        c.close()
