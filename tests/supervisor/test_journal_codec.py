"""The journal's compact spike-id codec (format 2), format 1 compatibility, and
:meth:`Journal.id_floor` (the ids a journal's actions handed out)."""

from __future__ import annotations

import base64
import json
import zlib

import numpy as np
import pytest

from phycore.supervisor import Journal
from phycore.supervisor.journal import decode, encode


def _ids(n: int, k: int, seed: int = 0) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).choice(n, k, replace=False)).astype(np.int64)


@pytest.mark.parametrize("array", [
    _ids(10_000_000, 100_000),                              # a split over every cluster: u2 steps
    _ids(1000, 900),                                        # dense: u1 steps
    np.array([3, 70_000, 5_000_000_000]),                   # u4, then u8 steps
    np.array([-5, -2, 0, 4]),                               # negative start
    np.arange(17, 100_017),                                 # a contiguous run: its bounds
    np.array([5, 3, 3, 9]),                                 # not increasing: offsets, u1
    np.array([70_000, -3, 12]),                             # offsets, u4
    np.array([2**62, -(2**62)]),                            # offsets, u8
    np.array([2, 2]),                                       # repeated
    np.array([7]),
    np.zeros(0, dtype=np.int64),
    np.array([[1, 2], [3, 4]]),                             # 2-D: flattened, as format 1 did
], ids=["random-1pc", "dense", "wide-steps", "negative", "range", "unsorted", "unsorted-wide", "unsorted-huge",
        "repeated", "one", "empty", "2d"])
def test_int_arrays_roundtrip_through_json(array: np.ndarray) -> None:
    line = json.dumps(encode({"spike_ids": array}))
    back = decode(json.loads(line))["spike_ids"]
    assert back.dtype == np.int64
    np.testing.assert_array_equal(back, array.ravel())


def test_split_ids_are_stored_as_small_steps() -> None:
    ids = _ids(10_000_000, 100_000)
    value = encode(ids)
    assert set(value) == {"__increasing__", "first", "dtype"} and value["dtype"] == "<u2"
    assert len(value["__increasing__"]) < 300_000  # 2 bytes a spike, base64
    assert encode(np.arange(5, 10)) == {"__range__": [5, 10]}
    clusters = np.random.default_rng(1).integers(100, 700, 1000)  # an undo's cluster ids
    value = encode(clusters)
    assert value["dtype"] == "<u2" and value["offset"] == clusters.min()


def test_format_1_journals_are_still_read(tmp_path) -> None:
    """A journal written before format 2 (every int array deflated as int64) replays."""
    spikes = np.arange(0, 50_000, 3, dtype=np.int64)
    packed = base64.b64encode(zlib.compress(spikes.tobytes(), 1)).decode("ascii")
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps({"journal": 1, "spike_clusters": "h", "new_cluster_id": 12}) + "\n"
                    + json.dumps({"op": "split", "spike_ids": {"__int64__": packed}, "spike_clusters_rel": 0}) + "\n"
                    + json.dumps({"op": "merge", "cluster_ids": [1, 2], "to": 13}) + "\n")
    header, entries = Journal.read(path)
    assert header["new_cluster_id"] == 12
    np.testing.assert_array_equal(entries[0]["spike_ids"], spikes)
    assert entries[1] == {"op": "merge", "cluster_ids": [1, 2], "to": 13}
    assert Journal.id_floor(path) == 14  # format 1: the merge's "to" + 1


def test_id_floor_reads_every_line_it_can(tmp_path) -> None:
    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    j.start({"spike_clusters": "h", "new_cluster_id": 20})
    j.append({"op": "split", "spike_ids": np.arange(3), "next_id": 23})
    j.close()
    assert Journal.id_floor(path) == 23
    with open(path, "ab") as f:
        f.write(b'{"op": "mer\xff\n')                               # damaged: skipped
        f.write(b'{"op": "label", "next_id": 40, "value": {"to": 99}}\n')  # after it: counted,
        # but only its top-level keys (a label's value could hold anything)
        f.write(b'{"op": "merge", "to": 45, "next_id"')             # torn last line: skipped
    assert Journal.id_floor(path) == 40
    assert Journal.id_floor(tmp_path / "missing.jsonl") == 0
