"""View data reused across actions: a merged cluster's waveforms come from its parts'
cached samples (exactly the waveforms of those spikes), and an undo finds the data of the
clusters it brings back still cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore.controller import TemplateController
from phycore.controller._data import _proportional, even_subset
from phycore.controller._session_caches import KEEP_DELETED_ACTIONS
from phycore.model.synthetic import make_dataset


@pytest.fixture
def controller(tmp_path: Path) -> Iterator[Any]:
    make_dataset(tmp_path, n_spikes=4000, n_channels=16, n_templates=5, duration=5.0, raw=True, seed=3)
    c = TemplateController(tmp_path / "params.py", metrics=False)
    yield c
    c.close()


def _largest(c: Any, n: int) -> list[int]:
    counts = c.supervisor.clustering.spike_counts
    return sorted(counts, key=lambda k: -counts[k])[:n]


def test_even_subset_matches_the_unique_rule() -> None:
    spikes = np.arange(0, 3000, 3, dtype=np.int64)
    for n in (1, 2, 7, 100, 999, 1000, 5000):
        idx = np.linspace(0, spikes.size - 1, n).round().astype(np.int64)
        expected = spikes[np.unique(idx)] if spikes.size > n else spikes
        np.testing.assert_array_equal(even_subset(spikes, n), expected)


def test_proportional_shares() -> None:
    assert _proportional([300, 100], 100) == [75, 25]
    assert sum(_proportional([7, 5, 3], 10)) == 10
    assert _proportional([3, 1000], 100) == [0, 100]
    assert _proportional([2, 3], 10) == [2, 3]  # never more than a part holds


def test_merged_waveforms_come_from_the_parts(controller: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    c = controller
    a, b = _largest(c, 2)
    n = 60
    wa, wb = c.get_waveforms(a, n), c.get_waveforms(b, n)  # the views loaded both parts
    sizes = [int(c.supervisor.clustering.spike_counts[x]) for x in (a, b)]
    reads: list[int] = []
    real = c.view_data.spike_waveforms

    def counting(spike_ids: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(len(spike_ids))
        return real(spike_ids, *args, **kwargs)

    monkeypatch.setattr(c.view_data, "spike_waveforms", counting)
    up = c.supervisor.merge([a, b])
    m = up.added[0]
    w = c.get_waveforms(m, n)
    channels = c.view_data.columns.best_channels(m)
    np.testing.assert_array_equal(w.channel_ids, channels)
    assert len(w.spike_ids) == n and np.all(np.diff(w.spike_ids) > 0)
    assert np.isin(w.spike_ids, c.supervisor.clustering.spikes_in_clusters([m])).all()
    na, nb = (int(np.isin(w.spike_ids, x.spike_ids).sum()) for x in (wa, wb))
    assert [na, nb] == _proportional(sizes, n)  # shares in proportion to the parts' sizes
    # Only the parts whose cached channels miss some of the merged cluster's were read.
    covered = [np.isin(channels, x.channel_ids).all() for x in (wa, wb)]
    assert sum(reads) == sum(k for k, cov in zip((na, nb), covered) if not cov)
    # Exactly the waveforms of those spikes on those channels (phy's steps).
    np.testing.assert_allclose(w.data, real(w.spike_ids, channels), rtol=1e-6, atol=1e-6)


def test_undo_finds_the_parts_cached(controller: Any) -> None:
    c = controller
    a, b = _largest(c, 2)
    wa, fa, aa = c.get_waveforms(a), c.view_data.get_features(a), c.view_data.get_amplitudes(a)
    c.supervisor.merge([a, b])
    c.supervisor.undo()
    assert c.get_waveforms(a) is wa  # the same cached objects: nothing recomputed
    assert c.view_data.get_features(a) is fa and c.view_data.get_amplitudes(a) is aa
    c.supervisor.redo()
    c.supervisor.undo()
    assert c.get_waveforms(a) is wa


def test_deleted_clusters_data_is_dropped_after_some_actions(controller: Any) -> None:
    c = controller
    ids = _largest(c, 2)
    c.get_waveforms(ids[0])
    c.supervisor.merge(ids)
    peek = c.view_data._cached_waveforms.peek
    key = (ids[0], c.view_data.n_spikes_waveforms, c.raw_data_filter.current)
    for k in range(KEEP_DELETED_ACTIONS):
        assert peek(*key) is not None  # kept for an undo
        big = _largest(c, 1)[0]
        c.supervisor.split(c.supervisor.clustering.spikes_in_clusters([big])[:1])  # deletes `big`
    assert peek(*key) is None  # dropped: memory stays bounded
