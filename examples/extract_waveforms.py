"""Extract and plot a cluster's spike waveforms (the script phy's documentation shows).

Usage::

    python examples/extract_waveforms.py path/to/params.py CLUSTER_ID [--out fig.png]
        [--n-spikes 100] [--filtered]

Loads the dataset with :func:`phycore.load_model`, extracts up to ``--n-spikes`` spike
waveforms of the cluster from the raw data on its best channels, and plots the first
four channels with matplotlib (saved to ``--out`` or shown). Without matplotlib, it
prints the shapes and summary statistics instead.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import phycore
from phycore.errors import PhyCoreError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", help="path to params.py")
    parser.add_argument("cluster_id", type=int, help="cluster id")
    parser.add_argument("--out", help="save the figure to this file instead of showing it")
    parser.add_argument("--n-spikes", type=int, default=100, help="max number of spikes (100)")
    parser.add_argument("--filtered", action="store_true", help="apply phy's 150 Hz high-pass")
    parser.add_argument("--no-plot", action="store_true", help="only print statistics")
    args = parser.parse_args(argv)

    try:
        model = phycore.load_model(args.params)
        waveforms = model.get_cluster_spike_waveforms(
            args.cluster_id, args.n_spikes, filtered=args.filtered, subtract_median=True)
        channel_ids = model.get_cluster_channels(args.cluster_id)
    except PhyCoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    n_spikes, n_samples, n_channels = waveforms.shape
    print(f"cluster {args.cluster_id}: {n_spikes} spikes, {n_samples} samples, "
          f"{n_channels} channels")
    print(f"best channels: {channel_ids.tolist()}")
    mean = waveforms.mean(axis=0)
    p2p = mean.max(axis=0) - mean.min(axis=0)
    for c, a in zip(channel_ids[:4], p2p[:4]):
        print(f"  channel {int(c):4d}: mean peak-to-peak {a:8.2f}")

    if args.no_plot:
        return 0
    try:
        import matplotlib

        if args.out:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot.")
        return 0

    n_show = min(4, n_channels)
    fig, axes = plt.subplots(1, max(1, n_show), figsize=(3 * max(1, n_show), 3), sharey=True,
                             squeeze=False)
    t = (np.arange(n_samples) - n_samples // 2) / model.sample_rate * 1e3
    for k in range(n_show):
        ax = axes[0, k]
        ax.plot(t, waveforms[:, :, k].T, color="0.6", lw=0.5, alpha=0.5)
        ax.plot(t, mean[:, k], color="C0", lw=2)
        ax.set_title(f"channel {int(channel_ids[k])}")
        ax.set_xlabel("ms")
    fig.suptitle(f"cluster {args.cluster_id}")
    fig.tight_layout()
    if args.out:
        fig.savefig(args.out)
        print(f"saved {args.out}")
    else:
        plt.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
