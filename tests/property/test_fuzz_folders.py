"""Fuzz: a folder with one damaged file loads correctly or is refused with a phycore error
that names the file, within bounded memory and time, writing nothing.

Two parts: a grid (every file the model reads × every kind of damage in
``folder_mutations``, deterministic) and random garbling/truncation drawn by hypothesis
(bounded by the ``ci`` profile; ``HYPOTHESIS_PROFILE=thorough`` runs many more).
A loaded folder must also open as a session and survive a first look (tables, a
selection's data, a merge) without a foreign exception.

The outcomes of the grid are written to ``fuzz-outcomes.json`` in pytest's base temp
folder, for the record.
"""

from __future__ import annotations

import collections
import hashlib
import json
import resource
import signal
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phycore import TemplateController
from phycore.errors import PhyCoreError
from phycore.model import load_model
from phycore.model.synthetic import make_dataset
from tests.property.folder_mutations import Mutation, copy_and_mutate, files_read, grid, kinds

#: Far above what this 3,000-spike folder needs (~20 MB): only a runaway allocation
#: (a dense array sized by a garbled id) reaches it.
MEMORY_LIMIT = 1 << 30
#: A hang guard, not a speed check: a case takes well under a second.
HANG_SECONDS = 120


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz-source")
    make_dataset(d, n_spikes=3000, n_channels=16, n_templates=6, duration=2.0, raw=True, seed=3)
    return d


def _tree(folder: Path) -> dict[str, str]:
    """Hash of every file and the name of every folder below ``folder``."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
    return out


class _Hang(Exception):
    pass


def _address_space() -> int:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmSize:"))


class _Guard:
    """Fail a case that allocates more than MEMORY_LIMIT or runs for HANG_SECONDS.

    tracemalloc measures the peak (numpy reports its buffers to it); an address-space
    limit a little above it turns a runaway allocation into a MemoryError before the
    machine swaps or the kernel kills the test run.
    """

    def __enter__(self) -> _Guard:
        def on_alarm(signum: int, frame: Any) -> None:
            raise _Hang(f"still running after {HANG_SECONDS} s")
        self._old = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(HANG_SECONDS)
        self._limit = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (_address_space() + 2 * MEMORY_LIMIT, self._limit[1]))
        tracemalloc.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        resource.setrlimit(resource.RLIMIT_AS, self._limit)
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._old)


def _first_look(model: Any) -> None:
    """What any view does first with a loaded model."""
    spikes = np.arange(min(model.n_spikes, 20))
    _ = model.spike_clusters, model.cluster_ids, model.spike_times, model.amplitudes
    for tid in model.template_ids[:3]:
        model.get_template(int(tid))
    _ = model.clusters_channels, model.templates_amplitudes, model.get_depths()
    model.get_features(spikes, model.get_cluster_channels(int(model.cluster_ids[0]))[:4]
                       if len(model.cluster_ids) else [0])
    model.get_template_features(spikes)
    if model.has_raw_data and model.n_spikes:
        model.get_waveforms(spikes[:5])
        model.get_traces(0.0, 0.05)


def _first_session(folder: Path) -> None:
    """Open a session, look at the biggest clusters, merge two, undo."""
    c = TemplateController(folder, metrics=False)
    try:
        s = c.supervisor
        ids = list(s.cluster_table.visible_ids)
        s.select(ids[:2])
        for cid in ids[:2]:
            s.get_cluster_info(cid)
        if len(ids) >= 2:
            s.merge(ids[0], ids[1])
            s.undo()
    finally:
        c.close()


def _names_the_file(e: PhyCoreError, file: str) -> bool:
    return file in str(e) or (e.path is not None and Path(e.path).name == file)


def run_case(source: Path, dest: Path, mutation: Mutation) -> tuple[str, str]:
    """``(outcome, detail)``; outcomes ``loaded`` and ``refused`` are good, anything else a bug."""
    folder = copy_and_mutate(source, dest, mutation)
    before = _tree(folder)
    guard = _Guard()
    stage = "load"
    try:
        with guard, warnings.catch_warnings():
            # Warnings about the damage are welcome; they must not stop the load.
            warnings.simplefilter("ignore")
            model = load_model(folder / "params.py")
            try:
                _first_look(model)
            finally:
                model.close()
            if _tree(folder) != before:
                return "wrote", f"loading changed {sorted(set(_tree(folder)) ^ set(before))}"
            stage = "session"
            _first_session(folder)
    except PhyCoreError as e:
        if not _names_the_file(e, mutation.file):
            return "unnamed", f"{stage}: {type(e).__name__}: {e}"
        if stage == "load" and _tree(folder) != before:
            return "wrote", f"refusing changed the folder: {type(e).__name__}: {e}"
        return "refused", f"{stage}: {type(e).__name__}: {e}"
    except _Hang as e:
        return "hang", f"{stage}: {e}"
    except BaseException as e:  # noqa: BLE001 (a foreign exception is the finding)
        return "raw", f"{stage}: {type(e).__name__}: {e}"
    if guard.peak > MEMORY_LIMIT:
        return "memory", f"peak {guard.peak / 2**20:.0f} MiB"
    return "loaded", ""


def _bad(outcomes: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {k: v for k, v in outcomes.items() if v[0] not in ("loaded", "refused")}


def test_every_kind_of_damage_to_every_file(source: Path, tmp_path: Path,
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    cases = grid(source)
    assert len(files_read(source)) >= 15 and len(cases) > 300
    outcomes = {str(m): run_case(source, tmp_path / f"case-{i}", m) for i, m in enumerate(cases)}
    counts = collections.Counter(o for o, _ in outcomes.values())
    record = tmp_path_factory.getbasetemp() / "fuzz-outcomes.json"
    record.write_text(json.dumps({"counts": counts, "cases": outcomes}, indent=1))
    print(f"fuzz grid: {len(cases)} cases, {dict(counts)} (details in {record})")
    assert _bad(outcomes) == {}
    # The grid is not vacuous: damage is both read through and refused.
    assert counts["loaded"] > 50 and counts["refused"] > 50


@st.composite
def _random_mutations(draw: st.DrawFn, files: list[str]) -> Mutation:
    file = draw(st.sampled_from(files))
    kind = draw(st.sampled_from([k for k in ("garbled", "truncated", "garbled_data") if k in kinds(file)]))
    return Mutation(file, kind, seed=draw(st.integers(0, 2**32 - 1)))


_SOURCE_FILES = ["amplitudes.npy", "channel_map.npy", "channel_positions.npy", "cluster_group.tsv",
                 "params.py", "pc_feature_ind.npy", "pc_features.npy", "raw.dat", "similar_templates.npy",
                 "spike_clusters.npy", "spike_templates.npy", "spike_times.npy",
                 "template_feature_ind.npy", "template_features.npy", "templates.npy",
                 "whitening_mat_inv.npy"]


@given(mutation=_random_mutations(_SOURCE_FILES))
def test_random_garbling_and_truncation(source: Path, tmp_path_factory: pytest.TempPathFactory,
                                        mutation: Mutation) -> None:
    assert mutation.file in files_read(source)
    dest = tmp_path_factory.mktemp("fuzz-random") / "data"
    outcome, detail = run_case(source, dest, mutation)
    assert outcome in ("loaded", "refused"), (str(mutation), outcome, detail)
