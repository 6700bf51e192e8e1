"""Tests of phycore.plugins: config file, plugin discovery, attaching, failure reports."""

from __future__ import annotations

import logging
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from phycore import plugin_registry as B
from phycore import plugins as P
from phycore.paths import user_dir
from phycore.errors import PluginError
from phycore.plugins import (
    Config,
    IPlugin,
    attach_plugins,
    clear_failures,
    discover_plugins,
    get_failures,
    get_plugin,
    load_config,
    registered_plugins,
)


@pytest.fixture(autouse=True)
def _isolated_registry() -> Any:
    """Each test starts with the registry, import record and failures it found, and restores them."""
    registry, imported, failures = dict(P._REGISTRY), dict(P._IMPORTED), list(B._FAILURES)
    P._IMPORTED.clear()
    clear_failures()
    yield
    P._REGISTRY.clear()
    P._REGISTRY.update(registry)
    P._IMPORTED.clear()
    P._IMPORTED.update(imported)
    B._FAILURES[:] = failures


class FakeController:
    gui_name = "TemplateGUI"

    def __init__(self) -> None:
        self.attached: list[str] = []


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


GOOD = """
    from phycore.plugins import IPlugin

    class GoodPlugin(IPlugin):
        def attach_to_controller(self, controller):
            controller.attached.append('GoodPlugin')
"""

BROKEN = """
    from phycore.plugins import IPlugin

    class BrokenPlugin(IPlugin):
        def attach_to_controller(self, controller):
            raise ZeroDivisionError('plugin bug')
"""


# Config -------------------------------------------------------------------------------------


def test_default_config_created_and_valid() -> None:
    path = user_dir() / "phy_config.py"
    assert not path.exists()
    c = load_config()
    assert path.exists() and "c = get_config()" in path.read_text()
    assert "# c.TemplateGUI.plugins" in path.read_text()
    assert c.get_value("TemplateGUI", "plugins", []) == [] and get_failures() == []


def test_config_sections_and_get_config(tmp_path: Path) -> None:
    write(tmp_path / "phy_config.py", """
        c = get_config()
        c.TemplateGUI.plugins = ['GoodPlugin']
        c.Plugins.dirs = [r'/somewhere']
        c.MySection.threshold = 3.5
        c.TemplateGUI.plugins.append('Other')
    """)
    c = load_config(tmp_path)
    assert c.TemplateGUI.plugins == ["GoodPlugin", "Other"]
    assert c["Plugins"]["dirs"] == ["/somewhere"]
    assert c.get_value("MySection", "threshold") == 3.5
    assert c.get_value("Missing", "x", 7) == 7 and "Missing" not in c
    with pytest.raises(AttributeError):
        c.lowercase_missing


def test_config_c_without_get_config(tmp_path: Path) -> None:
    write(tmp_path / "phy_config.py", "c.TemplateGUI.plugins = ['X']\n")
    assert load_config(tmp_path).TemplateGUI.plugins == ["X"]


@pytest.mark.parametrize("source, kind", [("c = get_config(\n", "SyntaxError"),
                                          ("c = get_config()\n1 / 0\n", "ZeroDivisionError"),
                                          ("import sys; sys.exit(1)\n", "SystemExit")])
def test_config_error_reported_empty_config(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                            source: str, kind: str) -> None:
    path = write(tmp_path / "phy_config.py", source)
    with caplog.at_level(logging.ERROR, logger="phycore"):
        c = load_config(tmp_path)
    assert c == {}
    [failure] = get_failures()
    assert failure.stage == "config" and failure.path == str(path)
    assert str(path) in failure.message and kind in failure.message
    assert "Traceback" in failure.traceback and str(path) in caplog.text and "Traceback" in caplog.text


def test_plugin_defined_in_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "phy_config.py", """
        from phycore import IPlugin

        class ConfigDefinedPlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.attached.append('ConfigDefinedPlugin')

        c = get_config()
        c.TemplateGUI.plugins = ['ConfigDefinedPlugin']
    """)
    controller = FakeController()
    assert len(attach_plugins(controller, config_dir=tmp_path)) == 1
    assert controller.attached == ["ConfigDefinedPlugin"]
    assert P.plugin_path("ConfigDefinedPlugin") == str(path)


def test_config_object_attribute_delete() -> None:
    c = Config()
    c.A.x = 1
    del c.A.x
    assert c.A == {}
    with pytest.raises(AttributeError):
        del c.A.x


# Discovery ----------------------------------------------------------------------------------


def test_discover_imports_recursively_and_skips(tmp_path: Path) -> None:
    root = tmp_path / "plugins"
    write(root / "good.py", GOOD)
    write(root / "sub" / "deeper.py", "from phycore import IPlugin\nclass DeepPlugin(IPlugin): pass\n")
    for skipped in ("tests/t.py", "test_x.py", "__pycache__/c.py", ".git/g.py", "phy_config.py"):
        write(root / skipped, "raise RuntimeError('must not be imported')\n")
    classes = discover_plugins([root, tmp_path / "missing"])
    names = {cls.__name__ for cls in classes}
    assert {"GoodPlugin", "DeepPlugin"} <= names
    assert get_failures() == []
    assert P.plugin_path("GoodPlugin") == str(root / "good.py")


def test_discover_reports_syntax_and_import_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "phy", None)  # as if phy were not installed
    root = tmp_path / "plugins"
    bad = write(root / "bad_syntax.py", "class Oops(:\n")
    phy = write(root / "old_phy.py", "from phy import IPlugin\n")
    half = write(root / "half.py", "from phycore import IPlugin\nclass HalfPlugin(IPlugin): pass\n1/0\n")
    write(root / "good.py", GOOD)
    with caplog.at_level(logging.ERROR, logger="phycore"):
        discover_plugins([root])
    failures = {f.name: f for f in get_failures()}
    assert set(failures) == {"bad_syntax.py", "old_phy.py", "half.py"}
    assert str(bad) in failures["bad_syntax.py"].message and "SyntaxError" in failures["bad_syntax.py"].message
    assert "from phycore import IPlugin" in failures["old_phy.py"].message and str(phy) in caplog.text
    assert str(half) in failures["half.py"].traceback
    assert "HalfPlugin" not in registered_plugins()  # a half-imported file registers nothing
    assert "GoodPlugin" in registered_plugins()  # the other files still load


def test_plugin_deriving_from_phy_iplugin_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "old.py", """
        class IPlugin:  # stands for phy.IPlugin
            pass

        class OldStylePlugin(IPlugin):
            pass
    """)
    discover_plugins([tmp_path])
    [failure] = get_failures()
    assert failure.name == "OldStylePlugin" and str(path) in failure.message
    assert "from phycore import IPlugin" in failure.message


def test_duplicate_name_warns_naming_both_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    a = write(tmp_path / "a" / "one.py", GOOD)
    b = write(tmp_path / "b" / "two.py", GOOD.replace("'GoodPlugin'", "'second'"))
    with caplog.at_level(logging.WARNING, logger="phycore"):
        discover_plugins([tmp_path / "a", tmp_path / "b"])
    assert "GoodPlugin is defined twice" in caplog.text
    assert str(a) in caplog.text and str(b) in caplog.text
    assert P.plugin_path("GoodPlugin") == str(a)  # the first one is kept
    [failure] = get_failures()  # shown to the user by the GUI too
    assert failure.stage == "duplicate" and str(a) in failure.message and str(b) in failure.message


def test_rediscover_skips_unchanged_and_reloads_changed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = write(tmp_path / "counter.py", """
        import builtins
        builtins._phycore_test_imports = getattr(builtins, '_phycore_test_imports', 0) + 1
        from phycore import IPlugin
        class CounterPlugin(IPlugin):
            version = 1
    """)
    import builtins

    builtins._phycore_test_imports = 0  # type: ignore[attr-defined]
    discover_plugins([tmp_path])
    discover_plugins([tmp_path])
    assert builtins._phycore_test_imports == 1  # type: ignore[attr-defined]
    f.write_text(f.read_text().replace("version = 1", "version = 2"))
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    with caplog.at_level(logging.WARNING, logger="phycore"):
        discover_plugins([tmp_path])
    assert get_plugin("CounterPlugin").version == 2  # type: ignore[attr-defined]
    assert "defined twice" not in caplog.text  # same file again is not a duplicate
    del builtins._phycore_test_imports  # type: ignore[attr-defined]


def test_plugin_defined_in_code_is_registered() -> None:
    class InlinePlugin(IPlugin):
        pass

    assert registered_plugins()["InlinePlugin"] is InlinePlugin
    assert P.plugin_path("InlinePlugin") == os.path.abspath(__file__)
    assert IPlugin().attach_to_controller(object()) is None


def test_get_plugin_exact_then_contains() -> None:
    class ClusterMetricsPluginX(IPlugin):
        pass

    class Metrics(IPlugin):
        pass

    assert get_plugin("Metrics") is Metrics
    assert get_plugin("MetricsPluginX") is ClusterMetricsPluginX
    with pytest.raises(PluginError, match="'Nope' cannot be found") as info:
        get_plugin("Nope")
    assert info.value.argument == "Nope" and "plugins" in str(info.value)


# Attaching ----------------------------------------------------------------------------------


def test_attach_from_user_dir(caplog: pytest.LogCaptureFixture) -> None:
    base = user_dir()
    write(base / "plugins" / "good.py", GOOD)
    write(base / "plugins" / "broken.py", BROKEN)
    write(base / "plugins" / "syntax.py", "def (:\n")
    write(base / "phy_config.py", """
        c = get_config()
        c.TemplateGUI.plugins = ['BrokenPlugin', 'GoodPlugin', 'MissingPlugin']
    """)
    controller = FakeController()
    with caplog.at_level(logging.ERROR, logger="phycore"):
        attached = attach_plugins(controller, plugins=["GoodPlugin"])
    assert [type(p).__name__ for p in attached] == ["GoodPlugin"]
    assert controller.attached == ["GoodPlugin"]
    failures = {f.name: f for f in get_failures()}
    assert set(failures) == {"syntax.py", "BrokenPlugin", "MissingPlugin"}
    broken = failures["BrokenPlugin"]
    assert broken.stage == "attach" and "ZeroDivisionError: plugin bug" in broken.message
    assert broken.path == str(base / "plugins" / "broken.py") and "Traceback" in broken.traceback
    assert str(base / "plugins" / "broken.py") in caplog.text
    assert failures["MissingPlugin"].stage == "lookup" and "cannot be found" in failures["MissingPlugin"].message
    name, message = failures["MissingPlugin"]  # GUI-friendly (name, message) pairs
    assert name == "MissingPlugin" and "MissingPlugin" in message


def test_attach_uses_config_dirs_and_gui_name(tmp_path: Path) -> None:
    write(tmp_path / "extra" / "good.py", GOOD)
    config = Config()
    config.Plugins.dirs = [str(tmp_path / "extra")]
    config.OtherGUI.plugins = ["GoodPlugin"]

    class OtherGUI(FakeController):
        gui_name = None

    c1 = FakeController()
    assert attach_plugins(c1, config=config) == [] and c1.attached == []
    c2 = OtherGUI()  # no gui_name: the class name picks the section
    assert len(attach_plugins(c2, config=config)) == 1 and c2.attached == ["GoodPlugin"]


def test_attach_with_constructor_error_and_bad_config_types(tmp_path: Path) -> None:
    class NeedsArgsPlugin(IPlugin):
        def __init__(self, x: int) -> None:
            pass

    config = Config()
    config.TemplateGUI.plugins = "NeedsArgsPlugin"  # a string, not a list: still accepted
    config.Plugins.dirs = 3
    assert attach_plugins(FakeController(), config=config, config_dir=tmp_path) == []
    stages = sorted(f.stage for f in get_failures())
    assert stages == ["attach", "config"]


def test_plugin_closures_keep_working(tmp_path: Path) -> None:
    signals = pytest.importorskip("phycore.signals")
    write(tmp_path / "p.py", """
        from phycore import IPlugin, connect

        class SelectRecorder(IPlugin):
            def attach_to_controller(self, controller):
                @connect
                def on_select(sender, cluster_ids):
                    controller.attached.append(list(cluster_ids))
    """)
    config = Config()
    config.TemplateGUI.plugins = ["SelectRecorder"]
    controller = FakeController()
    try:
        attach_plugins(controller, config=config, dirs=[tmp_path], config_dir=tmp_path)
        import gc

        gc.collect()
        signals.emit("select", object(), [1, 2])
        assert controller.attached == [[1, 2]]
    finally:
        signals.reset()
