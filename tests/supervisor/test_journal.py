from __future__ import annotations

import numpy as np
import pytest

from phycore.errors import StateFileError
from phycore.supervisor import Journal
from phycore.supervisor.journal import decode, encode, hash_array


def test_roundtrip_with_arrays(tmp_path) -> None:
    path = tmp_path / ".phy" / "journal.jsonl"
    j = Journal(path)
    j.start({"spike_clusters": hash_array([1, 2]), "new_cluster_id": 5})
    spikes = np.arange(0, 100_000, 7, dtype=np.int64)
    j.append({"op": "split", "spike_ids": spikes, "spike_clusters_rel": 0})
    j.append({"op": "label", "name": "group", "value": "good", "cluster_ids": [np.int64(3)]})
    j.close()
    header, entries = Journal.read(path)
    assert header["new_cluster_id"] == 5
    assert header["spike_clusters"] == hash_array(np.array([1, 2], dtype=np.int32))
    np.testing.assert_array_equal(entries[0]["spike_ids"], spikes)
    assert entries[1] == {"op": "label", "name": "group", "value": "good", "cluster_ids": [3]}


def test_torn_last_line_is_ignored(tmp_path) -> None:
    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    j.start({})
    j.append({"op": "undo"})
    j.close()
    with open(path, "a") as f:
        f.write('{"op": "mer')  # the process died mid-write
    _, entries = Journal.read(path)
    assert entries == [{"op": "undo"}]


def test_corrupt_journal_names_the_file(tmp_path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text("not json\n")
    with pytest.raises(StateFileError, match="journal.jsonl"):
        Journal.read(path)
    j = Journal(tmp_path / "j2.jsonl")
    with pytest.raises(StateFileError, match="not started"):
        j.append({"op": "undo"})


def test_encode_decode_scalars() -> None:
    value = {"a": [np.int32(1), np.float32(0.5), np.bool_(True)], "b": None}
    assert decode(encode(value)) == {"a": [1, 0.5, True], "b": None}
