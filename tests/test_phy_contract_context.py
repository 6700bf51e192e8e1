"""phy's ``Context`` contract, with phy.utils.context.Context as the oracle.

Files go where phy puts them and each side reads what the other wrote (except pickles
phycore did not sign, which are never unpickled); ``cache`` and ``memcache`` cache as
phy's do, and the memcache survives a restart.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.cache import Context

phy_context = pytest.importorskip("phy.utils.context")


@pytest.fixture(autouse=True)
def _cache_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHY_DISABLE_CACHE", raising=False)


DATA: dict[Any, Any] = {"a": 1, 2: "two", "arr": np.arange(20, dtype=np.int32).reshape(4, 5),
                        "small": np.arange(3.0), "nested": {"x": [1, 2.5, None]}}


def _same(a: Any, b: Any) -> None:
    assert set(a) == set(b)
    for k in a:
        if isinstance(a[k], np.ndarray) or isinstance(b[k], np.ndarray):
            np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]))
        else:
            assert a[k] == b[k]


@pytest.mark.parametrize("kind, ext", [("json", ".json"), ("pickle", ".pkl")])
def test_save_writes_where_phy_does_and_phy_reads_it(tmp_path: Path, kind: str, ext: str) -> None:
    ours, theirs = Context(tmp_path / "ours"), phy_context.Context(tmp_path / "phy")
    ours.save("sub/state", DATA, kind=kind)
    theirs.save("sub/state", DATA, kind=kind)
    assert (ours.cache_dir / f"sub/state{ext}").is_file() and (theirs.cache_dir / f"sub/state{ext}").is_file()
    _same(ours.load("sub/state"), DATA)
    # phy reads our file as it reads its own.
    theirs_view = phy_context.Context(ours.cache_dir).load("sub/state")
    _same(theirs_view, theirs.load("sub/state"))


def test_load_reads_phy_json_and_prefers_json(tmp_path: Path) -> None:
    theirs = phy_context.Context(tmp_path)
    theirs.save("s", DATA)
    ours = Context(tmp_path)
    _same(ours.load("s"), theirs.load("s"))
    ours.save("s", {"p": 1}, kind="pickle")  # both files: JSON wins, in phy and here
    _same(ours.load("s"), theirs.load("s"))
    _same(ours.load("s"), DATA)


def test_load_missing_is_empty_dict(tmp_path: Path) -> None:
    assert Context(tmp_path).load("nothing") == phy_context.Context(tmp_path).load("nothing") == {}


def test_foreign_pickle_is_never_unpickled(tmp_path: Path) -> None:
    phy_context.Context(tmp_path).save("p", {"x": 1}, kind="pickle")  # phy's, unsigned
    assert phy_context.Context(tmp_path).load("p") == {"x": 1}
    assert Context(tmp_path).load("p") == {}
    ours = Context(tmp_path)
    ours.save("p", {"x": 2}, kind="pickle")
    assert ours.load("p") == {"x": 2}
    (tmp_path / "p.pkl").write_bytes(pickle.dumps({"x": 3}))  # replaced behind our back
    assert ours.load("p") == {}


def test_global_location_is_the_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = Path(__import__("os").environ["PHY_USER_DIR"])
    monkeypatch.setattr(phy_context, "phy_config_dir", lambda: user)
    Context(tmp_path).save("g", {"k": 1}, location="global")
    assert (user / "g.json").is_file()
    assert phy_context.Context(tmp_path / "other").load("g", location="global") == {"k": 1}
    with pytest.raises(ValueError):
        Context(tmp_path).save("g", {}, location="elsewhere")
    with pytest.raises(ValueError):
        Context(tmp_path).save("g", {}, kind="yaml")


class Model:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def best(self, cluster_id: int) -> int:
        self.calls.append(cluster_id)
        return cluster_id + 100

    def total(self, x: np.ndarray) -> float:
        self.calls.append(len(x))
        return float(x.sum())


@pytest.mark.parametrize("make", [lambda p: Context(p, fingerprint="f"), phy_context.Context])
def test_memcache_and_cache_behave_as_phy(tmp_path: Path, make: Any) -> None:
    m = Model()
    ctx = make(tmp_path)
    assert ctx.cache_dir == tmp_path
    best, total = ctx.memcache(m.best), ctx.cache(m.total)
    assert [best(3), best(3), best(4)] == [103, 103, 104]
    x = np.arange(10)
    assert total(x) == total(x.copy()) == 45.0  # joblib hashes the values
    assert m.calls == [3, 4, 10]
    # A new context on the same folder: the disk cache is hit, as in phy.
    assert make(tmp_path).cache(Model().total)(x) == 45.0
    assert m.calls == [3, 4, 10]


@pytest.mark.parametrize("make, name", [
    (lambda p: Context(p, fingerprint="f"), f"{__name__}.Model.best"),
    # phy names a method's memcache without its class: two classes' ``best`` would share it.
    (phy_context.Context, f"{__name__}.best")])
def test_memcache_survives_a_restart(tmp_path: Path, make: Any, name: str) -> None:
    m = Model()
    ctx = make(tmp_path)
    best = ctx.memcache(m.best)
    best(1)
    ctx.save_memcache()
    m2 = Model()
    restarted = make(tmp_path)
    assert restarted.memcache(m2.best)(1) == 101 and m2.calls == []
    assert restarted.load_memcache(name) == {(1,): 101}
    assert (tmp_path / "memcache" / f"{name}.pkl").is_file()  # phy's file name


def test_memcache_not_reloaded_after_the_folder_changed(tmp_path: Path) -> None:
    m = Model()
    ctx = Context(tmp_path, fingerprint="before")
    ctx.memcache(m.best)(1)
    ctx.save_memcache()
    assert Context(tmp_path, fingerprint="after").memcache(m.best)(1) == 101
    assert m.calls == [1, 1]


def test_context_is_picklable_as_phy(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="f")
    ctx.memcache(Model().best)(1)
    copy = pickle.loads(pickle.dumps(ctx))
    assert copy.cache_dir == ctx.cache_dir and copy.fingerprint == "f"
    m = Model()
    x = np.arange(4)
    ctx.cache(m.total)(x)
    assert copy.cache(m.total)(x) == 6.0 and m.calls == [4]


# The controller's use of the caches ------------------------------------------------------

@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The ``params.py`` of a small synthetic folder."""
    from phycore.model.synthetic import make_dataset

    return Path(make_dataset(tmp_path / "data", n_spikes=3000, n_channels=16, n_templates=6, duration=5.0,
                             raw=True, seed=0))


@pytest.fixture
def metric_tables(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the initial quality-metric computations (the disk-cached function)."""
    from phycore.analysis import ClusterMetrics

    calls: list[int] = []
    original = ClusterMetrics.compute_all

    def counting(self: Any, spike_clusters: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(np.unique(spike_clusters)))
        return original(self, spike_clusters, *args, **kwargs)

    monkeypatch.setattr(ClusterMetrics, "compute_all", counting)
    return calls


def _metric_rows(c: Any) -> dict[int, dict[str, float]]:
    return {cid: c.quality.metrics[cid] for cid in c.supervisor.clustering.cluster_ids.tolist()}


def test_second_controller_loads_the_metric_table_from_disk(folder: Path, metric_tables: list[int]) -> None:
    from phycore import TemplateController

    c = TemplateController(folder)
    first = _metric_rows(c)
    c.close()
    assert len(metric_tables) == 1
    c2 = TemplateController(folder)
    assert len(metric_tables) == 1  # a hit
    second = _metric_rows(c2)
    assert second.keys() == first.keys()
    for cid in first:
        np.testing.assert_array_equal(list(second[cid].values()), list(first[cid].values()))
    c2.close()


def test_merge_invalidates_the_metric_table(folder: Path, metric_tables: list[int]) -> None:
    from phycore import TemplateController

    c = TemplateController(folder)
    a, b = c.supervisor.clustering.cluster_ids[:2].tolist()
    new = c.supervisor.merge(a, b).added[0]
    assert len(metric_tables) == 1  # the merged cluster is computed alone, not the table
    c.save()
    expected = c.quality.metrics[new]
    c.close()
    c2 = TemplateController(folder)  # changed folder: a miss, computed with the merge
    assert len(metric_tables) == 2 and metric_tables[-1] == metric_tables[0] - 1
    # Spike-train metrics only: isolation metrics depend on the other clusters' spikes,
    # sampled differently by a per-cluster update and by a whole-table computation.
    train = ("n_spikes", "firing_rate", "presence_ratio", "isi_violations", "contamination")
    assert {k: c2.quality.metrics[new][k] for k in train} == pytest.approx({k: expected[k] for k in train})
    c2.close()


def test_metric_table_key_is_the_whole_clustering(folder: Path, metric_tables: list[int]) -> None:
    from types import SimpleNamespace

    from phycore.controller._metrics import QualityColumns
    from phycore.model import load_model

    model = load_model(folder)
    ctx = Context(tmp := folder.parent / ".phy-test", fingerprint="same-files")
    sc = np.asarray(model.spike_clusters).copy()
    QualityColumns(model, SimpleNamespace(spike_clusters=sc), context=ctx)
    QualityColumns(model, SimpleNamespace(spike_clusters=sc.copy()), context=Context(tmp, fingerprint="same-files"))
    assert len(metric_tables) == 1
    moved = sc.copy()
    moved[0] = moved[-1]  # one spike changes cluster: two clusters differ
    q = QualityColumns(model, SimpleNamespace(spike_clusters=moved), context=ctx)
    assert len(metric_tables) == 2 and q.ready
    QualityColumns(model, SimpleNamespace(spike_clusters=sc), context=Context(tmp, fingerprint="other-files"))
    assert len(metric_tables) == 3  # other input files: a fresh cache folder


def test_controller_memcache_survives_a_restart(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore import TemplateController
    from phycore.model import TemplateModel

    calls: list[int] = []
    original = TemplateModel.get_waveforms

    def counting(self: Any, spike_ids: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(spike_ids))
        return original(self, spike_ids, *args, **kwargs)

    monkeypatch.setattr(TemplateModel, "get_waveforms", counting)
    c = TemplateController(folder, metrics=False)
    cid = int(c.supervisor.clustering.cluster_ids[0])
    w = c.get_waveforms(cid)
    c.close()
    assert len(calls) == 1
    c2 = TemplateController(folder, metrics=False)
    np.testing.assert_array_equal(c2.get_waveforms(cid).data, w.data)
    assert len(calls) == 1  # reloaded from .phy/memcache
    other = int(c2.supervisor.clustering.cluster_ids[1])
    c2.supervisor.merge(cid, other)
    c2.close()  # unsaved changes: nothing is saved
    c3 = TemplateController(folder, metrics=False)
    c3.get_waveforms(cid)
    assert len(calls) == 1
    c3.supervisor.merge(cid, other)
    c3.save()
    c3.close()
    c4 = TemplateController(folder, metrics=False)  # saved: the merged clusters are gone
    assert cid not in c4.supervisor.clustering.cluster_ids
    c4.close()


def test_save_memcache_keeps_the_newest_results_within_max_bytes(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="f")
    big = ctx.memcache(lambda cluster_id: np.zeros(1000))  # 8 kB pickles
    for c in range(5):
        big(c)
    big(1)  # most recently used: 1, 4, 3
    ctx.save_memcache(max_bytes=3 * 8200)
    name = next(iter(ctx._memcaches))
    assert list(Context(tmp_path, fingerprint="f").load_memcache(name)) == [(3,), (4,), (1,)]
