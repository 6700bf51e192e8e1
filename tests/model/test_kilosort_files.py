"""Kilosort 4's own files: ``ops.npy`` read without running code, its drift estimate,
``kept_spikes.npy`` and ``spike_positions.npy`` (the real folder: tests/realdata)."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from phycore.model import load_model
from phycore.model.synthetic import make_dataset


@pytest.fixture
def ks4(tmp_path: Path) -> Path:
    return make_dataset(tmp_path, n_spikes=600, n_channels=8, n_templates=4, duration=2.0, raw=False,
                        flavor="ks4", n_channels_loc=8)


def _ops(n_batches: int = 4) -> dict:
    return {"fs": 30000.0, "batch_size": 60000, "settings": {"n_chan_bin": 8, "probe_name": "p"},
            "dshift": np.arange(n_batches * 2, dtype=np.float32).reshape(n_batches, 2) - 3,
            "yblk": np.array([40.0, 120.0]), "iC": np.arange(8, dtype=np.int32)[:, None],
            "Nbatches": n_batches, "is_tensor": ["iC"], "nan": float("nan"), "name": "x"}


def test_ops_and_drift(ks4: Path) -> None:
    np.save(ks4.parent / "ops.npy", np.array(_ops()), allow_pickle=True)
    m = load_model(ks4)
    ops = m.kilosort_ops
    assert ops is not None and ops["settings"] == {"n_chan_bin": 8, "probe_name": "p"}
    np.testing.assert_array_equal(ops["dshift"], _ops()["dshift"])
    assert ops["dshift"].dtype == np.float32 and ops["Nbatches"] == 4
    d = m.drift
    np.testing.assert_allclose(d.times, [1.0, 3.0, 5.0, 7.0])
    np.testing.assert_array_equal(d.depths, [40.0, 120.0])
    np.testing.assert_array_equal(d.shifts, _ops()["dshift"])
    assert m.kilosort_ops is ops  # read once


class _Evil:
    def __reduce__(self) -> tuple:
        return (os.system, ("echo pwned > pwned.txt",))


def test_ops_with_code_is_refused(ks4: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ops = _ops()
    ops["payload"] = _Evil()
    np.save(ks4.parent / "ops.npy", np.array(ops, dtype=object), allow_pickle=True)
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        m = load_model(ks4)
        assert m.kilosort_ops is None and m.drift is None
    assert not (tmp_path / "pwned.txt").exists()
    assert "posix.system" in caplog.text or "os.system" in caplog.text or "nt.system" in caplog.text


def test_ops_not_a_dict(ks4: Path, caplog: pytest.LogCaptureFixture) -> None:
    np.save(ks4.parent / "ops.npy", np.arange(3))
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        assert load_model(ks4).kilosort_ops is None
    assert "ops.npy" in caplog.text


def test_kept_spikes(ks4: Path, caplog: pytest.LogCaptureFixture) -> None:
    m = load_model(ks4)
    kept = np.ones(m.n_spikes + 5, dtype=bool)
    kept[[3, 10, 11, 50, 99]] = False
    np.save(ks4.parent / "kept_spikes.npy", kept)
    np.testing.assert_array_equal(load_model(ks4).kept_spikes, kept)
    np.save(ks4.parent / "kept_spikes.npy", np.ones(m.n_spikes + 1, dtype=bool))  # one True too many
    with caplog.at_level(logging.WARNING, logger="phycore.model"):
        assert load_model(ks4).kept_spikes is None
    assert "kept_spikes.npy" in caplog.text


def test_spike_positions(ks4: Path, tmp_path: Path) -> None:
    m = load_model(ks4)
    np.testing.assert_array_equal(m.spike_positions, np.load(ks4.parent / "spike_positions.npy"))
    # The ks4 flavour writes Kilosort 4's other files too.
    assert m.kept_spikes is not None and m.kept_spikes.sum() == m.n_spikes and not m.kept_spikes.all()
    assert m.drift is not None and m.drift.shifts.shape == (1, 1)  # 2 s: one batch, one block
    assert set(m.spike_attributes) == {"positions", "detection_templates"}
    plain = load_model(make_dataset(tmp_path / "phy", n_spikes=300, n_channels=8, n_templates=3, duration=1.0,
                                    raw=False))
    assert plain.spike_positions is None and plain.kept_spikes is None and plain.drift is None


def test_unpickler_allows_only_data() -> None:
    from phycore.model._kilosort import _DataUnpickler
    import io

    ok = pickle.dumps({"a": np.arange(3.0), "b": np.float32(2), "c": [1, "x", (2, 3)], "d": slice(1, 2)})
    out = _DataUnpickler(io.BytesIO(ok)).load()
    assert out["b"] == np.float32(2) and out["d"] == slice(1, 2)
    with pytest.raises(pickle.UnpicklingError, match="not plain data"):
        _DataUnpickler(io.BytesIO(pickle.dumps(Path("x")))).load()
