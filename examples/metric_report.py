"""Per-cluster metric report of a folder: a CSV table and a standalone HTML page with plots.

Usage::

    python examples/metric_report.py path/to/params.py [--out-dir metric_report]
        [--n-correlograms 12]

Writes, in ``--out-dir``:

- ``metrics.csv``: one row per cluster, the columns of the cluster table (``n_spikes``,
  ``ch``, ``depth``, ``fr``, ``amp`` and the quality metrics ``presence_ratio``,
  ``isi_violation_ratio``, ``contamination``, ``amplitude_cutoff``,
  ``isolation_distance``, ``l_ratio``) and the labels (``group``...). Unknown values
  are empty cells.
- ``report.html``: one self-contained file (the plots are PNG images embedded in the
  page, base64-encoded): a histogram of each metric over the clusters, amplitude
  against depth, the autocorrelograms of the largest clusters, and the table.

**Needs matplotlib** for the HTML page (``pip install matplotlib``; it is in phycore's
``test`` extra). Without it, the CSV is still written and the script exits with code 2.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import io
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from phycore import TemplateController
from phycore.analysis import correlogram_lags
from phycore.errors import PhyCoreError

#: Table columns not plotted as histograms (identifiers, not measures).
NOT_PLOTTED = ("id", "ch", "sh", "depth")
#: Colour of each group in the scatter plot (phy's cluster-table colours).
GROUP_COLORS = {"good": "#86D16D", "mua": "#afafaf", "noise": "#777777"}
#: Autocorrelogram bin and window (s): phy's correlogram view defaults.
BIN_SIZE, WINDOW_SIZE = 1e-3, 50e-3


def metric_table(controller: TemplateController) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of the report: ``cluster_id``, the table columns, then the labels.

    Rows follow the cluster table's order (largest clusters first by default).
    """
    s = controller.supervisor
    columns = ["cluster_id"] + [c for c in s.columns if c != "id"] + list(s.fields)
    rows = []
    for cluster_id in s.cluster_table.visible_ids:
        info = s.get_cluster_info(cluster_id)
        rows.append({"cluster_id": cluster_id, **{c: info.get(c) for c in columns[1:]}})
    return columns, rows


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Write the rows as CSV (``None`` -> empty cell; floats at full precision)."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row[c] is None else row[c] for c in columns})


def _numeric(rows: Sequence[dict[str, Any]], column: str) -> np.ndarray:
    values = [row[column] for row in rows]
    return np.array([v for v in values if isinstance(v, (int, float)) and np.isfinite(v)], dtype=float)


def make_figures(controller: TemplateController, columns: Sequence[str], rows: Sequence[dict[str, Any]],
                 n_correlograms: int) -> list[tuple[str, Any]]:
    """``(title, matplotlib figure)`` of every plot of the report."""
    import matplotlib.pyplot as plt

    figures = []
    for column in columns[1:]:
        values = _numeric(rows, column)
        if column in NOT_PLOTTED or len(values) == 0:
            continue
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.hist(values, bins=min(30, max(5, len(values) // 2)), color="C0")
        ax.set_xlabel(column)
        ax.set_ylabel("clusters")
        figures.append((f"Distribution of {column}", fig))

    fig, ax = plt.subplots(figsize=(5, 4))
    for row in rows:
        ax.scatter(row["amp"], row["depth"], s=10 + 90 * np.sqrt(row["n_spikes"] / max(r["n_spikes"] for r in rows)),
                   color=GROUP_COLORS.get(row.get("group") or "", "C0"), edgecolor="k", linewidth=0.3)
    ax.set_xlabel("amp")
    ax.set_ylabel("depth")
    figures.append(("Amplitude against depth (size: n_spikes, colour: group)", fig))

    ids = [row["cluster_id"] for row in rows[:n_correlograms]]
    if ids:
        ccg = controller.get_correlograms(ids, bin_size=BIN_SIZE, window_size=WINDOW_SIZE)
        edges = correlogram_lags(BIN_SIZE, WINDOW_SIZE) * 1e3  # ms
        n_cols = min(4, len(ids))
        n_rows = (len(ids) + n_cols - 1) // n_cols
        fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.2 * n_cols, 1.6 * n_rows), squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k < len(ids):
                ax.bar(edges[:-1], ccg[k, k], width=np.diff(edges), align="edge", color="C0")
                ax.set_title(f"cluster {ids[k]}", fontsize=8)
                ax.tick_params(labelsize=6)
            else:
                ax.axis("off")
        fig.tight_layout()
        figures.append((f"Autocorrelograms (ms) of the {len(ids)} largest clusters", fig))
    return figures


def png_base64(fig: Any) -> str:
    """A figure as a base64-encoded PNG (and the figure closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def html_report(title: str, summary: str, images: Sequence[tuple[str, str]], columns: Sequence[str],
                rows: Sequence[dict[str, Any]]) -> str:
    """The standalone HTML page: ``images`` are ``(caption, base64 PNG)``."""
    figures = "\n".join(
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>" for caption, data in images)
    header = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join("<tr>" + "".join(f"<td>{_cell(row[c])}</td>" for c in columns) + "</tr>" for row in rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
figure {{ display: inline-block; margin: 0.5em; vertical-align: top; }}
figcaption {{ font-size: small; text-align: center; }}
table {{ border-collapse: collapse; font-size: small; }}
th, td {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(summary)}</p>
<h2>Plots</h2>
{figures}
<h2>Clusters</h2>
<table>
<thead><tr>{header}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</body></html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", type=Path, help="the folder's params.py (or the folder)")
    parser.add_argument("--out-dir", type=Path, default=Path("metric_report"), help="output folder (metric_report)")
    parser.add_argument("--n-correlograms", type=int, default=12,
                        help="autocorrelograms of this many largest clusters (12)")
    args = parser.parse_args(argv)
    if args.n_correlograms < 0:
        parser.error(f"--n-correlograms must be >= 0, got {args.n_correlograms}")

    try:
        controller = TemplateController(args.params)
    except PhyCoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        columns, rows = metric_table(controller)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        csv_path = args.out_dir / "metrics.csv"
        write_csv(csv_path, columns, rows)
        print(f"wrote {csv_path}: {len(rows)} clusters, {len(columns)} columns")
        try:
            import matplotlib

            matplotlib.use("Agg")
        except ImportError:
            print("error: the HTML report needs matplotlib (pip install matplotlib)", file=sys.stderr)
            return 2
        figures = make_figures(controller, columns, rows, args.n_correlograms)
        images = [(title, png_base64(fig)) for title, fig in figures]
        model = controller.model
        summary = (f"{len(rows)} clusters, {model.n_spikes} spikes, {model.n_channels} channels, "
                   f"{float(model.duration):.1f} s at {float(model.sample_rate):g} Hz.")
        html_path = args.out_dir / "report.html"
        html_path.write_text(html_report(f"Cluster metrics of {args.params}", summary, images, columns, rows),
                             encoding="utf-8")
        print(f"wrote {html_path}: {len(images)} plots")
    finally:
        controller.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
