"""Cluster similarity: from ``similar_templates.npy`` (phy) or from mean waveforms.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from phycore.analysis._validate import cluster_ids_arg
from phycore.errors import DataFormatError

__all__ = ["masked_cosine_similarity", "template_similarity", "top_similar"]


def masked_cosine_similarity(
    waveforms: npt.ArrayLike, channel_masks: npt.ArrayLike | None = None
) -> npt.NDArray[np.float64]:
    """Cosine similarity of mean waveforms restricted to each cluster's best channels.

    Each waveform ``W_i`` ``(n_samples, n_channels)`` is zeroed outside its best
    channels (``channel_masks[i]``), flattened and normalised; the similarity of two
    clusters is the dot product of these vectors, in ``[-1, 1]``. Two clusters with
    no best channel in common have similarity 0. An all-zero waveform has similarity
    0 with everything (including itself).

    Parameters
    ----------
    waveforms : array-like, shape (n_clusters, n_samples, n_channels)
        Mean templates or mean raw waveforms (e.g. ``WaveformSummary.mean_templates``).
    channel_masks : array-like of bool, shape (n_clusters, n_channels), optional
        Best channels of each cluster; default: all channels.

    Returns
    -------
    ndarray of float64, shape (n_clusters, n_clusters)

    .. versionadded:: 0.1.0
    """
    w = np.asarray(waveforms, dtype=np.float64)
    if w.ndim != 3:
        raise DataFormatError(f"`waveforms` must be 3-D, got shape {w.shape}.", argument="waveforms")
    if channel_masks is not None:
        m = np.asarray(channel_masks, dtype=bool)
        if m.shape != (w.shape[0], w.shape[2]):
            raise DataFormatError(
                f"`channel_masks` must be {(w.shape[0], w.shape[2])}, got {m.shape}.", argument="channel_masks"
            )
        w = w * m[:, None, :]
    v = w.reshape(w.shape[0], -1)
    norm = np.linalg.norm(v, axis=1)
    v = np.divide(v, norm[:, None], out=np.zeros_like(v), where=norm[:, None] > 0)
    sim: npt.NDArray[np.float64] = np.clip(v @ v.T, -1.0, 1.0)
    return sim


def template_similarity(
    similar_templates: npt.ArrayLike,
    templates_of: Mapping[int, npt.ArrayLike],
    cluster_id: int,
    cluster_ids: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """phy's TemplateGUI similarity of one cluster to others.

    ``sim(A, B) = max over templates i of A and j of B of similar_templates[i, j]``,
    with the clusters' live template membership (``templates_of[c]``: template ids of
    cluster ``c``).

    Parameters
    ----------
    similar_templates : array-like, shape (n_templates, n_templates)
    templates_of : mapping of int to array-like of int
    cluster_id : int
        Cluster A.
    cluster_ids : array-like of int
        Clusters B.

    Returns
    -------
    ndarray of float64, shape (len(cluster_ids),)

    .. versionadded:: 0.1.0
    """
    st = np.asarray(similar_templates, dtype=np.float64)
    ids = cluster_ids_arg(cluster_ids)
    ta = np.asarray(templates_of[int(cluster_id)], dtype=np.int64)
    if ta.size == 0:
        return np.zeros(ids.size)
    row = st[ta].max(axis=0)  # best match of any template of A with each template
    out = np.zeros(ids.size)
    for i, c in enumerate(ids.tolist()):
        tb = np.asarray(templates_of[c], dtype=np.int64)
        out[i] = row[tb].max() if tb.size else 0.0
    return out


def top_similar(
    cluster_ids: npt.ArrayLike, scores: npt.ArrayLike, *, exclude: npt.ArrayLike = (), n: int = 100
) -> list[tuple[int, float]]:
    """The ``n`` highest-scoring ``(cluster_id, score)`` pairs, best first.

    Ties are broken by increasing cluster id; ids in ``exclude`` are skipped.

    .. versionadded:: 0.1.0
    """
    ids = cluster_ids_arg(cluster_ids)
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != ids.shape:
        raise DataFormatError("`scores` must have one value per cluster id.", argument="scores")
    keep = ~np.isin(ids, np.asarray(exclude, dtype=np.int64)) & ~np.isnan(s)
    ids, s = ids[keep], s[keep]
    order = np.lexsort((ids, -s))[: max(0, int(n))]
    return [(int(ids[k]), float(s[k])) for k in order]
