"""Command-line entry point of phygui, and the script API.

``phygui params.py`` opens the curation window; ``--info`` prints what the model found
in a folder; ``--demo`` generates a synthetic folder and opens it; ``--screenshot out.png``
renders a few frames, saves them and exits (tests, bug reports).

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

__all__ = ["main", "format_summary", "demo_dir", "create_gui", "template_gui", "NO_DISPLAY_MESSAGE"]

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
        the rest to :class:`phygui.gui.GUI`.
    """
    from phycore.controller import TemplateController

    ckeys = {"plugins", "config_dir", "recover", "clear_cache"}
    controller = TemplateController(params_path, metrics="background",
                                    **{k: v for k, v in kwargs.items() if k in ckeys})
    try:
        gui = create_gui(controller, **{k: v for k, v in kwargs.items() if k not in ckeys})
        gui.run()
    finally:
        controller.close()


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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="phygui",
        description="Curate spike-sorting results (Kilosort / phy folders).",
    )
    p.add_argument("params", nargs="?", help="path to the folder's params.py")
    p.add_argument("--info", action="store_true", help="print the model summary and exit")
    p.add_argument("--demo", action="store_true", help="generate a synthetic folder and open it")
    p.add_argument("--demo-dir", type=Path, default=None, help="where to write the demo folder")
    p.add_argument("--n-spikes", type=int, default=200_000, help="demo: number of spikes")
    p.add_argument("--n-channels", type=int, default=64, help="demo: number of channels")
    p.add_argument("--n-templates", type=int, default=40, help="demo: number of templates")
    p.add_argument("--duration", type=float, default=60.0, help="demo: duration in seconds")
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
    )
    return params


def _rerun_under_xvfb(argv: Sequence[str], args: argparse.Namespace) -> int | None:
    """Headless machine: rerun this command under Xvfb with a screenshot; None if impossible."""
    xvfb = shutil.which("xvfb-run")
    if xvfb is None or os.environ.get("PHYGUI_UNDER_XVFB"):
        return None
    argv = list(argv)
    if args.screenshot is None:
        shot = Path(args.demo_dir or demo_dir()).resolve() / "phygui-demo.png"
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``phygui`` command; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from phycore.errors import PhyCoreError

    from phygui.gui import has_display

    if not args.demo and not args.params:
        _parser().print_help()
        return 2
    if not args.info and not has_display():
        if args.demo or args.screenshot is not None:
            code = _rerun_under_xvfb(argv, args)
            if code is not None:
                return code
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 3
    try:
        params = _make_demo(args) if args.demo else Path(args.params)
        if args.info:
            from phycore import load_model

            print(format_summary(load_model(params).summary()))
            return 0
        return _open(params, args)
    except PhyCoreError as e:
        print(f"phygui: error: {e}", file=sys.stderr)
        return 1


def _open(params: Path, args: argparse.Namespace) -> int:
    from phycore.controller import TemplateController

    plugins = [p for p in (args.plugins or "").split(",") if p]
    t0 = time.perf_counter()
    controller = TemplateController(params, plugins=plugins or None, metrics="background")
    if args.screenshot is not None:
        controller.wait()  # a screenshot shows the complete table
    logger.info("Loaded %s in %.2f s.", params, time.perf_counter() - t0)
    try:
        gui = create_gui(controller)
        ids = _parse_ids(args.select)
        if ids:
            controller.supervisor.select(ids)
        elif args.demo and not controller.supervisor.selected:
            controller.supervisor.next_best()  # show something on the demo's first frame
        if args.screenshot is None:
            gui.run()
            return 0
        gui.render(max(2, args.frames))
        out = gui.screenshot(args.screenshot)
        gui.destroy()
        print(f"Screenshot saved to {out}")
        return 0
    finally:
        controller.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
