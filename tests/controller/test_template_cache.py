"""The session start computes the templates' columns on a worker and keeps them in the
folder's cache (phycore/controller/controller.py, TemplateModel.prefetch_templates)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from phycore import TemplateController
from phycore.model import TemplateModel
from phycore.model.synthetic import make_dataset

_COLUMNS = ("ch", "sh", "depth", "amp")


@pytest.fixture
def params(tmp_path: Path) -> Path:
    return Path(make_dataset(tmp_path / "data", n_spikes=5_000, n_channels=32, n_templates=20,
                             duration=5.0, raw=False, seed=4))


def _columns(c: TemplateController) -> dict[int, tuple[Any, ...]]:
    return {cid: tuple(c.supervisor.get_cluster_info(cid)[k] for k in _COLUMNS)
            for cid in c.supervisor.clustering.cluster_ids.tolist()}


def test_template_columns_come_from_a_worker_then_from_the_cache(params: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = TemplateModel.prefetch_templates
    calls: list[tuple[int, Any]] = []

    def prefetch(model: TemplateModel, cache_dir: Any = None, key: str = "") -> None:
        calls.append((threading.get_ident(), cache_dir))
        real(model, cache_dir, key)

    monkeypatch.setattr(TemplateModel, "prefetch_templates", prefetch)
    first = TemplateController(params, metrics=False)
    try:
        expected = _columns(first)
        phy = first.phy_dir
    finally:
        first.close()
    (thread, cache_dir), = calls
    assert thread != threading.get_ident()  # off the thread that builds the session
    assert cache_dir == phy / "templates" and len(list(cache_dir.glob("templates-*.npz"))) == 1

    def computed(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the templates were computed again instead of read from the cache")

    from phycore.model import _templates

    monkeypatch.setattr(_templates._TemplateStore, "prefetch", computed)
    again = TemplateController(params, metrics=False)
    try:
        assert _columns(again) == expected
    finally:
        again.close()
    monkeypatch.undo()
    real_store_prefetch, n_computed = _templates._TemplateStore.prefetch, []

    def counted(store: Any, *args: Any, **kwargs: Any) -> None:
        n_computed.append(1)
        real_store_prefetch(store, *args, **kwargs)

    monkeypatch.setattr(_templates._TemplateStore, "prefetch", counted)
    cleared = TemplateController(params, metrics=False, clear_cache=True)  # phy's --clear-cache
    try:
        assert _columns(cleared) == expected and n_computed == [1]  # the cache file went too
    finally:
        cleared.close()


def test_a_failing_prefetch_fails_the_controller(params: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("templates.npy unreadable")

    monkeypatch.setattr(TemplateModel, "prefetch_templates", broken)
    with pytest.raises(RuntimeError, match="unreadable"):
        TemplateController(params, metrics=False)
