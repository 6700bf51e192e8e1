"""Embed phycore, and optionally the phygui window, in an acquisition program.

Usage::

    python examples/embed_acquisition.py --headless [--seconds 10] [--rate 20000]
        [--n-channels 384] [--n-templates 64] [--report-every 2] [--top 5] [--out FOLDER]
    python examples/embed_acquisition.py [--seconds 60] [--out FOLDER] [--screenshot PNG]

The host program owns the main loop; phycore is a library it calls:

1. It builds an in-memory :class:`phycore.TemplateModel` (here the first seconds of a
   synthetic recording, :class:`phycore.model.stream.SpikeStream`; a real program
   passes its sorter's templates to ``TemplateModel.from_arrays``) and a
   :class:`phycore.TemplateController` on it, and makes its own thread the owner of
   the event bus (``phycore.signals.set_owner_thread``).
2. Its acquisition thread reads the new spikes every 20 ms and pushes them with
   ``controller.append_spikes(times, templates, amplitudes)``, which is safe from any
   thread (the rest of the session belongs to the main thread). It also emits an
   event of its own, which phycore queues and delivers on the main thread.
3. The main loop calls ``controller.poll()`` (headless) or ``gui.render()`` (with the
   window; it polls before each frame). Each call applies the queued spikes at once:
   the model and the clustering grow, the rows of the clusters that received spikes
   are recomputed and their quality metrics are refreshed every few seconds.

**Headless** (``--headless``): runs for ``--seconds`` seconds and prints, every
``--report-every`` seconds, the spike count and the largest clusters with their
metrics (``n_spikes``, ``fr``, ``presence_ratio``, ``isi_violation_ratio``,
``amplitude_cutoff``).

**With the window** (needs a display and phygui): the phygui window is embedded in
the host's loop and updates live while you curate; the loop ends when the window
closes (or after ``--seconds``). Saving in the window (ctrl+s) goes through the host
(the ``save_clustering`` event), which writes the folder.

Both modes end by saving the session as a phy folder (``--out``, default a new
temporary folder): ``params.py``, the spikes (``spike_times.npy``...), the templates,
the probe, ``spike_clusters.npy``, ``cluster_group.tsv`` and ``cluster_info.tsv``, so
``phygui FOLDER/params.py`` (or phy) opens what was acquired and curated.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from phycore import TemplateController, connect, emit, signals
from phycore.model.stream import SpikeStream
from phycore.model.tables import cluster_info_bytes, write_cluster_tsv
from phycore.model.writers import spike_clusters_bytes

#: Columns printed for each cluster (when the table has them).
REPORT_COLUMNS = ("n_spikes", "fr", "presence_ratio", "isi_violation_ratio", "amplitude_cutoff")


def acquire(stream: SpikeStream, controller: TemplateController, stop: threading.Event,
            interval: float = 0.02) -> None:
    """The acquisition thread: every ``interval`` seconds, push the spikes recorded since.

    ``StreamSource`` (phycore.model.stream) does the same; it is written out here
    because this is where a real program reads its hardware.
    """
    start_wall, start_rec = time.monotonic(), stream.position
    while not stop.wait(interval):
        times, templates, amplitudes = stream.next_batch(start_rec + time.monotonic() - start_wall)
        if len(times):
            controller.append_spikes(times, templates, amplitudes)  # thread-safe: queued
            emit("acquired", stream, len(times))  # delivered on the main thread, in poll()


def report(controller: TemplateController, elapsed: float, received: int, top: int) -> str:
    """A few lines: the spike count and the ``top`` largest clusters with their metrics."""
    sup, model = controller.supervisor, controller.model
    controller.refresh_metrics()  # the clusters that grew since the last refresh
    table = sup.cluster_table
    columns = [c for c in REPORT_COLUMNS if c in table.columns]
    largest = sorted(table.ids, key=lambda c: (-table.get(c, "n_spikes"), c))[:top]
    lines = [f"t={elapsed:.1f} s: {model.n_spikes:,} spikes ({received:,} received, "
             f"{received / max(elapsed, 1e-9):,.0f}/s), {len(table)} clusters",
             "  " + "cluster".rjust(7) + "".join(c.rjust(max(10, len(c) + 2)) for c in columns)]
    for cid in largest:
        cells = []
        for c in columns:
            v = table.get(cid, c)
            text = "" if v is None else (f"{v:,}" if isinstance(v, int) else f"{v:.3f}")
            cells.append(text.rjust(max(10, len(c) + 2)))
        lines.append("  " + str(cid).rjust(7) + "".join(cells))
    return "\n".join(lines)


def save_folder(controller: TemplateController, out: Path) -> list[Path]:
    """Write the session as a phy folder (sorter files, then the curation files)."""
    m, sup = controller.model, controller.supervisor
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"spike_times": m.spike_samples, "spike_templates": m.spike_templates,
              "amplitudes": m.amplitudes, "templates": m.sparse_templates.data,
              "template_ind": m.sparse_templates.cols, "channel_map": m.channel_map,
              "channel_positions": m.channel_positions, "channel_shanks": m.channel_shanks,
              "whitening_mat": m.wm, "whitening_mat_inv": m.wmi, "similar_templates": m.similar_templates}
    written = []
    for name, arr in arrays.items():
        if arr is not None:
            np.save(out / f"{name}.npy", np.asarray(arr))
            written.append(out / f"{name}.npy")
    (out / "params.py").write_text(f"dat_path = ''\nn_channels_dat = {m.n_channels}\ndtype = 'int16'\n"
                                   f"offset = 0\nsample_rate = {m.sample_rate!r}\nhp_filtered = False\n")
    (out / "spike_clusters.npy").write_bytes(spike_clusters_bytes(sup.clustering.spike_clusters))
    for field in sup.fields:
        (out / f"cluster_{field}.tsv").write_text(write_cluster_tsv(field, sup.get_labels(field)), newline="")
    (out / "cluster_info.tsv").write_bytes(cluster_info_bytes(sup.cluster_info))
    return written + [out / "params.py", out / "spike_clusters.npy", out / "cluster_info.tsv"]


def run_headless(controller: TemplateController, seconds: float, report_every: float, top: int,
                 received: list[int]) -> None:
    """The host's loop without a window: poll, and print a report now and then."""
    t0 = next_report = time.monotonic()
    while (now := time.monotonic()) - t0 < seconds:
        controller.poll()  # applies the queued spikes, delivers the queued events
        if now >= next_report:
            print(report(controller, now - t0, received[0], top), flush=True)
            next_report = now + report_every
        time.sleep(0.01)


def run_with_window(controller: TemplateController, seconds: float | None, screenshot: Path | None,
                    save: Any) -> None:
    """The host's loop with the phygui window embedded: one ``gui.render()`` per turn."""
    gui = controller.create_gui()
    connect(lambda sender, *args: save(), event="save_clustering")  # ctrl+s saves through the host
    controller.supervisor.next_best()
    t0 = time.monotonic()
    try:
        while gui.is_open and (seconds is None or time.monotonic() - t0 < seconds):
            gui.render()  # polls the controller, updates the views, draws one frame
        if screenshot is not None and gui.is_open:
            print(f"Screenshot saved to {gui.screenshot(screenshot)}")
    finally:
        gui.destroy()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--headless", action="store_true", help="no window: print metrics periodically")
    p.add_argument("--seconds", type=float, default=None,
                   help="how long to acquire (default 10 headless; with the window: until it closes)")
    p.add_argument("--rate", type=float, default=20_000.0, help="spikes per second (default %(default)g)")
    p.add_argument("--n-channels", type=int, default=384, help="probe channels (default %(default)s)")
    p.add_argument("--n-templates", type=int, default=64, help="neurons (default %(default)s)")
    p.add_argument("--initial", type=float, default=2.0,
                   help="seconds of recording in the initial model (default %(default)g)")
    p.add_argument("--report-every", type=float, default=2.0, help="headless: seconds between reports")
    p.add_argument("--top", type=int, default=5, help="headless: clusters per report (default %(default)s)")
    p.add_argument("--out", type=Path, default=None, help="folder to save into (default: a new temporary one)")
    p.add_argument("--screenshot", type=Path, default=None, help="window: save it to this PNG at the end")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic recording")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the example; returns the exit code."""
    args = _parser().parse_args(argv)
    if not args.rate > 0:
        print("error: --rate must be > 0", file=sys.stderr)
        return 2
    stream = SpikeStream(n_channels=args.n_channels, n_templates=args.n_templates, rate=args.rate, seed=args.seed)
    controller = TemplateController(model=stream.model(duration=args.initial))
    signals.set_owner_thread()  # events of the acquisition thread are delivered here
    received = [0]
    connect(lambda sender, n: received.__setitem__(0, received[0] + n), event="acquired")
    out = args.out or Path(tempfile.mkdtemp(prefix="embed_acquisition-"))
    print(f"Initial model: {controller.model.n_spikes:,} spikes, {controller.model.n_templates} templates, "
          f"{args.n_channels} channels; acquiring at {args.rate:,.0f} spikes/s.", flush=True)
    stop = threading.Event()
    thread = threading.Thread(target=acquire, args=(stream, controller, stop), name="acquisition")
    t0 = time.monotonic()
    thread.start()
    try:
        if args.headless:
            run_headless(controller, 10.0 if args.seconds is None else args.seconds, args.report_every,
                         args.top, received)
        else:
            run_with_window(controller, args.seconds, args.screenshot, lambda: save_folder(controller, out))
    finally:
        stop.set()
        thread.join()
    controller.poll()  # the last batches
    if args.headless:
        print(report(controller, time.monotonic() - t0, received[0], args.top))
    save_folder(controller, out)
    print(f"Saved {controller.model.n_spikes:,} spikes in {len(controller.supervisor.cluster_table)} clusters "
          f"to {out} (open it with: phygui {out / 'params.py'})")
    controller.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
