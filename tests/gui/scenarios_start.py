"""GUI scenario of the start-up (issue #18): the first frames show the cluster table
without the spike index's arrays and without numba's kernels (both are held on their
worker threads here), then real keys act while both finish, with exact results. Runs in
its own process (``test_gui_start.py``); any logged error fails it.

Run by hand:  xvfb-run -a -s '-screen 0 1600x1000x24' python -m tests.gui.scenarios_start first_frame_first /path/to/data
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests.gui.helpers import grab, keyboard
from tests.gui.strict import expected_errors, no_logged_errors, scenario_main

#: Seconds a held worker waits for its release at most: a safety net that turns a
#: deadlock (the first frames waiting for a held worker) into a failed assertion.
_SAFETY = 120.0


def _hold(module: Any, name: str) -> tuple[threading.Event, list[bool]]:
    """Hold ``module.name`` (a worker's function) until the returned event is set; the list
    records whether a call had to give up waiting (a deadlock)."""
    release, gave_up = threading.Event(), []
    original: Callable[..., Any] = getattr(module, name)

    def held(*args: Any) -> Any:
        if not release.wait(_SAFETY):
            gave_up.append(True)
        return original(*args)

    setattr(module, name, held)
    return release, gave_up


def scenario_first_frame_first(dataset: Path) -> None:
    from phycore.analysis import jit
    from phycore.clustering import _spike_index as si
    from phycore.controller import TemplateController

    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui, first_frame

    from numba.core.dispatcher import Dispatcher

    si.BACKGROUND_MIN_SPIKES = 0  # the small folder's index sorted on a worker, as at 10M spikes
    index_release, index_gave_up = _hold(si, "_sorted_by_label")
    kernels_release, kernels_gave_up = _hold(jit, "_load")
    # Every kernel call that has to compile or load its machine code goes through
    # _compile_for_args: none may come from this (the GUI) thread before the first frame.
    gui_thread, first_frames, loaded = threading.get_ident(), [True], []
    compile_for_args = Dispatcher._compile_for_args

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        if first_frames[0] and threading.get_ident() == gui_thread:
            loaded.append(self.py_func.__qualname__)
        return compile_for_args(self, *args, **kwargs)

    Dispatcher._compile_for_args = spy  # type: ignore[method-assign]
    already = "numba.np.arraymath" in sys.modules  # numba's contexts built by an earlier import
    start_warm_up = jit.warm_up

    def warm_up(**kwargs: Any) -> Any:  # the end of the first frames
        first_frames[0] = False
        if not already:
            loaded.extend(m for m in ("numba.np.arraymath", "scipy.linalg") if m in sys.modules)
        return start_warm_up(**kwargs)

    jit.warm_up = warm_up  # type: ignore[assignment]
    controller = TemplateController(dataset / "params.py", metrics=False)
    sc = np.array(controller.model.spike_clusters)
    try:
        gui = create_gui(controller)
        n_frames = first_frame(gui)
        view = gui.get_view("ClusterView")
        clustering = gui.supervisor.clustering
        assert view.rows_drawn() and n_frames <= 10, n_frames
        assert not loaded, f"numba kernels loaded before the first frame: {loaded}"
        assert not clustering._lazy_index.ready and not index_gave_up, "the first frames waited for the index"
        assert not jit.kernels_ready()
        assert "loading: numba kernels" in dpg.get_value(gui.status_bar.text)
        shot = grab(gui, "start_first_frame_tables")
        assert shot.shape[0] > 100
        # The user acts at once: the index and the kernels finish meanwhile.
        n0 = len(clustering.cluster_ids)
        index_release.set()
        kernels_release.set()
        keys = keyboard(gui)
        keys("Down")
        keys("space")
        pair = list(gui.supervisor.selected)
        assert len(pair) == 2, pair
        keys("g")
        assert len(clustering.cluster_ids) == n0 - 1, gui.status.error
        (new,) = set(clustering.cluster_ids.tolist()) - set(np.unique(sc).tolist())
        np.testing.assert_array_equal(clustering.spikes_in_clusters([new]), np.flatnonzero(np.isin(sc, pair)))
        jit.warm_up().result()
        gui.render(2)
        assert jit.kernels_ready() and "loading" not in dpg.get_value(gui.status_bar.text)
        grab(gui, "start_after_first_merge")
        assert not index_gave_up and not kernels_gave_up
        gui.destroy()
    finally:
        controller.close()


def scenario_no_numba_before_first_frame(dataset: Path) -> None:
    """Run as ``python -m`` (a fresh interpreter): ``import phycore, phygui``, the app's
    controller and its first frames import neither numba nor what numba pulls in (llvmlite,
    SciPy's linalg), nor joblib, and the quality metrics' worker waits for them; then
    numba's kernels load and give the references' results, and the metrics fill the table."""
    heavy = ("numba", "llvmlite", "scipy", "joblib")
    assert not [m for m in heavy if m in sys.modules], "imported by the scenario's own imports"
    import phycore  # noqa: F401
    import phygui  # noqa: F401
    from phycore.analysis import correlograms, jit
    from phycore.controller import TemplateController

    from phygui.app import create_gui, first_frame
    from phygui.render.raster import Raster, draw_points, draw_points_reference

    seen: dict[str, Any] = {}
    start_warm_up = jit.warm_up

    def warm_up(**kwargs: Any) -> Any:  # first_frame() calls it right after the first frames
        seen.setdefault("imported", [m for m in heavy if m in sys.modules])
        seen.setdefault("metrics_started", controller.quality is not None and controller.quality._thread is not None)
        return start_warm_up(**kwargs)

    jit.warm_up = warm_up  # type: ignore[assignment]
    controller = TemplateController(dataset / "params.py", metrics="deferred")  # as the app
    try:
        gui = create_gui(controller)
        assert first_frame(gui) >= 1 and gui.get_view("ClusterView").rows_drawn()
        assert seen["imported"] == [], f"imported before the first frame: {seen['imported']}"
        assert seen["metrics_started"] is False, "the metrics' worker started before the first frame"
        assert controller.quality is not None and controller.quality._thread is not None  # started by first_frame
        jit.warm_up().result()
        assert "numba" in sys.modules and jit.kernels_ready()
        # The kernels, loaded lazily, give the references' results: a parallel kernel
        # (prange), and kernels calling an inlined kernel.
        from tests.analysis.reference import ccg

        model = controller.model
        ids = np.unique(model.spike_clusters)[:3]
        keep = np.isin(model.spike_clusters, ids)
        t, c = model.spike_times[keep][:2000], model.spike_clusters[keep][:2000]
        args = (t, c, ids, float(model.sample_rate), 0.001, 0.02)
        np.testing.assert_array_equal(correlograms(*args), ccg(*args))
        rng = np.random.default_rng(0)
        x, y, k = rng.uniform(-0.1, 1.1, 500), rng.uniform(-0.1, 1.1, 500), rng.integers(0, 3, 500)
        got, ref = (Raster(40, 60, np.ones((3, 4)), (0, 0, 1, 1)) for _ in range(2))
        draw_points(got, x, y, k, size=3)
        draw_points_reference(ref, x, y, k, size=3)
        np.testing.assert_array_equal(got.counts, ref.counts)
        controller.wait()
        table = gui.supervisor.cluster_table
        values = [table.get(cid, "presence_ratio") for cid in controller.supervisor.clustering.cluster_ids]
        assert values and all(v is not None for v in values), values[:5]
        grab(gui, "start_no_numba_metrics_filled")
        gui.destroy()
    finally:
        controller.close()


def scenario_warm_views(dataset: Path) -> None:
    """Nothing selected at start: after the first frames the shown views draw the table's
    first two rows on copies (GUI.warm_views), loading their numba kernels on the views'
    workers (the scatter's discs and the trace overlays' kernel too); the user's first
    selection then loads none, on any thread."""
    from numba.core.dispatcher import Dispatcher

    from phycore.controller import TemplateController
    from phygui.app import create_gui, first_frame
    from phygui.viewmodels.async_data import AsyncData

    phase, loads = ["start"], []
    compile_for_args = Dispatcher._compile_for_args

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append((phase[0], threading.current_thread().name, self.py_func.__qualname__))
        return compile_for_args(self, *args, **kwargs)

    Dispatcher._compile_for_args = spy  # type: ignore[method-assign]
    controller = TemplateController(dataset / "params.py", metrics=False)
    try:
        gui = create_gui(controller)
        assert not gui.supervisor.selected
        first_frame(gui)
        assert gui.warming is not None
        n_views = gui.warming.result(timeout=_SAFETY)
        shown = [v for v in gui.views if gui.docks.is_shown(v)]
        data_views = [v for v in shown if AsyncData.supports(getattr(v, "model", None))]
        others = [v for v in shown if not AsyncData.supports(getattr(v, "model", None))
                  and callable(getattr(getattr(v, "model", None), "warm_kernels", None))]
        assert {v.name for v in others} == {"TraceView", "ClusterScatterView"}
        assert n_views == len(data_views) + len(others) and len(data_views) >= 5, n_views
        warmed = {k for p, t, k in loads if p == "start" and t.startswith("phygui-view-data")}
        assert len(warmed) >= 5, warmed  # the views' kernels, loaded by the warm-up
        assert {"_discs_kernel", "_snippets_kernel"} <= warmed, warmed  # scatter and trace overlays too
        assert not gui.supervisor.selected and all(not v.model.cluster_ids for v in data_views)
        gui.view_context.async_data = True  # as GUI.run()
        for _ in range(400):  # the user reads the table meanwhile: the trace view draws its tiles
            gui.render(1)
            if not any(getattr(v, "data_pending", False) or getattr(v.model, "is_dirty", False) for v in shown):
                break
        phase[0] = "select"
        first, second = gui.supervisor.cluster_table.visible_ids[:2]
        gui.supervisor.select([first, second])
        for _ in range(400):
            gui.render(1)
            if not any(v.data_pending or v.model.is_dirty for v in data_views):
                break
        assert all(v.model.cluster_ids[:2] == [first, second] for v in data_views)
        late = [(t, k) for p, t, k in loads if p == "select"]
        assert not late, f"kernels loaded by the first selection (GUI thread, jobs, trace overlays): {late}"
        grab(gui, "start_first_selection_warmed")
        gui.destroy()
    finally:
        Dispatcher._compile_for_args = compile_for_args  # type: ignore[method-assign]
        controller.close()


def run(name: str, dataset: Path) -> None:
    from phycore import signals

    func = globals()[f"scenario_{name}"]
    signals.set_raise_errors(False)  # logged, as in the app; no_logged_errors fails on the log
    with no_logged_errors(expected_errors(func)):
        func(dataset)


if __name__ == "__main__":
    scenario_main(run)
