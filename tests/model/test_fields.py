"""The field table of the model (phycore/model/_fields.py) and the code that iterates it."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

from phycore.model import TemplateModel, load_model
from phycore.model._fields import FIELD, FIELDS, spike_attribute_skip
from phycore.model.synthetic import make_dataset


def test_from_arrays_arguments_are_field_names() -> None:
    params = inspect.signature(TemplateModel.from_arrays).parameters
    not_fields = {"sample_rate", "raw_data", "metadata", "hp_filtered", "n_closest_channels",
                  "amplitude_threshold"}
    assert set(params) - not_fields <= set(FIELD)


def test_table_is_consistent() -> None:
    assert len(FIELD) == len(FIELDS)
    assert len({f.file for f in FIELDS}) == len(FIELDS)
    for f in FIELDS:
        if f.growable:
            assert f.per_spike, f.name
        if f.parent is not None:
            assert FIELDS.index(FIELD[f.parent]) < FIELDS.index(f), f.name
    assert spike_attribute_skip() == {"samples", "times", "templates", "clusters", "amplitudes",
                                      "times_reordered"}


@pytest.mark.parametrize("flavor", ["phy", "ks3"])
def test_synthetic_writes_the_table_files_the_loader_reads(tmp_path: Path, flavor: str) -> None:
    params = make_dataset(tmp_path, n_spikes=500, n_channels=8, n_templates=4, duration=1.0,
                          raw=False, flavor=flavor)
    written = {p.name for p in tmp_path.iterdir()}
    model = load_model(params)
    for f in FIELDS:
        if f.file in written:
            assert f.file in model.files, f.file
    for f in FIELDS:
        if f.required:
            assert f.file in written


def test_growable_fields_grow_together(tmp_path: Path) -> None:
    model = load_model(make_dataset(tmp_path, n_spikes=300, n_channels=8, n_templates=4,
                                    duration=1.0, raw=False))
    t = float(model.spike_times[-1]) + 0.01
    assert model.sparse_features is not None and model.sparse_template_features is not None
    kw = {"features": np.zeros((2,) + model.sparse_features.data.shape[1:], np.float32),
          "template_features": np.zeros((2,) + model.sparse_template_features.data.shape[1:], np.float32)}
    ids = model.append_spikes([t, t + 0.01], [0, 1], [1.0, 1.0], **kw)
    n = model.n_spikes
    assert list(ids) == [n - 2, n - 1]
    for arr in (model.spike_samples, model.spike_times, model.spike_templates, model.spike_clusters,
                model.amplitudes, model.sparse_features.data, model.sparse_template_features.data):
        assert arr is not None and arr.shape[0] == n
