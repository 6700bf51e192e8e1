"""Folders laid out as acquisition systems write them, around a synthetic sorting: the real
metadata files of tests/model/acquisition_data/ (SpikeGLX .meta, Open Ephys structure.oebin)
beside raw files of the shape they describe (the samples are the synthetic recording's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "model" / "acquisition_data"


def write_params(folder: Path, **kw: object) -> None:
    """A params.py of ``key = repr(value)`` lines."""
    (folder / "params.py").write_text("".join(f"{k} = {v!r}\n" for k, v in kw.items()))


def spikeglx_folder(source: Path, out: Path, **params: object) -> np.ndarray:
    """The sorting of ``source`` beside ``rec_g0_t0.imec1.ap.bin`` + the real Neuropixels 1.0
    ``.meta`` (385 int16 columns: the first ones carry ``source``'s raw.dat, the others
    zeros, the last a sync square wave); returns raw.dat's samples."""
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("raw.dat", "params.py", ".phy"))
    shutil.copy(DATA / "sample3B_g0_t0.imec1.ap.meta", out / "rec_g0_t0.imec1.ap.meta")
    nc = int(np.load(source / "channel_map.npy").size)
    ref = np.fromfile(source / "raw.dat", dtype=np.int16).reshape(-1, nc)
    data = np.zeros((ref.shape[0], 385), dtype=np.int16)
    data[:, :nc] = ref
    data[:, 384] = np.arange(ref.shape[0]) // 3000 % 2
    data.tofile(out / "rec_g0_t0.imec1.ap.bin")
    write_params(out, dat_path="rec_g0_t0.imec1.ap.bin", **params)
    return ref


def openephys_folder(source: Path, out: Path, **params: object) -> Path:
    """The sorting of ``source`` beside an Open Ephys 0.6.7 Binary recording folder (the real
    ``structure.oebin``: 16 channels at 40 kHz) whose ``continuous.dat`` is ``source``'s
    raw.dat (16 channels); returns the continuous.dat path."""
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("raw.dat", "params.py", ".phy"))
    rec = out / "Record Node 101" / "experiment1" / "recording1"
    cont = rec / "continuous" / "File_Reader-100.example_data"
    cont.mkdir(parents=True)
    shutil.copy(DATA / "structure.oebin", rec / "structure.oebin")
    shutil.copy(source / "raw.dat", cont / "continuous.dat")
    n = (cont / "continuous.dat").stat().st_size // (2 * 16)
    np.save(cont / "sample_numbers.npy", np.arange(n, dtype=np.int64))
    np.save(cont / "timestamps.npy", np.arange(n) / 40000.0)
    write_params(out, dat_path=str((cont / "continuous.dat").relative_to(out)), **params)
    return cont / "continuous.dat"


def sync_in_channel_map(folder: Path) -> None:
    """Make the last model channel of a :func:`spikeglx_folder` read the sync column (384),
    as a channel map that includes the sync channel does (Kilosort's leaves it out)."""
    cm = np.load(folder / "channel_map.npy").astype(np.int64)
    cm[-1] = 384
    np.save(folder / "channel_map.npy", cm)
