"""Fixtures of the phy-compatibility tests: plugin registry isolation, phy hidden, sessions.

The test virtualenv has the real phy installed (as a reference, without Qt), so the
tests that check the compatibility namespace run with ``PHYCORE_PHY_COMPAT=always``:
the plugin loader hides the real phy while it imports plugin files, and ``sys.modules``
is restored afterwards (the fixture checks it).
"""

from __future__ import annotations

import importlib.machinery
import shutil
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from phycore import plugin_registry as B
from phycore import compat
from phycore import plugins as P

PHY_PLUGINS = Path(__file__).resolve().parent / "phy_plugins"


@pytest.fixture(autouse=True)
def _isolated_registry() -> Iterator[None]:
    """Each test starts with no imported plugin file or failure, and the registry is restored."""
    registry, imported, foreign, failures = dict(P._REGISTRY), dict(P._IMPORTED), dict(P._FOREIGN), list(B._FAILURES)
    P._IMPORTED.clear()
    P.clear_failures()
    yield
    P._REGISTRY.clear()
    P._REGISTRY.update(registry)
    P._IMPORTED.clear()
    P._IMPORTED.update(imported)
    P._FOREIGN.clear()
    P._FOREIGN.update(foreign)
    B._FAILURES[:] = failures


def _phy_modules() -> dict[str, Any]:
    return {n: m for n, m in sys.modules.items() if n.split(".")[0] in ("phy", "phylib")}


@pytest.fixture
def phy_hidden(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Plugins get phycore's ``phy`` even though phy is installed; sys.modules is checked afterwards."""
    before = _phy_modules()
    monkeypatch.setenv(compat.PHY_COMPAT_ENV, "always")
    yield
    after = _phy_modules()
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before), \
        "the compatibility namespace leaked into sys.modules"


@pytest.fixture
def phy_not_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if phy and phylib were not installed: the path finder does not find them."""
    original = importlib.machinery.PathFinder.find_spec.__func__  # type: ignore[attr-defined]

    def find_spec(cls: Any, name: str, path: Any = None, target: Any = None) -> Any:
        if name.split(".")[0] in ("phy", "phylib"):
            return None
        return original(cls, name, path, target)

    for name in _phy_modules():
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(importlib.machinery.PathFinder, "find_spec", classmethod(find_spec))
    monkeypatch.delenv(compat.PHY_COMPAT_ENV, raising=False)
    yield
    compat.uninstall()  # the fallback finder and the modules it built


@pytest.fixture(scope="session")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic folder with raw data (copied by each session)."""
    from phycore.model.synthetic import make_dataset

    out = tmp_path_factory.mktemp("compat_data")
    make_dataset(out, n_spikes=8000, n_channels=16, n_templates=8, duration=5.0, raw=True, seed=3)
    return out


def write_user_dir(user: Path, files: list[str], names: list[str], extra: dict[str, str] | None = None,
                   config_extra: str = "") -> Path:
    """A ``~/.phy`` with these phy-style plugin files and ``c.TemplateGUI.plugins = names``."""
    (user / "plugins").mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(PHY_PLUGINS / f, user / "plugins" / f)
    for name, code in (extra or {}).items():
        (user / "plugins" / name).write_text(code)
    (user / "phy_config.py").write_text(f"c = get_config()\nc.TemplateGUI.plugins = {names!r}\n{config_extra}")
    return user


def session(tmp_path: Path, folder: Path, files: list[str], names: list[str],
            extra: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """A TemplateController on a copy of ``folder`` with those plugins attached."""
    from phycore import TemplateController

    data = tmp_path / "data"
    shutil.copytree(folder, data, ignore=shutil.ignore_patterns(".phy"))
    user = write_user_dir(tmp_path / "user", files, names, extra)
    return TemplateController(data / "params.py", config_dir=user, **kwargs)
