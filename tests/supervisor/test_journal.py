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


def _journal_with(tmp_path, n: int) -> Journal:
    j = Journal(tmp_path / "journal.jsonl")
    j.start({"spike_clusters": "h", "new_cluster_id": 9})
    for k in range(n):
        j.append({"op": "label", "name": "group", "value": f"v{k}", "cluster_ids": [k]})
    j.close()
    return j


def test_a_non_utf8_byte_ends_the_valid_prefix(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    j = _journal_with(tmp_path, 3)
    lines = j.path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2][:10] + b"\xff" + lines[2][11:]  # a torn write in the second action
    j.path.write_bytes(b"".join(lines))
    header, entries = Journal.read(j.path)
    assert header["new_cluster_id"] == 9 and [e["value"] for e in entries] == ["v0"]
    assert "journal.jsonl" in caplog.text and "2 line(s) from line 3" in caplog.text

    aside = j.set_aside_after(len(entries))
    assert aside is not None and aside.name.startswith("journal.jsonl.unrecovered-")
    assert aside.read_bytes() == lines[0] + lines[2] + lines[3]
    # New actions go right after the last valid one.
    j.resume()
    j.append({"op": "undo"})
    j.close()
    assert [e["op"] for e in Journal.read(j.path)[1]] == ["label", "undo"]
    assert j.aside_path() != aside  # two set-asides in the same second never collide


def test_set_aside_after_is_a_no_op_on_a_valid_journal(tmp_path) -> None:
    j = _journal_with(tmp_path, 2)
    before = j.path.read_bytes()
    assert j.set_aside_after(2) is None and j.path.read_bytes() == before


def test_an_unreadable_header_raises_naming_the_journal(tmp_path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b'{"journal": 1, "x": "\xff"}\n')
    with pytest.raises(StateFileError, match="journal.jsonl"):
        Journal.read(path)
