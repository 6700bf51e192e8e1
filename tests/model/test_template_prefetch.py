"""The batched template prefetch (at session start) gives what one-by-one unwhitening gives."""

from __future__ import annotations

from pathlib import Path

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


def _same(a: object, b: object) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) and getattr(a, k).dtype == getattr(b, k).dtype
               for k in ("template", "amplitude", "channel_ids")) and a.best_channel == b.best_channel  # type: ignore[attr-defined]


def test_prefetch_cache_file_gives_the_same_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _model(False)
    first.prefetch_templates(tmp_path, key="fp1")
    (path,) = tmp_path.glob("templates-*.npz")
    again = _model(False)

    def no_compute(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed instead of read from the cache file")

    monkeypatch.setattr(again._templates, "prefetch", no_compute)
    again.prefetch_templates(tmp_path, key="fp1")
    for t in range(first.n_templates):
        assert _same(again.get_template(t), first.get_template(t))
        assert again.get_template(t).template.flags.c_contiguous
    monkeypatch.undo()
    # Another key (the folder's files changed) or other template parameters: computed
    # again, and the old file deleted.
    other = _model(False)
    other.prefetch_templates(tmp_path, key="fp2")
    (path2,) = tmp_path.glob("templates-*.npz")
    assert path2 != path
    scaled = _model(False)
    scaled._templates.template_scaling = 2.0
    scaled.prefetch_templates(tmp_path, key="fp2")
    (path3,) = tmp_path.glob("templates-*.npz")
    assert path3 != path2
    assert not _same(scaled.get_template(0), other.get_template(0))


def test_prefetch_cache_file_damaged_or_foreign_is_recomputed(tmp_path: Path) -> None:
    ref = _model(False)
    ref.prefetch_templates()
    m = _model(False)
    m.prefetch_templates(tmp_path, key="k")
    (path,) = tmp_path.glob("templates-*.npz")
    path.write_bytes(b"not a zip file")
    damaged = _model(False)
    damaged.prefetch_templates(tmp_path, key="k")
    assert all(_same(damaged.get_template(t), ref.get_template(t)) for t in range(ref.n_templates))
    # A file of other templates under the same name (shapes that do not fit) is ignored.
    small = _model(False)
    small._templates._raw = small._templates._raw[:5]
    small.prefetch_templates(tmp_path, key="k")  # writes 5 templates under its own name...
    (small_path,) = tmp_path.glob("templates-*.npz")
    small_path.rename(path)  # ...now under the name of the full set's
    assert not m._templates.load_defaults(path)
