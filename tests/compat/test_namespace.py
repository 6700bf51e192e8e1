"""The ``phy`` compatibility namespace itself: modes, what is served, unsupported parts of phy,
plugins of an installed phy, and the layering of the plugin loader."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from phycore import compat, signals
from phycore.errors import PluginError, UnsupportedPhyAPIError
from phycore.plugins import discover_plugins, get_failures, registered_plugins
from tests.compat.conftest import session

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


# What is served --------------------------------------------------------------------------------


@pytest.mark.usefixtures("phy_hidden")
def test_forced_serves_phycore_objects_and_restores_sys_modules() -> None:
    import phycore.controller
    from phycore.plugins import IPlugin

    with compat.forced():
        import phy
        from phy import Bunch, connect
        from phy import IPlugin as PhyIPlugin
        from phy.apps.template import TemplateController
        from phy.cluster.views import FeatureView, ManualClusteringView
        from phy.utils.color import selected_cluster_color
        from phylib.utils import Bunch as PhylibBunch

        assert compat.is_compat_module(phy) and phy.__version__ == "2.1.0+phycore"
        assert PhyIPlugin is IPlugin and TemplateController is phycore.controller.TemplateController
        assert PhylibBunch is Bunch and Bunch(a=1).a == 1 and callable(connect)
        assert selected_cluster_color(1)[:3] == pytest.approx((1.0, 2 / 255, 2 / 255), abs=1e-4)
        assert isinstance(type("FeatureView", (), {})(), FeatureView)
        assert not isinstance(object(), FeatureView)
        assert ManualClusteringView.__module__ == "phycore.compat._views"
    assert "phy" not in sys.modules or not compat.is_compat_module(sys.modules["phy"])


@pytest.mark.parametrize("statement, expected", [
    ("from phy.plot.visuals import PlotVisual", "phy.plot.visuals is not supported by phycore: it is part of "
                                                "phy's OpenGL plotting layer"),
    ("from phy.plot import ScatterVisual", "phy.plot.ScatterVisual is not supported"),
    ("from phy.gui.qt import QtDialogLogger", "phy.gui.qt.QtDialogLogger is not supported by phycore: it is "
                                              "part of phy's Qt"),
    ("from phy.gui.gui import DockWidget", "phy.gui.gui is not supported by phycore: it is part of phy's Qt"),
    ("from phy.gui import Table", "HTML/JavaScript widgets"),
    ("from phy.gui.actions import _get_qkeysequence", "phy.gui.actions._get_qkeysequence is not supported"),
    ("import phy.nothing_here", "phy.nothing_here is not part of phycore's phy compatibility layer"),
    ("from phy.utils import nothing_here", "phy.utils.nothing_here is not part of"),
])
@pytest.mark.usefixtures("phy_hidden")
def test_unsupported_imports_say_why(statement: str, expected: str) -> None:
    with compat.forced(), pytest.raises(UnsupportedPhyAPIError) as info:
        exec(statement, {})
    assert expected in str(info.value)
    assert isinstance(info.value, ImportError)  # a plugin's `except ImportError` still works


@pytest.mark.usefixtures("phy_hidden")
def test_builtin_views_cannot_be_created_or_subclassed() -> None:
    with compat.forced():
        from phy.cluster.views import WaveformView
    with pytest.raises(UnsupportedPhyAPIError, match="phygui creates its own WaveformView"):
        WaveformView()
    with pytest.raises(UnsupportedPhyAPIError, match="Subclassing phy's WaveformView"):
        type("MyWaveformView", (WaveformView,), {})


def test_uses_phy_and_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert compat.uses_phy("import numpy\nfrom phy import IPlugin\n")
    assert compat.uses_phy("  import phylib.utils\n") and compat.uses_phy("from phy.cluster.views import X")
    assert not compat.uses_phy("from phycore import IPlugin\nx = 'from phy import IPlugin'\n")
    assert not compat.uses_phy("import physics\n")
    monkeypatch.setenv(compat.PHY_COMPAT_ENV, "ALWAYS")
    assert compat.compat_mode() == "always" and compat.compat_mode("never") == "never"
    monkeypatch.setenv(compat.PHY_COMPAT_ENV, "sometimes")
    with pytest.raises(PluginError, match="PHYCORE_PHY_COMPAT must be one of auto, always, never"):
        compat.compat_mode()


def test_bad_mode_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compat.PHY_COMPAT_ENV, "sometimes")
    discover_plugins([tmp_path])
    [failure] = get_failures()
    assert failure.stage == "config" and "PHYCORE_PHY_COMPAT" in failure.message and "'auto' is used" in failure.message


# Modes -------------------------------------------------------------------------------------------


PHY_PLUGIN = """
    from phy import IPlugin, connect

    class FallbackPlugin(IPlugin):
        def attach_to_controller(self, controller):
            controller.heard = []

            @connect
            def on_select(sender, cluster_ids):
                controller.heard.append(list(cluster_ids))
"""


@pytest.mark.usefixtures("phy_not_installed")
def test_auto_mode_serves_phy_when_it_is_not_installed(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, [], ["FallbackPlugin"], extra={"fallback.py": textwrap.dedent(PHY_PLUGIN)})
    assert get_failures() == [] and compat.is_installed()
    assert compat.is_compat_module(sys.modules["phy"])  # a fallback: it stays for lazy imports
    ids = c.supervisor.cluster_table.visible_ids[:2]
    c.supervisor.select(ids)
    assert c.heard[-1] == ids
    c.close()


@pytest.mark.usefixtures("phy_not_installed")
def test_never_mode_reports_plugins_needing_phy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compat.PHY_COMPAT_ENV, "never")
    path = _write(tmp_path / "fallback.py", PHY_PLUGIN)
    discover_plugins([tmp_path])
    [failure] = get_failures()
    assert failure.stage == "import" and str(path) in failure.message
    assert "PHYCORE_PHY_COMPAT=never" in failure.message and "FallbackPlugin" not in registered_plugins()


@pytest.mark.usefixtures("phy_hidden")
def test_phy_config_may_import_phy_and_define_a_plugin(tmp_path: Path, folder: Path) -> None:
    from phycore import TemplateController

    data = tmp_path / "data"
    shutil.copytree(folder, data)
    user = tmp_path / "user"
    user.mkdir()
    (user / "phy_config.py").write_text(textwrap.dedent("""
        from phy import IPlugin

        class ConfigPlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.cluster_metrics['twice_fr'] = lambda c: 2 * controller.get_spike_ids(c).size

        c = get_config()
        c.TemplateGUI.plugins = ['ConfigPlugin']
    """))
    c = TemplateController(data / "params.py", config_dir=user)
    assert get_failures() == []
    cid = c.supervisor.cluster_table.visible_ids[0]
    assert c.supervisor.get_cluster_info(cid)["twice_fr"] == 2 * c.supervisor.get_cluster_info(cid)["n_spikes"]
    c.close()


# An installed phy ---------------------------------------------------------------------------------


@pytest.fixture
def real_phy_events() -> object:
    pytest.importorskip("phy")
    from phylib.utils import event

    event.reset()
    yield event
    event.reset()


def test_plugin_of_installed_phy_is_attached_and_hears_events(tmp_path: Path, folder: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               real_phy_events: object) -> None:
    monkeypatch.delenv(compat.PHY_COMPAT_ENV, raising=False)  # auto: the installed phy wins
    code = PHY_PLUGIN.replace("FallbackPlugin", "RealPhyPlugin")
    c = session(tmp_path, folder, [], ["RealPhyPlugin"], extra={"real.py": textwrap.dedent(code)})
    [plugin] = c.plugins
    assert type(plugin).__mro__[1].__module__ == "phy.utils.plugin"  # the real phy's IPlugin
    [note] = get_failures()
    assert note.stage == "foreign" and "PHYCORE_PHY_COMPAT=always" in note.message
    ids = c.supervisor.cluster_table.visible_ids[:2]
    c.supervisor.select(ids)  # emitted on phycore's bus, forwarded to phy's
    assert c.heard[-1] == ids
    c.close()


def test_plugin_failing_with_installed_phy_is_retried_with_phycores_names(tmp_path: Path, folder: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("phy")
    monkeypatch.delenv(compat.PHY_COMPAT_ENV, raising=False)
    before = {n: m for n, m in sys.modules.items() if n.split(".")[0] in ("phy", "phylib")}
    c = session(tmp_path, folder, ["matplotlib_view.py"], ["PhyStyleMatplotlibViewPlugin"])
    # The installed phy has no OpenGL: phy.cluster.views fails there, phycore's namespace serves it.
    assert get_failures() == []
    view = c.view_creator["FeatureDensityView"]()
    assert view.select(c.supervisor.cluster_table.visible_ids[:1]) and view.canvas.version == 1
    after = {n: m for n, m in sys.modules.items() if n.split(".")[0] in ("phy", "phylib")}
    assert all(after.get(n) is m for n, m in before.items())
    assert not any(compat.is_compat_module(m) for m in after.values())
    c.close()


# Unsupported parts of phy --------------------------------------------------------------------------


@pytest.mark.usefixtures("phy_hidden")
def test_unsupported_plugins_are_reported_and_the_session_goes_on(tmp_path: Path, folder: Path) -> None:
    files = ["opengl_view.py", "shortcuts.py", "qt_widget.py", "cluster_metrics.py"]
    names = ["PhyStyleOpenGLViewPlugin", "PhyStyleShortcutsPlugin", "PhyStyleQtPlugin", "PhyStyleMeanIsiPlugin"]
    c = session(tmp_path, folder, files, names)
    assert [type(p).__name__ for p in c.plugins] == ["PhyStyleMeanIsiPlugin"]
    assert "meanisi" in c.supervisor.columns
    imports = {f.name: f.message for f in get_failures() if f.stage == "import"}
    assert set(imports) == set(files[:3])
    user = tmp_path / "user" / "plugins"
    for name, call in [("opengl_view.py", "phy.plot.visuals is not supported by phycore"),
                       ("shortcuts.py", "phy.gui.actions._get_qkeysequence is not supported by phycore"),
                       ("qt_widget.py", "Qt widgets and windows are not available to plugins")]:
        assert str(user / name) in imports[name] and call in imports[name], imports[name]
    lookups = {f.name: f.message for f in get_failures() if f.stage == "lookup"}
    assert set(lookups) == set(names[:3])
    # A class that cannot be found because its file did not import says which files did not.
    assert all(str(user / "opengl_view.py") in m and "failed to import" in m for m in lookups.values())
    assert not any(".." in m for m in imports.values())  # one full stop, not the reason's and ours
    c.close()


@pytest.mark.usefixtures("phy_hidden")
def test_cluster_view_styles_colour_rows_by_label(tmp_path: Path, folder: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore.supervisor.colors import GROUP_COLORS

    monkeypatch.setattr("phycore.supervisor.colors.GROUP_COLORS", GROUP_COLORS)
    saved = dict(GROUP_COLORS)
    try:
        c = session(tmp_path, folder, ["cluster_view_styling.py"], ["PhyStyleStylingPlugin"])
        assert [type(p).__name__ for p in c.plugins] == ["PhyStyleStylingPlugin"] and not get_failures()
        assert GROUP_COLORS["good"] == "#FF0000" and GROUP_COLORS["mua"] == saved["mua"]
        c.close()
    finally:
        GROUP_COLORS.clear()
        GROUP_COLORS.update(saved)


@pytest.mark.usefixtures("phy_hidden")
def test_unsupported_call_at_attach_names_plugin_and_call(tmp_path: Path, folder: Path) -> None:
    code = """
        from phy import IPlugin

        class RawAmplitudesPlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller._amplitude_getter([0], name='raw')
    """
    c = session(tmp_path, folder, ["cluster_metrics.py"], ["RawAmplitudesPlugin", "PhyStyleMeanIsiPlugin"],
                extra={"raw_amps.py": textwrap.dedent(code)})
    assert [type(p).__name__ for p in c.plugins] == ["PhyStyleMeanIsiPlugin"]
    [failure] = get_failures()
    assert failure.stage == "attach" and str(tmp_path / "user" / "plugins" / "raw_amps.py") in failure.message
    assert "controller._amplitude_getter(name='raw') is not supported by phycore" in failure.message
    c.close()


@pytest.mark.usefixtures("phy_hidden")
def test_unsupported_call_in_a_subscriber_is_recorded_and_skipped(tmp_path: Path, folder: Path) -> None:
    code = """
        from phy import IPlugin, connect

        class DockStatusPlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.after = []

                @connect
                def on_select(sender, cluster_ids):
                    sender.dock.set_status('selected')  # phy's Qt dock widget

                @connect
                def on_select(sender, cluster_ids):  # noqa: F811 (a second subscriber)
                    controller.after.append(list(cluster_ids))
    """
    c = session(tmp_path, folder, [], ["DockStatusPlugin"], extra={"dock.py": textwrap.dedent(code)})
    assert signals.raise_errors()  # the test suite re-raises subscriber errors: this one is not an error
    ids = c.supervisor.cluster_table.visible_ids[:1]
    c.supervisor.select(ids)
    c.supervisor.select(ids + c.supervisor.cluster_table.visible_ids[1:2])
    assert len(c.after) == 2  # the other subscriber still ran, twice
    failures = [f for f in get_failures() if f.stage == "unsupported"]
    assert len(failures) == 2 and failures[0].name == "DockStatusPlugin"
    assert "Supervisor.dock is not supported by phycore" in failures[0].message
    assert str(tmp_path / "user" / "plugins" / "dock.py") in failures[0].message
    c.close()


@pytest.mark.usefixtures("phy_hidden")
def test_plain_bugs_in_subscribers_are_not_called_unsupported(tmp_path: Path, folder: Path) -> None:
    code = """
        from phy import IPlugin, connect

        class BuggyPlugin(IPlugin):
            def attach_to_controller(self, controller):
                @connect
                def on_select(sender, cluster_ids):
                    1 / 0
    """
    c = session(tmp_path, folder, [], ["BuggyPlugin"], extra={"buggy.py": textwrap.dedent(code)})
    with pytest.raises(ZeroDivisionError):  # re-raised by the bus in tests, logged in the app
        c.supervisor.select(c.supervisor.cluster_table.visible_ids[:1])
    assert not [f for f in get_failures() if f.stage == "unsupported"]
    c.close()


@pytest.mark.usefixtures("phy_hidden")
def test_phy_connect_unconnect_and_emit(tmp_path: Path) -> None:
    with compat.forced():
        from phy import connect, emit, unconnect
    seen: list[tuple[str, int]] = []

    @connect
    def on_my_event(sender: object, value: int) -> int:
        seen.append(("a", value))
        return value + 1

    connect(on_my_event)  # twice: still one subscription
    assert emit("my_event", object(), 1) == [2]
    assert emit("my_event", object(), 2, single=True) == 3
    unconnect(on_my_event)
    assert emit("my_event", object(), 3) == [] and seen == [("a", 1), ("a", 2)]


# Layering ---------------------------------------------------------------------------------------------


def test_plugin_loader_imports_no_upper_layer() -> None:
    code = ("import sys, phycore.plugins, phycore.compat\n"
            "bad = [m for m in sys.modules if m.startswith(('phycore.controller', 'phycore.supervisor',"
            " 'phycore.model', 'phycore.clustering', 'phygui', 'dearpygui', 'matplotlib'))]\n"
            "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_from_sparse_matches_dense_placement() -> None:
    from phycore.compat._sdk import from_sparse

    data = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    cols = np.array([[7, 3, -1], [3, 9, 7]])
    out = from_sparse(data, cols, [3, 7, 9])
    assert out.tolist() == [[2.0, 1.0, 0.0], [4.0, 6.0, 5.0]]
    with pytest.raises(ValueError, match="cols has shape"):
        from_sparse(data, cols[:, :2], [3])
