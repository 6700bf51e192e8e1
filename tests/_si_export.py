"""A phy folder written by SpikeInterface's ``export_to_phy`` (the real tool, not a stand-in).

It is the folder ``../shared/spec/phy_reference_select.png`` shows in phy 2.1: a 32-channel
ground-truth recording (two-column probe, 20 µm pitch, 16 rows), 20 units, 120 s at 25 kHz,
exported with PC features, amplitudes and quality metrics. Making it takes about a minute on
two cores, so it is made once and cached under ``.test-data/`` (gitignored), like the
benchmark data; ``python -m tests._si_export [dir]`` makes it by hand.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Where the cached folder lives; ``PHYCORE_TEST_DATA`` moves it.
CACHE = Path(os.environ.get("PHYCORE_TEST_DATA", ROOT / ".test-data"))
#: Bump when the recipe changes, so a stale cached folder is not reused.
RECIPE = "si-export-v2"


def si_exported_folder(cache: Path = CACHE) -> Path:
    """The SpikeInterface-exported folder (made on first use); returns its path."""
    out = cache / RECIPE
    if (out / "params.py").exists() and (out / ".complete").exists():
        return out
    tmp = cache / f"{RECIPE}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    _export(tmp)
    (tmp / ".complete").write_text(RECIPE)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def writable_copy(dst: Path) -> Path:
    """A writable copy of the exported folder in ``dst`` (a session writes ``.phy/``);
    the raw file is linked, not copied (sessions only read it)."""
    source = si_exported_folder()
    dst.mkdir()
    for p in source.iterdir():
        if p.name == "recording.dat":
            (dst / p.name).symlink_to(p)
        elif p.is_file() and not p.name.startswith("."):
            shutil.copy2(p, dst / p.name)
    return dst


def _export(folder: Path) -> None:
    import numpy as np
    import spikeinterface.core as sc
    from spikeinterface.exporters import export_to_phy

    # Firing rates spread over 5-25 Hz, as in the reference screenshot's table.
    rates = np.random.default_rng(0).uniform(5.0, 25.0, size=20)
    recording, sorting = sc.generate_ground_truth_recording(
        durations=[120.0], sampling_frequency=25_000.0, num_channels=32, num_units=20, seed=0,
        generate_sorting_kwargs={"firing_rates": rates, "refractory_period_ms": 4.0})
    analyzer = sc.create_sorting_analyzer(sorting, recording, sparse=True, format="memory")
    analyzer.compute(["random_spikes", "waveforms", "templates", "noise_levels"])
    analyzer.compute(["principal_components", "spike_amplitudes"])
    export_to_phy(analyzer, folder, compute_pc_features=True, compute_amplitudes=True, copy_binary=True,
                  add_quality_metrics=False, add_template_metrics=False, dtype="int16", verbose=False, use_relative_path=True,
                  n_jobs=1, progress_bar=False)


if __name__ == "__main__":
    print(si_exported_folder(Path(sys.argv[1]) if len(sys.argv) > 1 else CACHE))
