"""GUI scenario of issue #18, "Select, merge, undo: views draw when their data is ready":
the default layout with the views' data loaded on workers (as ``GUI.run`` does), driven by
real keys (``Down`` selects the best cluster, ``space`` adds its most similar one, ``g``
merges, ctrl+z undoes). After each step every data view shows the selected clusters,
computed on a worker (its job counters moved) and drawn in their colours; the frames
rendered meanwhile are logged (Dear PyGui's own frame times, not asserted on).

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_async_views select_merge_undo /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, hold, keyboard, region
from tests.gui.strict import controller_scenarios, expect_errors, scenario_main

#: Views whose picture is checked for the selection's colours.
COLOURED = ("WaveformView", "FeatureView", "AmplitudeView", "CorrelogramView", "ISIView", "FiringRateView")
MAX_FRAMES = 600


def _data_views(gui: Any) -> list[Any]:
    return [v for v in gui.views if hasattr(v, "async_data")]


def _settled(views: list[Any]) -> bool:
    return all(not v.data_pending and not v.model.is_dirty and not v.dirty for v in views)


class FrameLog:
    """Records every frame the GUI renders (Dear PyGui's frame time, and how many data views
    were still computing after it), from the key press on."""

    def __init__(self, gui: Any) -> None:
        self.frames: list[tuple[float, int]] = []
        self._render = gui.render
        self._views = _data_views(gui)
        gui.render = self.render  # the keyboard helper renders through it too

    def render(self, n_frames: int = 1) -> None:
        import dearpygui.dearpygui as dpg

        for _ in range(n_frames):
            self._render(1)
            self.frames.append((1000 * dpg.get_delta_time(), sum(v.data_pending for v in self._views)))

    def step(self, label: str, log: list[str]) -> None:
        """Render until every data view shows its data; log the frames since the last step."""
        views = self._views
        for _ in range(MAX_FRAMES):
            if _settled(views):
                break
            self.render(1)
        assert _settled(views), f"{label}: views still computing after {MAX_FRAMES} frames"
        ms = [round(t, 1) for t, _ in self.frames]
        busy = [n for _, n in self.frames]
        last = max((i for i, n in enumerate(busy) if n), default=-1) + 1
        log.append(f"{label}: {len(ms)} frames rendered (keys included), views computing until frame {last}; "
                   f"longest {max(ms, default=0):.1f} ms; frame ms {ms}; views computing per frame {busy}")
        self.frames = []


def _check_views(gui: Any, label: str) -> None:
    """Every data view draws the selection, with data of those clusters' spikes."""
    from phycore.supervisor.colors import selected_cluster_color

    sup = gui.supervisor
    selected = [int(c) for c in sup.selected]
    clustering = sup.clustering
    for v in _data_views(gui):
        m = v.model
        if hasattr(m, "max_n_clusters") and hasattr(m, "set_selection") and v.name != "ClusterScatterView":
            assert m.cluster_ids == selected[: m.max_n_clusters], (label, v.name, m.cluster_ids, selected)
    wv = gui.get_view("WaveformView")
    assert [len(w.spike_ids) > 0 for w in wv.model._waves] == [True] * len(selected), label
    for cid, w in zip(selected, wv.model._waves):
        assert np.isin(w.spike_ids, clustering.spikes_in_clusters([cid])).all(), (label, cid)
    fv = gui.get_view("FeatureView")
    for cid, p in zip(selected, fv.model._clusters):
        assert np.isin(p.spike_ids, clustering.spikes_in_clusters([cid])).all(), (label, cid)
    frame = grab(gui, f"async_views_{label}")
    for name in COLOURED:
        pix = region(gui, gui.get_view(name), frame)
        for i in range(len(selected)):
            rgb = tuple(int(round(255 * c)) for c in selected_cluster_color(i)[:3])
            assert has_color(pix, rgb, tol=40, min_count=10), (label, name, i, rgb)


def scenario_select_merge_undo(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.view_context.async_data = True  # as GUI.run() does
        gui.render(3)
        views = _data_views(gui)
        start = {v.name: v.async_data.n_installed for v in views}
        assert {"WaveformView", "FeatureView", "TraceView", "CorrelogramView"} <= {v.name for v in views}
        frames = FrameLog(gui)
        keys, sup, log = keyboard(gui), gui.supervisor, []
        wv = gui.get_view("WaveformView")

        keys("Down", "space")  # the best cluster and its most similar one
        frames.step("select", log)
        pair = [int(c) for c in sup.selected]
        assert len(pair) == 2, pair
        installed = {v.name: v.async_data.n_installed for v in views}
        for name in COLOURED:  # loaded on a worker
            assert installed[name] > start[name], (name, start, installed)
        _check_views(gui, "select")

        keys("g")  # merge
        frames.step("merge", log)
        merged = int(sup.selected[0])
        assert merged not in pair and not set(pair) & set(sup.clustering.cluster_ids.tolist())
        assert wv.async_data.n_installed > installed["WaveformView"]
        _check_views(gui, "merge")
        assert set(wv.model._waves[0].spike_ids) <= set(sup.clustering.spikes_in_clusters([merged]).tolist())

        hold(gui, "ctrl", "z")  # undo
        frames.step("undo", log)
        assert [int(c) for c in sup.selected] == pair, (sup.selected, pair)
        _check_views(gui, "undo")
        print("\n".join(log))
    finally:
        gui.destroy()


@expect_errors(r"View CorrelogramView failed in update(.|\n)*broken correlograms")
def scenario_worker_error(controller: Any, dataset: Path) -> None:
    """A view's data job that raises on the worker is reported like any view error: logged
    (this scenario would fail without the declaration), in the status bar, once."""
    from phygui.app import create_gui

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("broken correlograms")

    gui = create_gui(controller)
    try:
        gui.view_context.async_data = True
        gui.render(3)
        controller.get_correlograms = broken
        cv = gui.get_view("CorrelogramView")
        keys = keyboard(gui)
        keys("Down")
        for _ in range(MAX_FRAMES):
            if cv.async_data.n_submitted and not cv.data_pending:
                break
            gui.render(1)
        gui.render(3)
        assert "broken correlograms" in gui.status.error, gui.status.error
        assert gui.docks.errors.get("CorrelogramView") == 1  # reported once, not every frame
        wv = gui.get_view("WaveformView")
        assert wv.model.cluster_ids == [int(c) for c in gui.supervisor.selected] and not wv.data_pending
    finally:
        gui.destroy()


def scenario_feature_read_ahead(controller: Any, dataset: Path) -> None:
    """Idle after a selection (real keys), the feature view has the OS read ahead the
    features of the similarity table's next rows; ``space`` then selects the first of them
    and the view shows that cluster's features, read fresh from the file."""
    from phygui.app import create_gui

    gui = create_gui(controller)
    seen: list[np.ndarray] = []
    real = controller.model.prefetch_features
    controller.model.prefetch_features = lambda ids: seen.append(np.asarray(ids)) or real(ids)
    try:
        gui.view_context.async_data = True
        gui.render(3)
        keys, sup, log = keyboard(gui), gui.supervisor, []
        fv = gui.get_view("FeatureView")
        frames = FrameLog(gui)
        keys("Down", "space")
        frames.step("select", log)
        nxt = fv.model.next_clusters()
        for _ in range(MAX_FRAMES):  # idle frames: the read-ahead is submitted, then done
            gui.render(1)
            if len(seen) == len(nxt) and fv.model._prefetching is None or \
                    fv.model._prefetching is not None and fv.model._prefetching.done():
                break
        gui.render(2)
        assert len(seen) == len(nxt) == 2, (seen, nxt)
        for ids, cid in zip(seen, nxt):
            np.testing.assert_array_equal(ids, controller.get_feature_spike_ids(cid, fv.model.options.n_spikes_features))
        keys("space")  # the next similar cluster: the first one read ahead
        frames.step("next similar", log)
        assert int(sup.selected[-1]) == nxt[0], (sup.selected, nxt)
        p = fv.model._clusters[-1]
        np.testing.assert_array_equal(p.spike_ids, seen[0])
        np.testing.assert_array_equal(p.features, np.nan_to_num(
            controller.model.get_features(p.spike_ids, np.asarray(fv.model.channel_ids))))
        _check_views(gui, "feature_read_ahead")
        print("\n".join(log))
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
