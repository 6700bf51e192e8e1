"""Real raw data: mtscomp .cbin (compressed by mtscomp itself), SpikeGLX .meta and Open
Ephys structure.oebin (real files written by SpikeGLX / the Open Ephys GUI, see
acquisition_data/README.md), truncated and missing raw files."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from phycore.model import load_model
from phycore.model._cbin import CompressedPart
from phycore.model.acquisition import find_acquisition, spikeglx_acquisition
from phycore.model.synthetic import make_dataset
from tests._acquisition_folders import DATA, openephys_folder, spikeglx_folder, write_params

mtscomp = pytest.importorskip("mtscomp")

NC = 16


@pytest.fixture(scope="session")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic folder with raw.dat (16 channels, 4 s at 30 kHz)."""
    return make_dataset(tmp_path_factory.mktemp("realraw") / "src", n_spikes=1500, n_channels=NC,
                        n_templates=6, duration=4.0, seed=5).parent


@pytest.fixture(scope="session")
def cbin_folder(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same folder with raw.dat compressed by mtscomp (0.5 s chunks), params.py
    without n_channels_dat (the .ch header gives it; phylib needs dtype)."""
    out = tmp_path_factory.mktemp("realraw") / "cbin"
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("raw.dat", "params.py", ".phy"))
    mtscomp.compress(source / "raw.dat", out / "raw.cbin", out / "raw.ch", sample_rate=30000.0,
                     n_channels=NC, dtype=np.int16, chunk_duration=0.5, n_threads=1,
                     check_after_compress=False)
    write_params(out, dat_path="raw.cbin", sample_rate=30000.0, dtype="int16", hp_filtered=False)
    return out


def test_cbin_values_equal_uncompressed(source: Path, cbin_folder: Path) -> None:
    flat, comp = load_model(source / "params.py"), load_model(cbin_folder / "params.py")
    assert comp.has_raw_data, comp.raw_data_error
    assert comp.n_channels_dat == NC and comp.dtype == np.int16 and comp.traces is not None
    assert comp.traces.n_samples == flat.traces.n_samples
    for i0, i1 in [(0, 100), (14_990, 15_020), (29_000, 61_000), (119_900, 120_000)]:
        np.testing.assert_array_equal(comp.traces[i0:i1], flat.traces[i0:i1])
    rows = np.array([5, 119_999, 60_001, 0, 14_999])
    np.testing.assert_array_equal(comp.traces.read_rows(rows, [3, 1]), flat.traces.read_rows(rows, [3, 1]))
    spikes = np.r_[0, 1, 2, np.arange(3, flat.n_spikes, 97), flat.n_spikes - 1]
    for filtered in (False, True):
        np.testing.assert_array_equal(comp.get_waveforms(spikes, filtered=filtered),
                                      flat.get_waveforms(spikes, filtered=filtered))
    np.testing.assert_array_equal(comp.traces.get_window(1.0, 1.2, filtered=True),
                                  flat.traces.get_window(1.0, 1.2, filtered=True))
    comp.close()
    flat.close()


def test_cbin_spikes_subset_equals_flat(source: Path, cbin_folder: Path, tmp_path: Path) -> None:
    """phy's extract-waveforms (``_phy_spikes_subset.*``) from the .cbin: the same files."""
    from phycore.model.spikes_subset import SUBSET_FILES, save_spikes_subset_waveforms

    flat = shutil.copytree(source, tmp_path / "flat", ignore=shutil.ignore_patterns(".phy"))
    comp = shutil.copytree(cbin_folder, tmp_path / "comp", ignore=shutil.ignore_patterns(".phy"))
    for folder in (flat, comp):
        m = load_model(folder / "params.py")
        save_spikes_subset_waveforms(m, 20, 8)
        m.close()
    for name in SUBSET_FILES:
        assert (flat / name).read_bytes() == (comp / name).read_bytes(), name


def test_cbin_reads_only_needed_chunks_with_bounded_cache(cbin_folder: Path) -> None:
    part = CompressedPart(cbin_folder / "raw.cbin", cache_bytes=1)  # the floor: two chunks
    assert part.max_chunks == 2 and len(part.chunk_bounds) == 9  # 8 chunks of 0.5 s
    part[16_000:16_100]
    assert part.n_decompressed == 1
    part[16_050:16_200]
    assert part.n_decompressed == 1  # cached
    for k in range(8):
        part[k * 15_000 + 10:k * 15_000 + 20]
        assert part.n_cached <= 2
    assert part.n_decompressed == 8
    part.close()


def test_cbin_thread_safe(cbin_folder: Path, source: Path) -> None:
    part = CompressedPart(cbin_folder / "raw.cbin", cache_bytes=3 * 15_000 * NC * 2)
    ref = np.fromfile(source / "raw.dat", dtype=np.int16).reshape(-1, NC)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for _ in range(40):
                i0 = int(rng.integers(0, ref.shape[0] - 20_000))
                i1 = i0 + int(rng.integers(1, 20_000))
                np.testing.assert_array_equal(part[i0:i1], ref[i0:i1])
        except BaseException as e:  # reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and part.n_cached <= part.max_chunks == 3
    part.close()


def test_cbin_matches_phylib(cbin_folder: Path) -> None:
    from phylib.io.model import load_model as phylib_load

    ours, theirs = load_model(cbin_folder / "params.py"), phylib_load(cbin_folder / "params.py")
    try:
        assert theirs.traces.shape == ours.traces.shape
        for i0, i1 in [(0, 50), (29_990, 31_000), (100_000, 120_000)]:
            np.testing.assert_array_equal(ours.traces[i0:i1], theirs.traces[i0:i1])
    finally:
        theirs.close()
        ours.close()


def test_cbin_truncated_names_file(cbin_folder: Path, tmp_path: Path) -> None:
    out = shutil.copytree(cbin_folder, tmp_path / "f")
    with (out / "raw.cbin").open("r+b") as f:
        f.truncate((out / "raw.cbin").stat().st_size // 2)
    m = load_model(out / "params.py")
    assert not m.has_raw_data and "raw.cbin" in m.raw_data_error and "truncated" in m.raw_data_error
    assert "bytes" in m.raw_data_error
    assert m.get_template_waveforms(0) is not None  # everything else works


def test_cbin_without_header_and_broken_meta(cbin_folder: Path, tmp_path: Path) -> None:
    out = shutil.copytree(cbin_folder, tmp_path / "f", ignore=shutil.ignore_patterns(".phy"))
    (out / "raw.ch").unlink()
    m = load_model(out / "params.py")
    assert not m.has_raw_data and "raw.ch" in m.raw_data_error and "does not exist" in m.raw_data_error
    write_params(out, dat_path="raw.cbin", sample_rate=30000.0, n_channels_dat=NC, dtype="int16")
    m = load_model(out / "params.py")
    assert not m.has_raw_data and "raw.ch" in m.raw_data_error and "does not exist" in m.raw_data_error
    (out / "raw.meta").write_text("this is not a SpikeGLX file\n")  # a damaged .meta
    with pytest.warns(UserWarning, match=r"raw\.meta.*acquisition metadata is ignored"):
        m = load_model(out / "params.py")
    assert m.acquisition == [] and m.n_spikes > 0


def test_flat_truncated_and_missing_messages(source: Path, tmp_path: Path) -> None:
    out = shutil.copytree(source, tmp_path / "f", ignore=shutil.ignore_patterns(".phy"))
    size = (out / "raw.dat").stat().st_size
    with (out / "raw.dat").open("r+b") as f:
        f.truncate(size // 2 // (2 * NC) * 2 * NC)
    m = load_model(out / "params.py")
    msg = m.raw_data_error
    assert not m.has_raw_data and "raw.dat" in msg and str(out) in msg and "truncated" in msg
    assert f"({size // 2 // (2 * NC) * 2 * NC:,} bytes, expected at least " in msg
    (out / "raw.dat").unlink()
    m = load_model(out / "params.py")
    assert not m.has_raw_data and "raw.dat" in m.raw_data_error and "does not exist" in m.raw_data_error
    assert m.n_spikes > 0 and m.get_template_waveforms(0) is not None


# --- SpikeGLX and Open Ephys metadata (real files) ---------------------------------------

@pytest.mark.parametrize("name", ["sample3B_g0_t0.imec1.ap.meta", "sample3B_g0_t0.imec1.lf.meta",
                                  "sampleNP2.1_g0_t0.imec.ap.meta", "sample3B_g0_t0.nidq.meta"])
def test_spikeglx_meta_matches_neo(name: str) -> None:
    from neo.rawio.spikeglxrawio import extract_stream_info, read_meta_file

    ours = spikeglx_acquisition(DATA / name)
    neo = extract_stream_info(DATA / name, read_meta_file(DATA / name))
    assert ours.sample_rate == neo["sampling_rate"] and ours.n_channels == neo["num_chan"]
    assert ours.uv_per_bit is not None
    gains = np.asarray(neo["channel_gains"], dtype=np.float64)
    if neo["units"] == "V":  # nidq: neo's gains are in volts
        gains = gains * 1e6
    n = ours.n_channels - (1 if ours.sync_channel is not None else 0)
    if "nidq" in name:
        n = ours.sync_channel  # digital word columns have no gain
    np.testing.assert_allclose(ours.uv_per_bit[:n], gains[:n], rtol=1e-6)
    if neo["has_sync_trace"]:
        assert ours.sync_channel == ours.n_channels - 1


def test_spikeglx_fills_params(source: Path, tmp_path: Path) -> None:
    ref = spikeglx_folder(source, tmp_path / "sglx", hp_filtered=False)
    m = load_model(tmp_path / "sglx" / "params.py")
    assert m.has_raw_data, m.raw_data_error
    assert m.n_channels_dat == 385 and m.sample_rate == pytest.approx(30000.390639481)
    assert m.sync_channel == 384 and m.uv_per_bit[0] == pytest.approx(0.6 / 512 / 500 * 1e6)
    assert [a.system for a in m.acquisition] == ["spikeglx"]
    np.testing.assert_array_equal(m.traces[1000:1100], ref[1000:1100])
    m.close()


def test_spikeglx_disagreeing_params_warns(source: Path, tmp_path: Path) -> None:
    spikeglx_folder(source, tmp_path / "sglx", sample_rate=25000.0, n_channels_dat=385)
    with pytest.warns(UserWarning, match=r"sample_rate = 25000\.0 .*sample_rate = 30000\.39"):
        m = load_model(tmp_path / "sglx" / "params.py")
    assert m.sample_rate == 25000.0  # params.py wins, as in phy
    m.close()
    # The nominal rate sorters write is no disagreement with SpikeGLX's calibrated one.
    write_params(tmp_path / "sglx", dat_path="rec_g0_t0.imec1.ap.bin", sample_rate=30000.0, n_channels_dat=385)
    load_model(tmp_path / "sglx" / "params.py").close()


def test_ibl_cbin_with_spikeglx_meta(tmp_path: Path) -> None:
    """IBL's layout: x.ap.cbin + x.ap.ch (mtscomp) + x.ap.meta (SpikeGLX). The .ch decides
    the channel count and dtype (with a warning when params.py says otherwise), the .meta
    gives the gains and the sync channel."""
    from phycore.model.acquisition import apply_acquisition

    stem = tmp_path / "_spikeglx_ephysData_g0_t0.imec1.ap"
    data = (np.random.default_rng(0).standard_normal((3000, 385)) * 20).astype(np.int16)
    data.tofile(stem.with_suffix(".bin"))
    mtscomp.compress(stem.with_suffix(".bin"), stem.with_suffix(".cbin"), stem.with_suffix(".ch"),
                     sample_rate=30000.390639481, n_channels=385, dtype=np.int16, chunk_duration=0.05,
                     n_threads=1, check_after_compress=False)
    stem.with_suffix(".bin").unlink()
    shutil.copy(DATA / "sample3B_g0_t0.imec1.ap.meta", stem.with_suffix(".meta"))
    assert [a.system for a in find_acquisition(stem.with_suffix(".cbin"))] == ["mtscomp", "spikeglx"]
    params: dict[str, object] = {"dat_path": [stem.with_suffix(".cbin")], "n_channels_dat": 384,
                                 "dtype": np.dtype("int16")}
    with pytest.warns(UserWarning, match=r"n_channels_dat = 384 .*\.ch \(mtscomp\) says n_channels_dat = 385"):
        apply_acquisition(params)
    assert params["n_channels_dat"] == 385 and params["sync_channel"] == 384
    assert params["sample_rate"] == pytest.approx(30000.390639481)
    np.testing.assert_allclose(params["uv_per_bit"][:384], 0.6 / 512 / 500 * 1e6)  # type: ignore[index]
    part = CompressedPart(stem.with_suffix(".cbin"))
    np.testing.assert_array_equal(part[100:2900, 384], data[100:2900, 384])
    part.close()


def test_openephys_oebin(source: Path, tmp_path: Path) -> None:
    """A recording folder laid out as the Open Ephys GUI writes it, with its real
    structure.oebin (16 channels, 40 kHz, 0.05 µV/bit); the continuous.dat holds our
    16-channel recording."""
    from neo.rawio import OpenEphysBinaryRawIO

    out = tmp_path / "oe"
    dat = openephys_folder(source, out)
    (acq,) = find_acquisition(dat)
    m = load_model(out / "params.py")
    assert m.has_raw_data and m.sample_rate == 40000.0 and m.n_channels_dat == NC and m.sync_channel is None
    np.testing.assert_allclose(m.uv_per_bit, 0.05000000074505806)
    io = OpenEphysBinaryRawIO(str(out / "Record Node 101"))
    io.parse_header()
    ch = io.header["signal_channels"]
    assert io.get_signal_sampling_rate(0) == acq.sample_rate and len(ch) == acq.n_channels
    np.testing.assert_allclose(acq.uv_per_bit, ch["gain"])
    m.close()


# --- review fixes: negative rows, shared cache budget, close during reads, leaks, subsets --

def test_cbin_negative_rows_index_from_the_end(cbin_folder: Path, source: Path) -> None:
    """As a memmap: ``part[-1]``, ``part[[-2, 3]]``; out of range is an IndexError."""
    ref = np.fromfile(source / "raw.dat", dtype=np.int16).reshape(-1, NC)
    part = CompressedPart(cbin_folder / "raw.cbin")
    try:
        np.testing.assert_array_equal(part[-1], ref[-1])
        np.testing.assert_array_equal(part[np.array([-2, 3, -15_001])], ref[np.array([-2, 3, -15_001])])
        np.testing.assert_array_equal(part[[-1, 0], 2], ref[[-1, 0], 2])
        for bad in (len(ref), -len(ref) - 1):
            with pytest.raises(IndexError):
                part[[bad]]
    finally:
        part.close()


def test_cbin_cache_budget_shared_by_the_files_of_a_recording(cbin_folder: Path, tmp_path: Path) -> None:
    """Two .cbin files of one recording: one budget for both (not one per file)."""
    from phycore.model._cbin import ChunkCache
    from phycore.model.raw import RawTraces

    for name in ("a", "b"):
        shutil.copy(cbin_folder / "raw.cbin", tmp_path / f"{name}.cbin")
        shutil.copy(cbin_folder / "raw.ch", tmp_path / f"{name}.ch")
    traces = RawTraces([tmp_path / "a.cbin", tmp_path / "b.cbin"], NC, np.int16, 0, 30000.0)
    a, b = traces.parts
    assert a._cache is b._cache  # type: ignore[attr-defined]
    chunk = 15_000 * NC * 2
    cache = ChunkCache(3 * chunk)
    a2 = CompressedPart(tmp_path / "a.cbin", cache=cache)
    b2 = CompressedPart(tmp_path / "b.cbin", cache=cache)
    for k in range(4):
        a2[k * 15_000:k * 15_000 + 10]
        b2[k * 15_000:k * 15_000 + 10]
        assert a2.n_cached + b2.n_cached <= 3 and cache.used_bytes <= 3 * chunk
    a2.close()
    assert a2.n_cached == 0 and b2.n_cached > 0  # closing one file drops only its chunks
    b2.close()
    traces.close()


def test_cbin_close_waits_for_a_read_in_progress(cbin_folder: Path, source: Path) -> None:
    """close() on one thread while another decompresses: the read completes with the right
    samples, close returns after it, and a later read raises a clear RawDataError."""
    from phycore.errors import RawDataError

    ref = np.fromfile(source / "raw.dat", dtype=np.int16).reshape(-1, NC)
    part = CompressedPart(cbin_folder / "raw.cbin")
    in_read, closing = threading.Event(), threading.Event()
    decompress = part._decompress

    def slow(k: int) -> np.ndarray:  # holds the read open until close() is waiting for it
        in_read.set()
        assert closing.wait(60)
        return decompress(k)

    class Signalling(threading.Condition):
        def wait(self, timeout: float | None = None) -> bool:
            closing.set()  # close() is now waiting for the read
            return super().wait(timeout)

    part._decompress = slow  # type: ignore[method-assign]
    part._cond = Signalling()
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(part[100:200]))
    reader.start()
    assert in_read.wait(60)
    closer = threading.Thread(target=part.close)
    closer.start()
    reader.join()
    closer.join()
    np.testing.assert_array_equal(got[0], ref[100:200])
    with pytest.raises(RawDataError, match="raw.cbin was closed"):
        part[40_000:40_010]
    part.close()  # twice is fine


def test_raw_traces_closes_opened_files_when_a_later_one_fails(cbin_folder: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore.errors import RawDataError
    from phycore.model.raw import RawTraces

    shutil.copy(cbin_folder / "raw.cbin", tmp_path / "a.cbin")
    shutil.copy(cbin_folder / "raw.ch", tmp_path / "a.ch")
    (tmp_path / "b.dat").write_bytes(b"\0" * (NC * 2 * 10 + 1))  # not a whole number of frames
    opened: list[CompressedPart] = []
    init = CompressedPart.__init__

    def track(self: CompressedPart, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        opened.append(self)

    monkeypatch.setattr(CompressedPart, "__init__", track)
    with pytest.raises(RawDataError, match="b.dat"):
        RawTraces([tmp_path / "a.cbin", tmp_path / "b.dat"], NC, np.int16, 0, 30000.0)
    assert len(opened) == 1 and opened[0]._closed and opened[0]._reader.cdata.closed


def _meta_variant(tmp_path: Path, name: str, **lines: str) -> Path:
    """A real .meta of acquisition_data/ with only the given ``key=value`` lines edited."""
    text = (DATA / name).read_text()
    for key, value in lines.items():
        old = next(line for line in text.splitlines() if line.startswith(key + "="))
        text = text.replace(old, f"{key}={value}")
    out = tmp_path / name
    out.write_text(text)
    return out


def test_spikeglx_gains_follow_the_saved_channel_subset(tmp_path: Path) -> None:
    """The real Neuropixels 1.0 AP .meta with ONLY its snsSaveChanSubset line edited (same
    385 saved channels: AP 0-191, LF 384-575 i.e. LF 0-191, the sync 768): each column gets
    its own kind's gain (500 AP, 250 LF in imroTbl) and the sync column is where the subset
    put it. Then with nSavedChans edited too: the 384 AP channels without the sync."""
    ap, lf = 0.6 / 512 / 500 * 1e6, 0.6 / 512 / 250 * 1e6
    acq = spikeglx_acquisition(_meta_variant(tmp_path, "sample3B_g0_t0.imec1.ap.meta",
                                             snsSaveChanSubset="0:191,384:575,768"))
    assert acq.n_channels == 385 and acq.sync_channel == 384 and acq.uv_per_bit is not None
    np.testing.assert_allclose(acq.uv_per_bit, np.r_[np.full(192, ap), np.full(192, lf), 1.0])
    # The real files' own subsets: AP "0:383,768", LF "384:768", NP 2.0 "0:384".
    for name, uv in [("sample3B_g0_t0.imec1.ap.meta", ap), ("sample3B_g0_t0.imec1.lf.meta", lf)]:
        real = spikeglx_acquisition(DATA / name)
        assert real.sync_channel == 384 and real.uv_per_bit is not None
        np.testing.assert_allclose(real.uv_per_bit[:384], uv)
    assert spikeglx_acquisition(DATA / "sampleNP2.1_g0_t0.imec.ap.meta").sync_channel == 384
    no_sync = spikeglx_acquisition(_meta_variant(tmp_path, "sample3B_g0_t0.imec1.ap.meta",
                                                 snsSaveChanSubset="0:383", nSavedChans="384"))
    assert no_sync.sync_channel is None and no_sync.uv_per_bit is not None
    np.testing.assert_allclose(no_sync.uv_per_bit, ap)
    bad = _meta_variant(tmp_path, "sample3B_g0_t0.imec1.ap.meta", snsSaveChanSubset="0:10")
    with pytest.raises(Exception, match="snsSaveChanSubset has 11 channels but nSavedChans = 385"):
        spikeglx_acquisition(bad)


def test_model_gains_and_sync_channel_per_model_channel(source: Path, tmp_path: Path) -> None:
    """``uv_per_bit`` goes through channel_map (file column -> model channel); a channel map
    without the sync column (Kilosort's) has no sync channel id, one with it names it;
    without metadata (phy's case) both are unknown and every channel is a probe channel."""
    from tests._acquisition_folders import sync_in_channel_map

    spikeglx_folder(source, tmp_path / "sglx", hp_filtered=False)
    np.save(tmp_path / "sglx" / "channel_map.npy", np.arange(NC)[::-1].copy())  # any order
    m = load_model(tmp_path / "sglx" / "params.py")
    assert m.sync_channel == 384 and m.sync_channel_id is None
    np.testing.assert_array_equal(m.probe_channel_ids, np.arange(NC))
    np.testing.assert_allclose(m.uv_per_bit, np.full(NC, 0.6 / 512 / 500 * 1e6))
    m.close()
    sync_in_channel_map(tmp_path / "sglx")
    m = load_model(tmp_path / "sglx" / "params.py")
    assert m.channel_map[-1] == 384 and m.sync_channel_id == NC - 1 and m.uv_per_bit[-1] == 1.0
    assert m.probe_channel_ids.tolist() == list(range(NC - 1))
    m.close()
    plain = load_model(source / "params.py")
    assert plain.uv_per_bit is None and plain.sync_channel_id is None and plain.sync_channel is None
    np.testing.assert_array_equal(plain.probe_channel_ids, np.arange(NC))
    plain.close()
