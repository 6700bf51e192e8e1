"""The sparse template-feature projection equals the dense product it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.model._features import get_template_features, project_template_features


def _case(rng: np.random.Generator, with_rows: bool) -> dict[str, np.ndarray | int | None]:
    n_spikes, n_templates, n_loc = 400, 12, 5
    cols = rng.integers(-1, n_templates + 2, size=(n_templates, n_loc))  # -1 and out-of-range ids
    cols[0, 1] = cols[0, 3] = 4  # a template listed twice: the last occurrence wins
    cols[1] = -1  # a template with no usable column
    spike_templates = rng.integers(0, n_templates, n_spikes)
    rows = np.sort(rng.choice(n_spikes, n_spikes // 2, replace=False)) if with_rows else None
    n_rows = n_spikes // 2 if with_rows else n_spikes
    data = rng.normal(size=(n_rows, n_loc)).astype(np.float32)
    return dict(data=data, cols=cols, rows=rows, spike_templates=spike_templates, n_templates=n_templates)


@pytest.mark.parametrize("with_rows", [False, True])
@pytest.mark.parametrize("sparse_cols", [True, False])
def test_projection_equals_the_dense_product(with_rows: bool, sparse_cols: bool) -> None:
    rng = np.random.default_rng(4)
    case = _case(rng, with_rows)
    if not sparse_cols:
        case["cols"] = None
    ids = np.sort(rng.choice(400, 150, replace=False))
    weights = rng.random((12, 2))
    dense = np.asarray(get_template_features(case["data"], case["cols"], case["rows"], case["spike_templates"],
                                             ids, 12), np.float64) @ weights
    ours = project_template_features(case["data"], case["cols"], case["rows"], case["spike_templates"],
                                     ids, 12, weights)
    assert ours.shape == dense.shape == (150, 2)
    # Same NaN rows (spikes without features), same zeros (templates without columns).
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(dense))
    np.testing.assert_allclose(ours, dense, rtol=1e-12, atol=1e-12)
    if with_rows:
        assert np.isnan(ours).any()
    if sparse_cols:
        assert (ours[case["spike_templates"][ids] == 1] == 0).all()


def test_kept_columns_are_kept_per_column_table(monkeypatch: pytest.MonkeyPatch) -> None:
    # The kept-columns mask of a column table is computed once and reused while the table
    # lives (a new table, or another template count, recomputes it); same projections.
    from phycore.model import _features

    rng = np.random.default_rng(5)
    case = _case(rng, True)
    ids = np.sort(rng.choice(400, 150, replace=False))
    weights = rng.random((12, 2))
    args = (case["data"], case["cols"], case["rows"], case["spike_templates"], ids, 12, weights)
    first = project_template_features(*args)
    kept = _features._kept_columns_of(case["cols"], 12)
    assert _features._kept_columns_of(case["cols"], 12) is kept and not kept.flags.writeable
    np.testing.assert_array_equal(kept, _features._kept_columns(np.asarray(case["cols"]), 12))
    assert _features._kept_columns_of(case["cols"], 11) is not kept
    assert _features._kept_columns_of(case["cols"].copy(), 12) is not _features._kept_columns_of(case["cols"], 12)
    np.testing.assert_array_equal(project_template_features(*args), first)
    monkeypatch.setattr(_features, "_KEEP", False)
    np.testing.assert_array_equal(project_template_features(*args), first)
