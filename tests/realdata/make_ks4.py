"""A real Kilosort 4 results folder for the ``realdata`` tests (made once, cached, never committed).

Kilosort 4 (the real tool, from the package index) sorts, on the CPU, a small SpikeInterface
ground-truth recording: 32 channels (two-column probe, 20 µm pitch), 12 units, 20 s at
30 kHz, written as int16 to ``recording.bin`` (Kilosort's three passes over the 10 batches
take 10-30 min on two busy cores). The folder ``.realdata/ks4/<RECIPE>/`` then
holds ``recording.bin``, ``ground_truth.npz`` (the true spike trains), ``kilosort4/`` (what
Kilosort 4 wrote: its ``params.py`` points at ``recording.bin``) and ``build.json`` (tool
versions, sort time, file list). Kilosort and torch are heavy, so they live in their own
virtual environment (``make test-realdata`` makes it, with the ``realdata`` extra); the
tests only read the folder, from the main one::

    .venv-realdata/bin/python tests/realdata/make_ks4.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Where the cached folders live; ``PHYCORE_REALDATA`` moves them.
CACHE = Path(os.environ.get("PHYCORE_REALDATA", ROOT / ".realdata"))
#: Bump when the recipe changes, so a stale cached folder is not reused.
RECIPE = "ks4-v1"
DURATION_S = 20.0
N_CHANNELS = 32
N_UNITS = 12
SAMPLE_RATE = 30_000.0
#: int16 steps per µV of the generated traces (Neuropixels 1.0: 0.195 µV per step).
GAIN = 1.0 / 0.195


def ks4_folder(cache: Path = CACHE) -> Path:
    """The cached recipe folder (``kilosort4/`` inside holds Kilosort's results), made on
    first use: needs ``kilosort`` and ``spikeinterface`` importable."""
    out = cache / "ks4" / RECIPE
    if (out / ".complete").exists():
        return out
    tmp = out.with_name(f"{RECIPE}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _build(tmp, final=out)
    (tmp / ".complete").write_text(RECIPE)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def _build(folder: Path, final: Path) -> None:
    import numpy as np
    import spikeinterface
    import spikeinterface.core as sc
    import torch
    import kilosort
    from kilosort import run_kilosort

    recording, sorting = sc.generate_ground_truth_recording(
        durations=[DURATION_S], sampling_frequency=SAMPLE_RATE, num_channels=N_CHANNELS,
        num_units=N_UNITS, seed=2, generate_sorting_kwargs={"firing_rates": 12.0, "refractory_period_ms": 4.0})
    traces = recording.get_traces()
    raw = np.clip(np.round(traces * GAIN), -32768, 32767).astype(np.int16)
    raw.tofile(folder / "recording.bin")
    spikes = sorting.to_spike_vector()
    np.savez(folder / "ground_truth.npz", sample_index=spikes["sample_index"],
             unit_index=spikes["unit_index"], unit_ids=np.asarray(sorting.unit_ids).astype(str))
    pos = recording.get_channel_locations()
    probe = {"chanMap": np.arange(N_CHANNELS), "xc": pos[:, 0].astype(np.float32),
             "yc": pos[:, 1].astype(np.float32), "kcoords": np.zeros(N_CHANNELS, dtype=np.float32),
             "n_chan": N_CHANNELS}
    settings = {"n_chan_bin": N_CHANNELS, "fs": SAMPLE_RATE}
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    t0 = time.monotonic()
    run_kilosort(settings=settings, probe=probe, filename=folder / "recording.bin",
                 results_dir=folder / "kilosort4", data_dtype="int16", device=torch.device("cpu"),
                 save_extra_vars=True)
    sort_s = time.monotonic() - t0
    # Kilosort writes the absolute path of the binary: point it at the cached folder's copy.
    params = folder / "kilosort4" / "params.py"
    params.write_text(params.read_text().replace(folder.resolve().as_posix(), final.resolve().as_posix()))
    files = sorted(p.name for p in (folder / "kilosort4").iterdir())
    (folder / "build.json").write_text(json.dumps({
        "recipe": RECIPE, "kilosort": kilosort.__version__, "torch": torch.__version__,
        "spikeinterface": spikeinterface.__version__, "numpy": np.__version__,
        "python": platform.python_version(), "device": "cpu", "torch_threads": torch.get_num_threads(),
        "sort_seconds": round(sort_s, 1), "duration_s": DURATION_S, "n_channels": N_CHANNELS,
        "n_units_true": N_UNITS, "n_spikes_true": int(len(spikes)), "files": files}, indent=2))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=CACHE, help="cache folder (default: .realdata)")
    args = p.parse_args(argv)
    folder = ks4_folder(args.out)
    print(folder)
    print((folder / "build.json").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
