"""cluster_*.tsv and cluster_info.tsv: byte-compatible with phylib's writers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phycore import load_model
from phycore.errors import DataFormatError
from phycore.model.synthetic import make_dataset
from phycore.model.tables import cluster_info_bytes, read_cluster_tsv, write_cluster_tsv

phylib_misc = pytest.importorskip("phylib.utils._misc")


def test_cluster_field_tsv_matches_phylib(tmp_path: Path) -> None:
    values = {3: "good", 1: "mua", 7: None, 12: "noise", 5: 0.25, 8: 3}
    ref = tmp_path / "cluster_group.tsv"
    phylib_misc._write_tsv_simple(ref, "group", {c: v for c, v in values.items() if v is not None})
    assert write_cluster_tsv("group", values).encode() == ref.read_bytes()
    assert read_cluster_tsv(ref.read_text()) == {"group": {1: "mua", 3: "good", 5: 0.25, 8: 3, 12: "noise"}}


def test_cluster_info_matches_phylib(tmp_path: Path) -> None:
    rows = [
        {"id": 4, "n_spikes": 120, "fr": 2.5, "amp": np.float32(31.25), "group": "good", "is_masked": False,
         "KSLabel": "mua", "ch": 12, "depth": 40.0},
        {"id": 2, "n_spikes": 7, "fr": 1 / 3, "amp": 9.87654321123, "group": None, "is_masked": False,
         "ch": 3, "depth": 0.0},
    ]
    ref = tmp_path / "cluster_info.tsv"
    data = [{("cluster_id" if k == "id" else k): v for k, v in r.items()} for r in rows]
    phylib_misc.write_tsv(ref, data, first_field="cluster_id", exclude_fields=("is_masked",),
                          n_significant_figures=8)
    assert cluster_info_bytes(rows) == ref.read_bytes()


def test_malformed_label_file_names_the_file(tmp_path: Path) -> None:
    params = make_dataset(tmp_path / "d", n_spikes=2000, n_channels=8, n_templates=4, duration=2.0, raw=False)
    (Path(params).parent / "cluster_quality.tsv").write_text("cluster_id\tquality\nabc\tgood\n")
    with pytest.raises(DataFormatError, match="cluster_quality.tsv"):
        load_model(params)
