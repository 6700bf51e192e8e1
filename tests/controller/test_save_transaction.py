"""A save is atomic as a whole: killed at any file operation, the folder reopens at the last action."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from phycore import TemplateController
from phycore.controller.save_transaction import MANIFEST_NAME, TMP_SUFFIX, SaveTransaction
from phycore.model.synthetic import make_dataset
from phycore.supervisor import Journal

#: A child process that, for k = 1, 2, ..., forks a session on a fresh copy of the folder,
#: curates (merge, split, two label fields) and saves, SIGKILLing itself at the k-th file
#: operation of the save; it stops at the first k the save completes before reaching.
#: Forking after the imports keeps one run at a fraction of a second.
KILLING_SAVES = textwrap.dedent(
    """
    import json, os, shutil, signal, sys
    import numpy as np
    from phycore import TemplateController

    source, out = sys.argv[1], sys.argv[2]
    OPS = ("open", "fsync", "link", "replace", "rename", "unlink")

    def session(folder, k):
        c = TemplateController(folder, metrics=False)
        s = c.supervisor
        ids = s.cluster_table.visible_ids
        merged = s.merge(ids[0], ids[1]).added[0]
        s.split(s.clustering.spikes_in_clusters([merged])[::3])
        s.label("quality", "great", cluster_ids=[ids[2]])
        s.move("noise", [ids[3]])
        np.save(os.path.join(out, f"sc-{k}.npy"), s.clustering.spike_clusters)
        with open(os.path.join(out, f"labels-{k}.json"), "w") as f:
            json.dump({n: {str(i): v for i, v in s.get_labels(n).items()} for n in s.fields}, f)
        calls = [0]
        for name in OPS:
            def wrapped(*args, _real=getattr(os, name), _name=name, **kwargs):
                calls[0] += 1
                if calls[0] == k:
                    with open(os.path.join(out, f"op-{k}.txt"), "w") as f:
                        f.write(_name + " " + " ".join(map(str, args[:2])))
                    os.kill(os.getpid(), signal.SIGKILL)
                return _real(*args, **kwargs)
            setattr(os, name, wrapped)
        c.save()

    results = []
    k = 1
    while True:
        folder = os.path.join(out, f"run-{k}")
        shutil.copytree(source, folder)
        pid = os.fork()
        if pid == 0:
            try:
                session(folder, k)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        results.append({"k": k, "killed": killed})
        if not killed:
            break
        k += 1
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f)
    """
)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("save-source")
    make_dataset(d, n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, raw=False, seed=0)
    return d


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.endswith(".tmp") or p.name.startswith(MANIFEST_NAME))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill loop forks")
def test_killed_at_every_file_operation_of_a_save_loses_nothing(source: Path, tmp_path: Path) -> None:
    script = tmp_path / "kill_saves.py"
    script.write_text(KILLING_SAVES)
    out = tmp_path / "runs"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, str(script), str(source), str(out)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((out / "results.json").read_text())
    killed = [r["k"] for r in results if r["killed"]]
    # Every save here renames 5 files (spike_clusters, 2 label tables, cluster_info,
    # the manifest) and restarts the journal, so there are many more points than that.
    assert len(killed) > 12 and not results[-1]["killed"]
    ops = {(out / f"op-{k}.txt").read_text().split()[0] for k in killed}
    assert {"replace", "fsync", "unlink", "link", "open"} <= ops

    lost = []
    for r in results:
        k = r["k"]
        folder = out / f"run-{k}"
        c = TemplateController(folder, metrics=False, recover=True)
        s = c.supervisor
        try:
            same = np.array_equal(s.clustering.spike_clusters, np.load(out / f"sc-{k}.npy"))
            labels = json.loads((out / f"labels-{k}.json").read_text())
            same &= all({str(i): v for i, v in s.get_labels(n).items()} == values for n, values in labels.items())
        finally:
            c.close()
        if not same:
            lost.append((k, (out / f"op-{k}.txt").read_text() if r["killed"] else "completed"))
        assert _leftovers(folder) == [], (k, _leftovers(folder))
    assert lost == []


def test_a_committed_save_is_rolled_forward(tmp_path: Path) -> None:
    root, state = tmp_path, tmp_path / ".phy"
    state.mkdir()
    (root / "a.tsv").write_bytes(b"old a")
    (root / "b.tsv").write_bytes(b"old b")
    journal = Journal(state / "journal.jsonl")
    journal.start({"spike_clusters": "old"})
    journal.append({"op": "undo"})
    journal.close()
    t = SaveTransaction(root, state, journal=journal)
    real_replace = os.replace

    def crash_after_manifest(src: object, dst: object) -> None:
        real_replace(src, dst)  # type: ignore[arg-type]
        if Path(str(dst)).name == "a.tsv":
            raise KeyboardInterrupt  # stands for the process dying here

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", crash_after_manifest)
        with pytest.raises(KeyboardInterrupt):
            t.write({root / "a.tsv": b"new a", root / "b.tsv": b"new b"}, {"spike_clusters": "new"})
    journal.close()
    assert (root / "b.tsv").read_bytes() == b"old b" and (state / MANIFEST_NAME).exists()

    assert SaveTransaction(root, state, journal=journal).recover() == "rolled forward"
    journal.close()
    assert (root / "a.tsv").read_bytes() == b"new a" and (root / "b.tsv").read_bytes() == b"new b"
    header, entries = Journal.read(state / "journal.jsonl")
    assert header["spike_clusters"] == "new" and entries == []
    assert _leftovers(root) == []
    assert sorted(p.name.split(".")[0] for p in (state / "backup").iterdir()) == ["a", "b"]


def test_temporaries_without_a_manifest_are_rolled_back(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / ".phy"
    (state / "appended_spikes").mkdir(parents=True)
    (tmp_path / "a.tsv").write_bytes(b"old")
    (tmp_path / f".a.tsv{TMP_SUFFIX}").write_bytes(b"new")
    (state / "appended_spikes" / f".spike_times.npy{TMP_SUFFIX}").write_bytes(b"new")
    assert SaveTransaction(tmp_path, state).recover() == "rolled back"
    assert (tmp_path / "a.tsv").read_bytes() == b"old" and _leftovers(tmp_path) == []
    assert "interrupted before it was committed" in caplog.text


def test_a_damaged_commit_is_set_aside_and_the_journal_kept(tmp_path: Path) -> None:
    state = tmp_path / ".phy"
    state.mkdir()
    (tmp_path / "a.tsv").write_bytes(b"old")
    (tmp_path / f".a.tsv{TMP_SUFFIX}").write_bytes(b"bit rot")
    (state / MANIFEST_NAME).write_text(json.dumps({"phycore_save": 1, "journal_header": None, "renames": [
        {"tmp": f".a.tsv{TMP_SUFFIX}", "final": "a.tsv", "blake2b": "0" * 32}]}))
    assert SaveTransaction(tmp_path, state).recover() == "failed"
    assert (tmp_path / "a.tsv").read_bytes() == b"old"
    assert list(state.glob(f"{MANIFEST_NAME}.failed-*")) and not (state / MANIFEST_NAME).exists()


def test_saving_appended_spikes_joins_the_transaction(tmp_path: Path) -> None:
    folder = Path(make_dataset(tmp_path / "d", n_spikes=3000, n_channels=16, n_templates=6, duration=5.0,
                               raw=False, seed=0)).parent
    c = TemplateController(folder, metrics=False)
    try:
        m, n = c.model, 2
        c.append_spikes([m.duration + 0.1, m.duration + 0.2], [0, 1], [1.0, 1.0],
                        features=np.zeros((n,) + m.sparse_features.data.shape[1:], dtype=np.float32),
                        template_features=np.zeros((n,) + m.sparse_template_features.data.shape[1:]))
        c.apply_pending()
        written = c.save()
    finally:
        c.close()
    names = [p.relative_to(folder).as_posix() for p in written]
    assert ".phy/appended_spikes/spike_clusters.npy" in names and "spike_clusters.npy" in names
    assert _leftovers(folder) == []
    assert not list((folder / ".phy" / "backup").glob(".*"))


def test_killed_save_sigkill_smoke(source: Path, tmp_path: Path) -> None:
    """Killed right after the commit point of a real save: the reopened folder has the saved labels."""
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent(
        """
        import os, signal, sys
        from phycore import TemplateController
        c = TemplateController(sys.argv[1], metrics=False)
        s = c.supervisor
        s.label("quality", "great", cluster_ids=[s.cluster_table.visible_ids[0]])
        real = os.replace
        def replace(src, dst):
            real(src, dst)
            if str(dst).endswith("save-commit.json"):
                os.kill(os.getpid(), signal.SIGKILL)
        os.replace = replace
        c.save()
        """))
    folder = tmp_path / "data"
    shutil.copytree(source, folder)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, str(script), str(folder)], env=env, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (folder / ".phy" / MANIFEST_NAME).exists() and not (folder / "cluster_quality.tsv").exists()
    c = TemplateController(folder, metrics=False)  # recover=None: the commit is finished anyway
    try:
        assert "great" in c.supervisor.get_labels("quality").values()
        assert c.recovery_entries == [] and not c.supervisor.is_dirty()
    finally:
        c.close()
    assert _leftovers(folder) == []
