"""Cluster tables as users' tools write them: encodings, stray quotes, stray files, columns
that collide with computed ones, folders in the way. What can be read correctly is read;
what cannot is refused with a DataFormatError naming the file; a save never replaces a
table whose labels were not read."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from phycore.controller import TemplateController
from phycore.errors import DataFormatError
from phycore.model import load_model
from phycore.model._files import COMPUTED_COLUMNS
from phycore.model.tables import read_cluster_tsv, write_cluster_tsv
from tests._folders import file_hashes, fresh_copy, small_folder

phylib_model = pytest.importorskip("phylib.io.model")
phylib_misc = pytest.importorskip("phylib.utils._misc")

#: Labels of clusters that exist in the small folder (ids 0, 3, 4, 5, 6), some accented
#: so that the encoding matters.
GROUPS = {0: "good", 3: "noise", 4: "mua", 5: "bon_é", 6: "über"}
GROUP_TEXT = "cluster_id\tgroup\r\n" + "".join(f"{c}\t{g}\r\n" for c, g in GROUPS.items())


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory, "tables-robust")


@pytest.fixture
def d(base: Path, tmp_path: Path) -> Path:
    return fresh_copy(base, tmp_path)


def _metadata(d: Path) -> dict[str, dict[int, Any]]:
    m = load_model(d / "params.py")
    try:
        return m.metadata
    finally:
        m.close()


def _warnings(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


# Encodings --------------------------------------------------------------------------------

def test_utf8_bom_is_read(d: Path) -> None:
    (d / "cluster_group.tsv").write_bytes(GROUP_TEXT.encode("utf-8-sig"))
    assert _metadata(d)["group"] == GROUPS
    # Text decoded as plain UTF-8 keeps the mark; the parser drops it too.
    assert read_cluster_tsv(GROUP_TEXT.encode("utf-8-sig").decode("utf-8")) == {"group": GROUPS}


@pytest.mark.parametrize("encoding, warned", [("utf-16", None), ("utf-16-be", None), ("utf-32", None),
                                              ("latin-1", "cp1252"), ("cp1252", "cp1252")])
def test_other_encodings_are_read(d: Path, caplog: pytest.LogCaptureFixture, encoding: str,
                                  warned: str | None) -> None:
    data = GROUP_TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # with its byte-order mark
    (d / "cluster_group.tsv").write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        assert _metadata(d)["group"] == GROUPS
    if warned:
        assert "cluster_group.tsv" in _warnings(caplog) and warned in _warnings(caplog)
    else:
        assert _warnings(caplog) == ""


def test_latin1_only_bytes_fall_back_to_latin1(d: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 0x81 is undefined in cp1252: only latin-1 decodes it.
    (d / "cluster_group.tsv").write_bytes(b"cluster_id\tgroup\n0\tx\x81\xe9\n")
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        assert _metadata(d)["group"] == {0: "x\x81é"}
    assert "latin-1" in _warnings(caplog)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_labels_survive_load_label_save_reload(d: Path, encoding: str) -> None:
    (d / "cluster_group.tsv").write_bytes(GROUP_TEXT.encode(encoding))
    c = TemplateController(d / "params.py", metrics=False)
    try:
        c.supervisor.label("group", "mua", cluster_ids=[0])
        c.supervisor.label("note", 'tab\there, "quoted"', cluster_ids=[3])
        c.supervisor.save()
    finally:
        c.close()
    expected = {**GROUPS, 0: "mua"}
    saved = (d / "cluster_group.tsv").read_bytes()
    assert saved == write_cluster_tsv("group", expected).encode("utf-8")  # UTF-8, as phy writes
    # phylib reads what we wrote, accents and quoted cells included.
    assert phylib_model.load_metadata(d / "cluster_group.tsv") == {"group": expected}
    assert phylib_model.load_metadata(d / "cluster_note.tsv") == {"note": {3: 'tab\there, "quoted"'}}
    c = TemplateController(d / "params.py", metrics=False)
    try:
        assert {k: v for k, v in c.supervisor.get_labels("group").items() if v} == expected
        assert c.supervisor.get_labels("note")[3] == 'tab\there, "quoted"'
    finally:
        c.close()


@pytest.mark.parametrize("data, what", [
    (GROUP_TEXT.encode("utf-16") + b"\x00", "utf-16"),  # odd length after a UTF-16 mark
    (GROUP_TEXT.encode("utf-16-le"), "NUL"),  # UTF-16 without a mark
    (b"cluster_id\tgroup\n0\tgo\x00od\n", "NUL"),  # binary
])
def test_undecodable_table_is_refused_and_kept(d: Path, data: bytes, what: str) -> None:
    (d / "cluster_group.tsv").write_bytes(data)
    before = file_hashes(d)
    with pytest.raises(DataFormatError, match=what) as e:
        load_model(d / "params.py")
    assert Path(e.value.path or "").name == "cluster_group.tsv" and "cluster_group.tsv" in str(e.value)
    assert file_hashes(d) == before


# Quotes -----------------------------------------------------------------------------------

def test_stray_quote_does_not_swallow_rows(d: Path) -> None:
    text = 'cluster_id\tgroup\n0\t"good\n3\tmua\n4\tnoise\n'
    # The csv module alone (phylib) reads one row: the quote swallows the others.
    (d / "cluster_group.tsv").write_text(text)
    assert len(phylib_misc.read_tsv(d / "cluster_group.tsv")) == 1
    with pytest.raises(DataFormatError, match=r"Line 2 of .*cluster_group\.tsv.*quote") as e:
        load_model(d / "params.py")
    assert Path(e.value.path or "").name == "cluster_group.tsv"
    # Two stray quotes on different lines do not pair up across them either.
    with pytest.raises(DataFormatError, match="Line 2"):
        read_cluster_tsv('cluster_id\tgroup\n0\t"good\n3\tmua"\n')


def test_quotes_and_tabs_in_values_round_trip(tmp_path: Path) -> None:
    values = {0: "a\tb", 1: 'say "hi"', 2: '12" probe', 3: '"', 4: "a,b", 5: ' lead', 7: None}
    text = write_cluster_tsv("note", values)
    expected = {c: v for c, v in values.items() if v is not None}
    assert read_cluster_tsv(text) == {"note": expected}
    # Same bytes as phylib's writer, read back the same by phylib's reader.
    phylib_misc._write_tsv_simple(tmp_path / "cluster_note.tsv", "note", expected)
    assert (tmp_path / "cluster_note.tsv").read_bytes() == text.encode()
    assert phylib_model.load_metadata(tmp_path / "cluster_note.tsv") == {"note": expected}
    # Unquoted quotes inside a cell (hand-written) are kept as they are.
    assert read_cluster_tsv('cluster_id\tnote\n0\t12" probe\n') == {"note": {0: '12" probe'}}


def test_line_breaks_in_values_are_refused_at_write() -> None:
    # The reader reads one row per line, so such a file could not be read back.
    for value in ("a\nb", "a\r\nb", "a\rb"):
        with pytest.raises(DataFormatError, match="line break") as e:
            write_cluster_tsv("note", {3: value})
        assert e.value.argument == "note" and "cluster 3" in str(e.value)


# Stray files and columns ------------------------------------------------------------------

def test_files_without_cluster_id_are_ignored_with_a_warning(d: Path, caplog: pytest.LogCaptureFixture) -> None:
    (d / "notes.csv").write_text("subject,date\nmouse1,2024-01-01\n")
    (d / "cluster_quality.tsv").write_text("id\tquality\n0\t5\n")
    (d / "empty.tsv").write_text("")
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        meta = _metadata(d)
    assert set(meta) == {"group"}
    assert "notes.csv" in _warnings(caplog) and "cluster_quality.tsv" in _warnings(caplog)
    # phylib ignores them too (silently).
    assert phylib_model.load_metadata(d / "notes.csv") == {}
    assert phylib_model.load_metadata(d / "cluster_quality.tsv") == {}


@pytest.mark.parametrize("name", ["cluster_group.tsv", "cluster_KSLabel.tsv"])
def test_table_a_save_would_overwrite_must_have_cluster_id(d: Path, name: str) -> None:
    # cluster_group.tsv is always written by a save; cluster_KSLabel.tsv is when another
    # file has a KSLabel column. Ignoring them would let the save replace unread labels.
    (d / name).write_text("id\tlabel\n0\tgood\n")
    if name == "cluster_KSLabel.tsv":
        (d / "sorter.csv").write_text("cluster_id,KSLabel\n0,good\n")
    with pytest.raises(DataFormatError, match=f"{name}.*cluster_id.*overwrite") as e:
        load_model(d / "params.py")
    assert Path(e.value.path or "").name == name


def test_computed_columns_win_and_their_files_are_kept(d: Path, caplog: pytest.LogCaptureFixture) -> None:
    (d / "cluster_n_spikes.tsv").write_text("cluster_id\tn_spikes\n0\t999999\n")
    (d / "sorter.tsv").write_text("cluster_id\tamp\tscore\n0\t-1\t0.5\n")
    before = file_hashes(d)
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        c = TemplateController(d / "params.py", metrics=False)
    try:
        assert "cluster_n_spikes.tsv" in _warnings(caplog) and "sorter.tsv" in _warnings(caplog)
        row = c.supervisor.cluster_table.row(0)
        assert row["n_spikes"] == int(c.supervisor.clustering.spike_counts[0]) != 999999
        assert row["amp"] == c.columns.amp(0) != -1 and row["score"] == 0.5
        # Every computed column of the table is protected.
        assert {"id", "n_spikes", *c.columns.as_metrics()} <= COMPUTED_COLUMNS
        c.supervisor.label("group", "good", cluster_ids=[0])
        written = {Path(p).name for p in c.supervisor.save()}
    finally:
        c.close()
    assert not written & {"cluster_n_spikes.tsv", "cluster_amp.tsv", "sorter.tsv"}
    after = file_hashes(d)
    assert after["cluster_n_spikes.tsv"] == before["cluster_n_spikes.tsv"]
    assert after["sorter.tsv"] == before["sorter.tsv"]
    assert "cluster_amp.tsv" not in after


def test_the_file_a_save_writes_wins_a_shared_column(d: Path, caplog: pytest.LogCaptureFixture) -> None:
    (d / "cluster_group.tsv").write_text("cluster_id\tgroup\n0\tgood\n3\tnoise\n")
    (d / "zz_other.tsv").write_text("cluster_id\tgroup\n0\tmua\n")  # read after it
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        assert _metadata(d)["group"] == {0: "good", 3: "noise"}
    assert "zz_other.tsv" in _warnings(caplog)


# Folders and invalid ids ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cluster_group.tsv", "cluster_info.tsv"])
def test_folder_where_a_save_writes_is_refused_at_load(d: Path, name: str) -> None:
    # Refused before any curation, rather than at the save after it.
    (d / name).unlink(missing_ok=True)
    (d / name).mkdir()
    with pytest.raises(DataFormatError, match=f"{name}.*folder.*Rename or remove") as e:
        load_model(d / "params.py")
    assert Path(e.value.path or "").name == name


def test_other_folders_are_ignored(d: Path) -> None:
    (d / "exports.csv").mkdir()
    assert _metadata(d)["group"]


def test_invalid_cluster_id_is_refused(d: Path) -> None:
    (d / "cluster_group.tsv").write_text("cluster_id\tgroup\n0\tgood\n-3\tmua\n")
    with pytest.raises(DataFormatError, match=r"Line 3 of .*cluster_group\.tsv.*-3"):
        load_model(d / "params.py")


def test_empty_table_loads(d: Path) -> None:
    (d / "cluster_group.tsv").write_bytes(b"")
    assert _metadata(d).get("group", {}) == {}


def test_a_column_without_a_name_is_not_a_field() -> None:
    # A header cut short after its tab (a truncated file) must not declare a field ''.
    assert read_cluster_tsv("cluster_id\t\n") == {}
    assert read_cluster_tsv("cluster_id\t\tgroup\n3\tx\tgood\n") == {"group": {3: "good"}}
