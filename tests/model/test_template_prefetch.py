"""The batched template prefetch (at session start) gives what one-by-one unwhitening gives."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.model import TemplateModel


def _model(dense: bool, seed: int = 0) -> TemplateModel:
    rng = np.random.default_rng(seed)
    n_templates, n_samples, n_channels = 37, 20, 48
    templates = np.zeros((n_templates, n_samples, n_channels), np.float32)
    for t in range(n_templates):
        # Kilosort templates are zero away from their channels (unless `dense`).
        lo = int(rng.integers(0, n_channels - 6))
        cols = slice(None) if dense else slice(lo, lo + int(rng.integers(1, 7)))
        block = templates[t][:, cols]
        templates[t][:, cols] = rng.normal(size=block.shape)
    wmi = np.eye(n_channels) + 0.1 * rng.normal(size=(n_channels, n_channels))
    n_spikes = 500
    return TemplateModel.from_arrays(
        spike_samples=np.sort(rng.integers(0, 10**5, n_spikes)), spike_templates=rng.integers(0, n_templates, n_spikes),
        templates=templates, sample_rate=2e4, whitening_mat_inv=wmi, whitening_mat=np.linalg.inv(wmi),
        channel_positions=np.c_[np.zeros(n_channels), 20.0 * np.arange(n_channels)])


@pytest.mark.parametrize("dense, chunk", [(False, 4), (False, 64), (True, 4)])
def test_prefetch_equals_one_by_one(dense: bool, chunk: int) -> None:
    prefetched, lazy = _model(dense), _model(dense)
    # chunk=4: neighbouring sparse templates share few channels (the restricted product).
    prefetched._templates.prefetch(chunk=chunk)
    for t in range(prefetched.n_templates):
        a, b = prefetched.get_template(t), lazy.get_template(t)
        assert a.best_channel == b.best_channel
        np.testing.assert_array_equal(a.channel_ids, b.channel_ids)
        np.testing.assert_allclose(a.template, b.template, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(a.amplitude, b.amplitude, rtol=1e-5, atol=1e-6)


def test_prefetch_skips_cached_templates_and_zero_templates() -> None:
    m = _model(False)
    first = m.get_template(3)
    m._templates.data[5] = 0  # a template with no channel at all
    m.prefetch_templates()
    assert m.get_template(3) is first
    assert m.get_template(5).template.size == 0 or not np.any(m.get_template(5).template)
