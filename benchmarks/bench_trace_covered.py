"""The trace view's tiles on a merge of the selected clusters: kept ("covered") or drawn again.

After a merge the merged cluster is selected, and the trace view's overlay draws its
spikes over the tiles (opaque, on their pixel grid). A tile whose only stale spikes are
drawn by that overlay, on at least the channels the tile drew them on, is kept
(:class:`phygui.render.tile_painter.TracePainter`, session 26). This script times the
trace view model's merge -> picture (``TraceModel.compute()``, tiles drawn on the calling
and one drawing thread) and its undo, and counts the tiles drawn, for

- ``bench``: the pairs ``bench_gui.py --actions`` merges (3rd and 4th largest clusters,
  5th and 6th, ...). Their best channels differ: the merged cluster is drawn on one part's
  channels, so the tiles that drew the other part elsewhere are drawn again;
- ``halves``: the same big clusters, each split into two halves first (one template, so
  the same best channels: what a merge of an over-split unit looks like): covered.

Each pair runs twice, alternating with covering off (``_may_be_covered`` -> False: the
behaviour before session 26), on one 1089 x 866 px view model (the GUI's default dock).
Run on the 10M-spike, 384-channel folder; serialise with other heavy runs:
``flock /tmp/bench.lock python benchmarks/bench_trace_covered.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import BENCH_DATA, hardlink_copy  # noqa: E402

FOLDER = BENCH_DATA / "model_10000000_384_600_120" / "data"


def _action(m: Any, sup: Any, act: Any, drawn: list[int]) -> tuple[float, int]:
    drawn.clear()
    t = time.perf_counter()
    up = act()
    t_model = time.perf_counter()
    m.on_cluster(sup, up)
    m.set_selection(sup.selected)
    m.compute()
    return (time.perf_counter() - t_model) * 1000, len(drawn)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=4)
    args = p.parse_args()
    from phycore import TemplateController, signals
    from phygui.viewmodels.trace import TraceModel

    work = BENCH_DATA / "trace_covered_work"
    hardlink_copy(FOLDER, work)
    signals.set_raise_errors(False)
    c = TemplateController(work / "params.py", metrics=False)
    sup = c.supervisor
    counts = sup.clustering.spike_counts
    big = sorted(counts, key=lambda x: -counts[x])[: 2 * args.pairs + 2]
    pairs = [(big[i], big[i + 1]) for i in range(2, len(big) - 1, 2)][: args.pairs]
    m = TraceModel(c)
    m.set_size(1089, 866)
    drawn: list[int] = []
    draw = m.painter.draw
    m.painter.draw = lambda k, *a: drawn.append(k) or draw(k, *a)
    covering = m.painter._may_be_covered
    res: dict[tuple[str, str, str], list[tuple[float, int]]] = {}
    for a, b in pairs:
        for kind in ("bench", "halves"):
            for mode in ("after", "before"):
                m.painter._may_be_covered = covering if mode == "after" else (lambda *x, **k: False)
                if kind == "halves":  # the split selects its two halves
                    spikes = sup.clustering.spikes_in_clusters([a])
                    _action(m, sup, lambda: sup.split(spikes[::2]), drawn)
                else:
                    sup.select([a, b])
                    m.set_selection(sup.selected)
                    m.compute()
                sel = [int(x) for x in sup.selected]
                res.setdefault((kind, mode, "merge"), []).append(_action(m, sup, lambda: sup.merge(sel), drawn))
                res.setdefault((kind, mode, "undo"), []).append(_action(m, sup, sup.undo, drawn))
                if kind == "halves":
                    _action(m, sup, sup.undo, drawn)
    m.painter.close()
    c.close()
    print(f"trace view model, merge / undo of the selected pair -> picture, {args.pairs} pairs, 1089x866 px")
    for (kind, mode, act), v in sorted(res.items()):
        ms = [x for x, _ in v]
        n = [k for _, k in v]
        print(f"{kind:7s} {act:6s} {mode:6s} median {statistics.median(ms):7.1f} ms  "
              f"({', '.join(f'{x:.0f}' for x in ms)})  tiles drawn {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
