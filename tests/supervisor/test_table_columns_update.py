"""TableModel.update_columns: several columns at once, the visible order as a full refresh."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.supervisor.table_model import TableModel


def _table(sort: tuple[str, str] | None, filter_text: str | None = None) -> TableModel:
    rng = np.random.default_rng(1)
    t = TableModel("ClusterView", ["n_spikes", "fr", "amp"], sort=sort)
    t.set_rows({c: {"n_spikes": int(rng.integers(1, 50)), "fr": float(rng.random()), "amp": None}
                for c in range(40)})
    if filter_text:
        t.filter(filter_text)
    return t


@pytest.mark.parametrize("sort", [("n_spikes", "desc"), ("fr", "asc"), ("amp", "desc"), None])
@pytest.mark.parametrize("filter_text", [None, "amp > 0.5"])
def test_update_columns_orders_rows_as_a_fresh_table(sort: tuple[str, str] | None, filter_text: str | None) -> None:
    t = _table(sort, filter_text)
    rng = np.random.default_rng(2)
    # The metrics of some clusters arrive (columns that may or may not be the sort's).
    cells = {"amp": {c: float(rng.random()) for c in range(0, 40, 3)},
             "fr": {c: float(rng.random()) for c in range(1, 40, 4)}, "missing": {999: 1.0}}
    t.update_columns(cells)
    fresh = TableModel("ClusterView", ["n_spikes", "fr", "amp"], sort=sort)
    fresh.set_rows({c: {k: v for k, v in t.row(c).items() if k != "id"} for c in t.ids})
    if filter_text:
        fresh.filter(filter_text)
    assert t.visible_ids == fresh.visible_ids
    assert [t.index(c) for c in t.visible_ids] == list(range(len(t.visible_ids)))
    assert t.get(3, "amp") == cells["amp"][3] and t.get(5, "fr") == cells["fr"][5]
    assert 999 not in t


def test_update_values_is_one_column() -> None:
    t = _table(("amp", "desc"))
    t.update_values("amp", {7: 10.0})
    assert t.visible_ids[0] == 7 and t.get(7, "amp") == 10.0
