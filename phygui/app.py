"""Command-line entry point of phygui, and the script API.

``phygui params.py`` opens the curation window; ``--info`` prints what the model found
in a folder; ``--demo`` generates a synthetic folder and opens it; ``--live-demo`` opens
an in-memory session that a simulated acquisition source keeps filling with spikes
(``--rate`` spikes/s over ``--n-channels`` channels); ``--screenshot out.png`` renders a
few frames, saves them and exits (tests, bug reports). phy's command names work too:
``phygui template-gui params.py`` (the same), ``phygui template-describe params.py``
(phylib's ``describe`` lines), ``--clear-cache``, ``--clear-state``;
``phygui extract-waveforms params.py [N] [--nc C]`` writes phy's waveform cache
(``_phy_spikes_subset.*.npy``, :meth:`phycore.model.TemplateModel.save_spikes_subset_waveforms`).

From a script::

    from phygui import template_gui
    template_gui('params.py')

or ``gui = TemplateController('params.py').create_gui()`` (which calls :func:`create_gui`).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main", "format_summary", "demo_dir", "create_gui", "create_live_demo", "first_frame", "template_gui",
           "NO_DISPLAY_MESSAGE"]

logger = logging.getLogger("phygui")


NO_DISPLAY_MESSAGE = (
    "phygui: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so no window can open.\n"
    "  - on a desktop, run phygui from a terminal of the graphical session;\n"
    "  - over ssh, use 'ssh -X' (or -Y) so DISPLAY is set;\n"
    "  - on a headless machine, run it under a virtual display and save a screenshot:\n"
    "      xvfb-run -a -s '-screen 0 1600x1000x24' phygui params.py --screenshot out.png\n"
    "  - 'phygui params.py --info' prints the dataset summary without a window."
)


def create_gui(controller: Any, **kwargs: Any) -> Any:
    """Create the GUI of a controller (context, viewport, views) without running the loop.

    Emits ``gui_ready(controller, gui)``. ``TemplateController.create_gui`` calls this.

    Parameters
    ----------
    controller : TemplateController
    **kwargs
        Passed to :class:`phygui.gui.GUI` (``views``, ``size``, ``state``...).

    Returns
    -------
    GUI
    """
    from phycore.signals import emit

    from phygui.gui import GUI

    gui = GUI(controller, **kwargs)
    controller.gui = gui
    model = getattr(controller, "model", None)
    if getattr(model, "dat_path", None) and not getattr(model, "has_raw_data", True):
        # A missing or truncated raw file must not go unnoticed: as in phy the trace view is
        # not offered and waveforms come from templates, so say why; everything else works.
        gui.status_message = f"no trace view, no raw waveforms: {getattr(model, 'raw_data_error', '')}"
    try:
        emit("gui_ready", controller, gui)
    except Exception as exc:  # a plugin failed in gui_ready: show it, keep the GUI
        logger.exception("A gui_ready subscriber failed.")
        gui.status.set_error(f"plugin failed in gui_ready: {exc}")
    return gui


def template_gui(params_path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Open the curation window on a folder and run it until it closes (phy's ``template_gui``).

    Parameters
    ----------
    params_path : path
        The folder's ``params.py`` (or the folder).
    **kwargs
        ``plugins``, ``config_dir``, ``recover``, ``clear_cache`` go to the controller;
        ``clear_state=True`` deletes the saved GUI state first (as phy); the rest go to
        :class:`phygui.gui.GUI`.
    """
    from phycore.controller import TemplateController

    ckeys = {"plugins", "config_dir", "recover", "clear_cache"}
    if kwargs.pop("clear_state", False):
        _clear_state(Path(params_path))
    controller = TemplateController(params_path, metrics="deferred",
                                    **{k: v for k, v in kwargs.items() if k in ckeys})
    try:
        gui = create_gui(controller, **{k: v for k, v in kwargs.items() if k not in ckeys})
        first_frame(gui)
        gui.run()
    finally:
        controller.close()


#: Set to 1 to print ``phygui: first frame at <unix time>`` after the first frame
#: (``benchmarks/bench_start.py`` times the start with it).
FIRST_FRAME_ENV = "PHYGUI_PRINT_FIRST_FRAME"


#: Most frames :func:`first_frame` draws while waiting for the cluster table's rows.
FIRST_FRAME_LIMIT = 30


def first_frame(gui: Any) -> int:
    """Draw the first frames, up to the one showing the cluster table's rows, then load
    numba's kernels on a worker thread.

    Dear PyGui lays the docks out over the first frames, and the table draws its rows
    once it knows its height: on the second or third frame. Nothing up to there imports
    numba or calls a numba kernel (the spike index is sorted by numpy on a worker
    thread), so the window appears without numba's one-time loading (about 0.5 s, see
    :mod:`phycore.analysis.jit`); that loading then runs while the user looks at the
    tables, and frames drawn meanwhile take numpy paths instead of waiting for it. The
    controller's deferred background work (``metrics="deferred"``: the quality metrics)
    starts then too. Returns the number of frames drawn.
    """
    from phycore.analysis.jit import defer_kernels, warm_up

    defer_kernels()
    view = gui.get_view("ClusterView")
    rows_drawn = getattr(view, "rows_drawn", None) if view is not None and gui.docks.is_shown(view) else None
    n = 0
    try:
        while n < (FIRST_FRAME_LIMIT if rows_drawn is not None else 1) and gui.is_open:
            gui.render(1)
            n += 1
            if rows_drawn is not None and rows_drawn():
                break
        if os.environ.get(FIRST_FRAME_ENV):
            print(f"phygui: first frame at {time.time():.6f} ({n} frames; cpu s: main thread "
                  f"{time.thread_time():.3f}, process {time.process_time():.3f})", flush=True)
    finally:
        loading = warm_up()  # whatever happened: the views' numpy paths end with the loading
        if gui.is_open:
            gui.warm_views(after=loading)  # then the views' own kernels, before the first selection
        start = getattr(gui.controller, "start_background", None)
        if start is not None:
            start()
    return n


def demo_dir() -> Path:
    """Default folder of the generated demo dataset (in the user cache dir)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "phygui" / "demo"


def format_summary(summary: dict[str, Any]) -> str:
    """Render a model summary dict as aligned ``key: value`` lines."""
    width = max((len(k) for k in summary), default=0)
    lines = []
    for key, value in summary.items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value) if value else "(none)"
        elif isinstance(value, float):
            value = f"{value:g}"
        lines.append(f"{key:<{width}} : {value}")
    return "\n".join(lines)


#: Defaults of ``--demo`` and ``--live-demo`` for the options they share.
DEMO_DEFAULTS: dict[str, Any] = {"n_channels": 64, "n_templates": 40, "duration": 300.0}
LIVE_DEFAULTS: dict[str, Any] = {"n_channels": 384, "n_templates": 64, "duration": 5.0, "rate": 20_000.0}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="phygui",
        description="Curate spike-sorting results (Kilosort / phy folders).",
        usage="phygui [template-gui | template-describe | extract-waveforms] [params] [options]",
        epilog="phy's commands work too: 'phygui template-gui params.py' is 'phygui params.py'; "
               "'phygui template-describe params.py' prints what phy prints; "
               "'phygui extract-waveforms params.py [N] [--nc C]' writes phy's waveform cache "
               "(see 'phygui extract-waveforms --help').",
    )
    p.add_argument("params", nargs="?", help="path to the folder's params.py")
    p.add_argument("--clear-cache", action="store_true", help="clear the .phy cache in the data directory")
    p.add_argument("--clear-state", action="store_true",
                   help="clear the GUI state in ~/.phy/TemplateGUI/ and in the data directory's .phy/")
    p.add_argument("--info", action="store_true", help="print the model summary and exit")
    p.add_argument("--demo", action="store_true", help="generate a synthetic folder and open it")
    p.add_argument("--live-demo", action="store_true",
                   help="stream simulated spikes live into an in-memory session while you curate")
    p.add_argument("--demo-dir", type=Path, default=None, help="where to write the demo folder")
    p.add_argument("--n-spikes", type=int, default=None,
                   help="demo: number of spikes (default: what the simulated firing rates give in --duration; "
                        "a given number may change the duration, see phycore.model.synthetic)")
    p.add_argument("--n-channels", type=int, default=None,
                   help=f"demo: number of channels (default {DEMO_DEFAULTS['n_channels']}, "
                        f"live demo {LIVE_DEFAULTS['n_channels']})")
    p.add_argument("--n-templates", type=int, default=None,
                   help=f"demo: number of templates (default {DEMO_DEFAULTS['n_templates']}, "
                        f"live demo {LIVE_DEFAULTS['n_templates']})")
    p.add_argument("--duration", type=float, default=None,
                   help=f"demo: duration in seconds (default {DEMO_DEFAULTS['duration']:g}); live demo: "
                        f"seconds of recording in the initial model (default {LIVE_DEFAULTS['duration']:g})")
    p.add_argument("--rate", type=float, default=LIVE_DEFAULTS["rate"],
                   help="live demo: spikes per second streamed in (default %(default)g)")
    p.add_argument("--screenshot", type=Path, default=None, metavar="PNG",
                   help="render --frames frames, save the window to PNG and exit")
    p.add_argument("--frames", type=int, default=10, help="frames rendered before --screenshot")
    p.add_argument("--select", default=None, help="clusters to select first, e.g. 3,7")
    p.add_argument("--plugins", default=None, help="comma-separated plugin names to attach")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def _make_demo(args: argparse.Namespace) -> Path:
    from phycore.model.synthetic import make_dataset

    out = args.demo_dir or demo_dir()
    params = Path(out) / "params.py"
    if params.exists():
        print(f"Using the demo folder {out} (delete it to regenerate).")
        if not (Path(out) / "synthetic_truth.json").exists():
            print("  (it predates the realistic demo data: delete it to get refractory periods, drift, "
                  "over-split units and stimulus events)")
        return params
    print(f"Generating a demo folder in {out} ...")
    make_dataset(
        out,
        n_spikes=args.n_spikes,
        n_channels=args.n_channels,
        n_templates=args.n_templates,
        duration=args.duration,
        raw=True,
        seed=0,
        realistic=True,  # refractory periods, drift, over-split units, stimulus events + ground truth
    )
    return params


def _rerun_under_xvfb(argv: Sequence[str], args: argparse.Namespace) -> int | None:
    """Headless machine: rerun this command under Xvfb with a screenshot; None if impossible."""
    xvfb = shutil.which("xvfb-run")
    if xvfb is None or os.environ.get("PHYGUI_UNDER_XVFB"):
        return None
    argv = list(argv)
    if args.screenshot is None:
        name = "phygui-live-demo.png" if args.live_demo else "phygui-demo.png"
        shot = Path(args.demo_dir or demo_dir()).resolve() / name
        argv += ["--screenshot", str(shot)]
    else:
        shot = args.screenshot.resolve()
    print("No display: running phygui under Xvfb (virtual display) and saving a screenshot instead "
          "of opening a window.")
    env = dict(os.environ, PHYGUI_UNDER_XVFB="1")
    cmd = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "phygui.app", *argv]
    code = subprocess.call(cmd, env=env)
    if code == 0:
        print(f"Screenshot of the demo saved to {shot}")
    return code


def _parse_ids(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(t) for t in text.replace(" ", ",").split(",") if t]
    except ValueError:
        raise SystemExit(f"phygui: error: --select expects cluster ids like 3,7, not {text!r}") from None


#: phy's command names that phygui accepts as a first argument.
PHY_COMMANDS = ("template-gui", "template-describe", "extract-waveforms")

def _extract_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="phygui extract-waveforms",
        description="Write phy's waveform cache (_phy_spikes_subset.*.npy) into the data folder: the raw "
                    "waveforms of up to N spikes per template, so that sessions without the raw data show "
                    "waveforms (phy's 'phy extract-waveforms params.py [N] --nc C').")
    p.add_argument("params", help="path to the folder's params.py")
    p.add_argument("n_spikes", nargs="?", type=int, default=None, metavar="N_SPIKES_PER_CLUSTER",
                   help="spikes per template (phy's positional argument; default 500)")
    p.add_argument("--n-spikes-per-cluster", type=int, default=None, dest="n_spikes_option", metavar="N",
                   help="the same as N_SPIKES_PER_CLUSTER")
    p.add_argument("--nc", "--max-n-channels", type=int, default=16, dest="nc", metavar="N",
                   help="channels per spike, at least the model's n_closest_channels (12) (default %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the random sample of templates with more spikes (default %(default)s)")
    return p


def _progress_bar(fraction: float) -> None:
    n = int(round(30 * fraction))
    end = "\n" if fraction >= 1 else ""
    print(f"\rExtracting waveforms [{'#' * n}{'.' * (30 - n)}] {100 * fraction:5.1f}%", end=end,
          file=sys.stderr, flush=True)


def _extract_waveforms(argv: Sequence[str]) -> int:
    """``extract-waveforms``: phycore's ``TemplateModel.save_spikes_subset_waveforms``."""
    import numpy as np

    from phycore import load_model
    from phycore.errors import PhyCoreError

    args = _extract_parser().parse_args(argv)
    if args.n_spikes is not None and args.n_spikes_option is not None and args.n_spikes != args.n_spikes_option:
        print("phygui: error: give the number of spikes per cluster once", file=sys.stderr)
        return 2
    n = next((v for v in (args.n_spikes, args.n_spikes_option) if v is not None), 500)
    try:
        model = load_model(args.params)
        try:
            paths = model.save_spikes_subset_waveforms(n, args.nc, seed=args.seed, progress=_progress_bar)
        finally:
            model.close()
    except PhyCoreError as e:
        print(f"phygui: error: {e}", file=sys.stderr)
        return 1
    k = len(np.load(paths[2], mmap_mode="r"))
    print(f"Saved the waveforms of {k:,} spikes to {paths[0]} (with {paths[1].name}, {paths[2].name}).")
    return 0


def _describe(params: Path) -> int:
    """``template-describe``: the lines phylib's ``TemplateModel.describe`` prints."""
    from phycore import load_model

    model = load_model(params)
    try:
        rows = [("Data files", ", ".join(map(str, model.dat_path))), ("Directory", model.dir_path),
                ("Duration", f"{model.duration:.1f}s"), ("Sample rate", f"{model.sample_rate / 1000.:.1f} kHz"),
                ("Data type", model.dtype), ("# of channels", model.n_channels),
                ("# of channels (raw)", model.n_channels_dat), ("# of templates", model.n_templates),
                ("# of spikes", f"{model.n_spikes:,}")]
        for name, value in rows:
            print(f"{name: <24}{value}")
    finally:
        model.close()
    return 0


def _clear_state(params: Path) -> None:
    """``--clear-state``: delete the global and local GUI state files, as phy does.
    ``params`` is a ``params.py`` or its data folder (both open a session)."""
    from phycore.state import load_state

    folder = params if params.is_dir() else params.parent
    if not folder.is_dir():  # e.g. a demo folder not generated yet: no state to clear
        return
    state = load_state("TemplateGUI", folder)
    for path in (state.path, state.local_path):
        if path is not None and path.exists():
            logger.warning("Deleting %s.", path)
            path.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``phygui`` command; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # phy's subcommands; without one, ``phygui params.py`` is ``template-gui``.
    command = argv.pop(0) if argv and argv[0] in PHY_COMMANDS else "template-gui"
    if command == "extract-waveforms":
        return _extract_waveforms(argv)
    args = _parser().parse_args(argv)
    defaults = LIVE_DEFAULTS if args.live_demo else DEMO_DEFAULTS
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from phycore.errors import PhyCoreError

    from phygui.gui import has_display

    if not (args.demo or args.live_demo) and not args.params:
        _parser().print_help()
        return 2
    if args.live_demo and (args.demo or args.params or args.info):
        print("phygui: error: --live-demo opens its own in-memory session: give no params.py, "
              "--demo or --info with it", file=sys.stderr)
        return 2
    if command == "template-describe":
        return _describe(_make_demo(args) if args.demo else Path(args.params))
    if args.clear_state and not args.live_demo:
        _clear_state(Path(args.params) if args.params else Path(args.demo_dir or demo_dir()) / "params.py")
    if not args.info and not has_display():
        if args.demo or args.live_demo or args.screenshot is not None:
            code = _rerun_under_xvfb(argv, args)
            if code is not None:
                return code
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 3
    try:
        if args.live_demo:
            return _open_live(args)
        params = _make_demo(args) if args.demo else Path(args.params)
        if args.info:
            from phycore import load_model

            print(format_summary(load_model(params).summary()))
            return 0
        return _open(params, args)
    except PhyCoreError as e:
        print(f"phygui: error: {e}", file=sys.stderr)
        return 1


#: Views the demo adds to phy's default layout.
DEMO_EXTRA_VIEWS = ("MergeReviewView", "PSTHView")


def _demo_selection(controller: Any, params: Path) -> None:
    """The demo's first selection: the top merge candidate (a planted over-split unit, in
    the cluster and similarity tables) and the unit responding most to the stimulus."""
    from phycore.model.synthetic import read_truth

    sup = controller.supervisor
    try:
        truth = read_truth(params)
    except FileNotFoundError:  # a demo folder made before the realistic data
        sup.next_best()
        return
    pair = controller.merge_review.next()
    rates = {int(c): float(r["rate_hz"]) for c, r in truth.get("responsive_clusters", {}).items()}
    responsive = [c for c in sorted(rates, key=rates.__getitem__, reverse=True) if pair is None or c not in pair]
    if pair is None:
        if responsive:
            sup.select(responsive[:1])
        else:
            sup.next_best()
    elif responsive:
        sup.select([pair[0], responsive[0]])
        sup.select_similar(pair[1])


def _open(params: Path, args: argparse.Namespace) -> int:
    from phycore.controller import TemplateController

    plugins = [p for p in (args.plugins or "").split(",") if p]
    t0 = time.perf_counter()
    controller = TemplateController(params, plugins=plugins or None, metrics="deferred",
                                    clear_cache=args.clear_cache)
    if args.screenshot is not None:
        controller.wait()  # a screenshot shows the complete table
    logger.info("Loaded %s in %.2f s.", params, time.perf_counter() - t0)
    try:
        if args.demo:
            from phygui.dock_layout import DEFAULT_VIEWS

            gui = create_gui(controller, views=(*DEFAULT_VIEWS, *DEMO_EXTRA_VIEWS))
        else:
            gui = create_gui(controller)
        ids = _parse_ids(args.select)
        if ids:
            controller.supervisor.select(ids)
        elif args.demo and not controller.supervisor.selected:
            _demo_selection(controller, params)  # show something on the demo's first frame
        if args.screenshot is None:
            first_frame(gui)
            gui.run()
            return 0
        gui.render(max(2, args.frames))
        out = gui.screenshot(args.screenshot)
        gui.destroy()
        print(f"Screenshot saved to {out}")
        return 0
    finally:
        controller.close()


def create_live_demo(n_channels: int = 384, n_templates: int = 64, rate: float = 20_000.0, duration: float = 5.0,
                     *, seed: int = 0, metrics: bool | str = "background",
                     plugins: Sequence[str] | None = None) -> tuple[Any, Any]:
    """The session of ``phygui --live-demo``: a controller and a simulated acquisition source.

    The controller holds the first ``duration`` seconds of a synthetic recording (a
    :class:`phycore.model.stream.SpikeStream` model, in memory); the source, once
    started, streams the next spikes in real time into ``controller.append_spikes``
    from its own thread. Stop the source before closing the controller.

    Parameters
    ----------
    n_channels, n_templates : int
        Probe channels and neurons of the synthetic recording.
    rate : float
        Spikes per second, over all neurons.
    duration : float
        Seconds of recording in the initial model.
    seed : int
        The recording is the same for the same seed.
    metrics : bool or "background"
        As in :class:`phycore.TemplateController`.
    plugins : sequence of str, optional
        Plugins to attach.

    Returns
    -------
    (TemplateController, StreamSource)
        The source is not started yet.
    """
    from phycore.controller import TemplateController
    from phycore.model.stream import SpikeStream, StreamSource

    stream = SpikeStream(n_channels=n_channels, n_templates=n_templates, rate=rate, seed=seed)
    controller = TemplateController(model=stream.model(duration=duration), plugins=plugins or None,
                                    metrics=metrics)
    return controller, StreamSource(stream, controller.append_spikes)


def _open_live(args: argparse.Namespace) -> int:
    """``--live-demo``: an in-memory session fed by a simulated acquisition source; the
    source stops when the window closes (or after the ``--screenshot`` frames)."""
    if not args.rate > 0 or not args.duration > 0:
        raise SystemExit("phygui: error: --rate and --duration must be > 0")
    plugins = [p for p in (args.plugins or "").split(",") if p]
    controller, source = create_live_demo(args.n_channels, args.n_templates, args.rate, args.duration,
                                          plugins=plugins)
    model = controller.model
    if args.screenshot is not None:
        controller.wait()
    print(f"Live demo: {model.n_spikes:,} spikes in the first {args.duration:g} s, then {args.rate:,.0f} "
          f"spikes/s over {args.n_channels} channels ({args.n_templates} templates).")
    try:
        gui = create_gui(controller)
        ids = _parse_ids(args.select)
        if ids:
            controller.supervisor.select(ids)
        else:
            controller.supervisor.next_best()
        source.start()
        if args.screenshot is None:
            first_frame(gui)
            gui.run()  # returns when the window closes
            return 0
        gui.render(max(2, args.frames))
        out = gui.screenshot(args.screenshot)
        received = model.n_spikes - model.n_spikes_loaded
        gui.destroy()
        print(f"Live demo: {received:,} spikes received in {source.n_batches} batches.")
        print(f"Screenshot saved to {out}")
        return 0
    finally:
        source.stop()
        controller.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
