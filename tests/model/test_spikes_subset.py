"""phy's waveform cache (``_phy_spikes_subset.*.npy``): phycore writes phylib's files.

phylib 2.7.1's ``TemplateModel.save_spikes_subset_waveforms`` is the oracle, run on a
copy of the same folder after ``np.random.seed(seed)`` (it samples templates with more
spikes from numpy's global generator; phycore draws the same numbers from
``RandomState(seed)``). Neither filters the waveforms, so the files are compared byte
for byte, no tolerance needed.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.errors import DataFormatError, RawDataError, SaveError
from phycore.model import load_model
from phycore.model import spikes_subset
from phycore.model.spikes_subset import SUBSET_FILES, select_subset_spikes
from phycore.model.synthetic import make_dataset
from phycore.model.waveforms import extract_waveforms

phylib_model = pytest.importorskip("phylib.io.model")

#: name -> make_dataset arguments. ``long``: 50 raw-data chunks of 600 s at 50 Hz (so only
#: every third chunk is kept) and 6 channels (fewer than the 12 closest: -1 padded rows).
FOLDERS: dict[str, dict[str, Any]] = {
    "dense": dict(n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, seed=0),
    "sparse": dict(n_spikes=3000, n_channels=32, n_templates=8, duration=5.0, seed=3, flavor="ks25",
                   sparse=True, n_channels_loc=20),
    "long": dict(n_spikes=4000, n_channels=6, n_templates=5, duration=30000.0, sample_rate=50.0,
                 n_samples_waveforms=20, seed=2),
}


@pytest.fixture(scope="module", params=sorted(FOLDERS))
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp(request.param)
    make_dataset(d, raw=True, **FOLDERS[request.param])
    return d


def _pair(source: Path, tmp_path: Path, n: int, nc: int | None, seed: int = 0) -> tuple[Path, Path]:
    """(our folder, phylib's folder), each with its subset files written."""
    ours, ref = tmp_path / "ours", tmp_path / "ref"
    shutil.copytree(source, ours)
    shutil.copytree(source, ref)
    m = phylib_model.load_model(ref / "params.py")
    np.random.seed(seed)
    m.save_spikes_subset_waveforms(max_n_spikes_per_template=n, max_n_channels=nc)
    m.close()
    model = load_model(ours / "params.py")
    paths = model.save_spikes_subset_waveforms(n, nc, seed=seed)
    assert paths == [ours / name for name in SUBSET_FILES]
    model.close()
    return ours, ref


# 200 spikes of ~500: phylib's np.random.choice branch; 40: its Generator branch; 5000:
# every spike of the kept chunks (no sampling). nc None and 8 are raised to 12.
@pytest.mark.parametrize("n, nc", [(200, 16), (40, None), (5000, 8)])
def test_files_equal_phylibs(source: Path, tmp_path: Path, n: int, nc: int | None) -> None:
    ours, ref = _pair(source, tmp_path, n, nc)
    for name in SUBSET_FILES:
        a, b = np.load(ours / name), np.load(ref / name)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert np.array_equal(a, b), name
        assert (ours / name).read_bytes() == (ref / name).read_bytes(), name
    spikes, channels = np.load(ours / SUBSET_FILES[2]), np.load(ours / SUBSET_FILES[1])
    assert spikes.dtype == np.int64 and channels.dtype == np.int32
    assert channels.shape[1] == max(nc or 12, 12)
    assert not list(ours.glob(".*.tmp"))


def test_phylib_reads_our_files_and_we_read_them_without_raw_data(source: Path, tmp_path: Path) -> None:
    ours, ref = _pair(source, tmp_path, 100, 16)
    theirs_on_ours = phylib_model.load_model(ours / "params.py")
    theirs = phylib_model.load_model(ref / "params.py")
    pool = np.load(ours / SUBSET_FILES[2])
    sel = pool[::3]
    (ours / "raw.dat").unlink()
    model = load_model(ours / "params.py")
    try:
        assert not model.has_raw_data and model.spike_waveforms is not None
        np.testing.assert_array_equal(model.spike_waveforms.rows, pool)
        for t in range(3):
            ch = theirs.get_template_channels(t)
            expected = theirs.get_waveforms(sel, ch)
            np.testing.assert_array_equal(theirs_on_ours.get_waveforms(sel, ch), expected)
            # float32 (phycore's waveform dtype) of raw int16 values: exact.
            np.testing.assert_array_equal(model.get_waveforms(sel, ch), expected.astype(np.float32))
        missing = np.setdiff1d(np.arange(model.n_spikes), pool)[:1]
        with pytest.raises(RawDataError, match="raw.dat"):
            model.get_waveforms(missing)
    finally:
        model.close()
        theirs_on_ours.close()
        theirs.close()


def test_model_uses_new_files_and_seed_repeats(tmp_path: Path) -> None:
    params = make_dataset(tmp_path / "d", raw=True, **FOLDERS["dense"])
    model = load_model(params)
    assert model.spike_waveforms is None
    seen: list[float] = []
    paths = model.save_spikes_subset_waveforms(100, 12, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    first = [p.read_bytes() for p in paths]
    np.testing.assert_array_equal(model.spike_waveforms.rows, np.load(paths[2]))
    c = model.get_cluster_channels(0)
    ids = model.select_waveform_spikes(0)
    assert np.all(np.isin(ids, model.spike_waveforms.rows))
    assert model.traces is not None  # the pool holds the raw data's windows
    np.testing.assert_array_equal(model.get_waveforms(ids, c),
                                  extract_waveforms(model.traces, model.spike_samples[ids], c, 82))
    model.save_spikes_subset_waveforms(100, 12)
    assert [p.read_bytes() for p in paths] == first  # same seed, same files
    model.save_spikes_subset_waveforms(100, 12, seed=1)
    assert paths[2].read_bytes() != first[2]
    # sample2unit=None keeps the raw dtype (phylib's writer crashes on None).
    model.save_spikes_subset_waveforms(100, 12, None)
    w = np.load(paths[0])
    assert w.dtype == np.int16
    np.testing.assert_array_equal(w, np.load(io.BytesIO(first[0])))
    model.close()


def test_no_raw_data_is_an_error_naming_the_file(tmp_path: Path) -> None:
    params = make_dataset(tmp_path / "d", raw=True, **FOLDERS["dense"])
    (tmp_path / "d" / "raw.dat").unlink()
    model = load_model(params)
    with pytest.raises(RawDataError, match="raw.dat") as info:
        model.save_spikes_subset_waveforms()
    assert info.value.path is not None and info.value.path.endswith("raw.dat")
    assert not list((tmp_path / "d").glob("*subset*")) and not list((tmp_path / "d").glob(".*"))
    with pytest.raises(RawDataError, match="raw.dat"):  # nothing to read waveforms from
        model.get_waveforms([0])
    with pytest.raises(DataFormatError, match="max_n_spikes_per_template"):
        model.save_spikes_subset_waveforms(0)


def test_read_only_folder_leaves_old_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "d"
    params = make_dataset(d, raw=True, **FOLDERS["dense"])
    model = load_model(params)
    paths = model.save_spikes_subset_waveforms(50, 12)
    before = [p.read_bytes() for p in paths]
    os.chmod(d, 0o555)
    try:
        if os.access(d, os.W_OK):  # root ignores the mode: refuse the writes as the OS would
            def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            monkeypatch.setattr(spikes_subset, "open", refuse, raising=False)
        with pytest.raises(SaveError, match="_phy_spikes_subset.waveforms.npy") as info:
            model.save_spikes_subset_waveforms(80, 12)
        assert "read-only" in str(info.value) and info.value.errno == errno.EACCES
    finally:
        os.chmod(d, 0o755)
    assert [p.read_bytes() for p in paths] == before
    assert not list(d.glob(".*.tmp"))
    model.close()


def test_interrupted_write_leaves_old_files(tmp_path: Path) -> None:
    d = tmp_path / "d"
    params = make_dataset(d, raw=True, **FOLDERS["dense"])
    model = load_model(params)
    paths = model.save_spikes_subset_waveforms(50, 12)
    before = [p.read_bytes() for p in paths]

    def interrupt(fraction: float) -> None:
        if 0 < fraction < 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # > 1,000 spikes: the bar moves between batches
        model.save_spikes_subset_waveforms(400, 12, progress=interrupt)
    assert [p.read_bytes() for p in paths] == before
    assert not list(d.glob(".*.tmp"))
    model.close()


def test_selection_rule() -> None:
    # 3 chunks of 10 samples, all kept; template 1 has 3 spikes (kept whole), template 0 has
    # 12 (sampled to 4); spikes past the last chunk bound are never chosen.
    samples = np.r_[np.arange(0, 24, 2), [1, 5, 9], [30, 31]]
    templates = np.r_[np.zeros(12, int), np.ones(3, int), [2, 2]]
    out = select_subset_spikes(samples, templates, [0, 10, 20, 30], 4)
    assert out.dtype == np.int64 and np.all(np.diff(out) > 0)
    assert set(out.tolist()) >= {12, 13, 14} and not set(out.tolist()) & {15, 16}
    assert len(out) == 7
    np.testing.assert_array_equal(out, select_subset_spikes(samples, templates, [0, 10, 20, 30], 4))
    assert len(select_subset_spikes([], [], [0, 10], 4)) == 0


def test_features_from_the_pool_without_pc_features(tmp_path: Path) -> None:
    # Kilosort 3 writes no pc_features.npy: phylib then computes 3 components per channel
    # from the pool's waveforms of the requested spikes (phy's feature view uses them).
    params = make_dataset(tmp_path / "d", raw=True, n_spikes=3000, n_channels=16, n_templates=6,
                          duration=5.0, seed=4, flavor="ks3")
    model = load_model(params)
    assert model.sparse_features is None and model.get_features([0, 1], [0, 1]) is None
    model.save_spikes_subset_waveforms(100, 16)
    theirs = phylib_model.load_model(params)
    try:
        assert theirs.features is None and theirs.spike_waveforms is not None
        pool = model.spike_waveforms.rows
        ch = model.get_cluster_channels(0)[:4]
        spikes = model.get_cluster_spikes(0)
        ours_f, ref_f = model.get_features(spikes, ch), theirs.get_features(spikes, ch)
        assert ours_f.dtype == np.float32 and ours_f.shape == ref_f.shape == (len(spikes), 4, 3)
        in_pool = np.isin(spikes, pool)
        assert 0 < in_pool.sum() < len(spikes)
        # Same components (signs included); float32 result of the same float64 sums.
        np.testing.assert_allclose(ours_f[in_pool], ref_f[in_pool], rtol=1e-5, atol=1e-3)
        assert np.all(np.isnan(ours_f[~in_pool])) and np.all(ref_f[~in_pool] == 0)
    finally:
        theirs.close()
        model.close()


def test_float32_raw_data(tmp_path: Path) -> None:
    # phylib 2.7.1 under numpy 2 writes float32 bytes under a float64 header here (its
    # ``waveforms * 1.0`` stays float32), a truncated file; phycore writes float64 values.
    d = tmp_path / "d"
    params = make_dataset(d, raw=True, **FOLDERS["dense"])
    ref = tmp_path / "int16"
    shutil.copytree(d, ref)
    np.fromfile(d / "raw.dat", dtype=np.int16).astype(np.float32).tofile(d / "raw.dat")
    (d / "params.py").write_text((d / "params.py").read_text().replace("'int16'", "'float32'"))
    model, model16 = load_model(params), load_model(ref / "params.py")
    assert model.dtype == np.float32
    a, b = model.save_spikes_subset_waveforms(100, 16), model16.save_spikes_subset_waveforms(100, 16)
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    model.close()
    model16.close()
