"""The acquisition metadata in the trace and waveform view models: the sync channel (a
digital line a channel map kept) has no row and no box; the scales are given in µV when the
gains are known (a real SpikeGLX .meta), as nothing without metadata (phy's case)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset
from phygui.viewmodels.trace import TraceModel
from phygui.viewmodels.waveform import WaveformModel
from tests._acquisition_folders import spikeglx_folder, sync_in_channel_map

from .conftest import two_largest

UV = 0.6 / 512 / 500 * 1e6  # Neuropixels 1.0 AP gain 500 in the real .meta


@pytest.fixture(scope="module")
def sglx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A 1-s, 16-channel sorting beside a real-.meta SpikeGLX file whose channel map
    includes the sync column (model channel 15)."""
    d = tmp_path_factory.mktemp("sync")
    src = make_dataset(d / "src", n_spikes=600, n_channels=16, n_templates=4, duration=1.0, seed=3).parent
    spikeglx_folder(src, d / "sglx", hp_filtered=False)
    sync_in_channel_map(d / "sglx")
    c = TemplateController(d / "sglx" / "params.py", metrics=False)
    yield c
    c.close()


def test_model_sync_channel_and_gains(sglx: Any) -> None:
    m = sglx.model
    assert m.sync_channel == 384 and m.sync_channel_id == 15
    np.testing.assert_array_equal(m.probe_channel_ids, np.arange(15))
    np.testing.assert_allclose(m.uv_per_bit, np.r_[np.full(15, UV), 1.0])  # the sync line: 1 per bit


def test_trace_rows_leave_the_sync_channel_out_and_scale_in_uv(sglx: Any) -> None:
    t = TraceModel(sglx)
    t.set_size(600, 400)
    assert t.n_channels == 15 and 15 not in t.depth_order.tolist()
    assert t.row_of[15] < -0.5 and sorted(t.row_of[:15].tolist()) == list(range(15))
    frame = t.compute()
    assert frame is not None and frame.home[3] == 14.5
    assert "384" not in [lab.text for lab in frame.labels]
    for cid in sglx.supervisor.clustering.cluster_ids:
        assert 15 not in t.best_channels(int(cid)).tolist()
    assert t.row_uv == pytest.approx(UV / t.y_scale)
    assert f"row: {UV / t.y_scale:.3g} µV" in t.status
    t.toggle_whitening()  # whitened traces have no physical unit
    assert t.row_uv is None and "µV" not in t.status


def test_waveforms_leave_the_sync_channel_out_and_scale_in_uv(sglx: Any) -> None:
    w = WaveformModel(sglx)
    w.set_selection(two_largest(sglx))
    w.set_size(300, 240)
    w.compute()
    assert 15 not in w.channel_ids.tolist()
    assert w.status.endswith(f"box: ±{w.ylim * UV:.3g} µV") and w.status.startswith("waveforms")
    w.toggle_all_channels()
    w.compute()
    assert w.channel_ids.tolist() == list(range(15))
    w.set_waveforms_type("templates")  # the sorter's units: no µV
    w.compute()
    assert 15 not in w.channel_ids.tolist() and w.box_uv is None and "µV" not in w.status


def test_no_metadata_no_change(controller: Any) -> None:
    """Without metadata (phy's case): every channel, no µV anywhere."""
    m = controller.model
    assert m.uv_per_bit is None and m.sync_channel_id is None
    np.testing.assert_array_equal(m.probe_channel_ids, np.arange(m.n_channels))
    t = TraceModel(controller)
    t.set_size(600, 400)
    t.compute()
    assert t.n_channels == m.n_channels and "µV" not in t.status
    w = WaveformModel(controller)
    w.set_selection(two_largest(controller))
    w.compute()
    assert w.box_uv is None and "µV" not in w.status


def test_trace_image_has_no_sync_row(sglx: Any) -> None:
    from phygui.viewmodels.trace_image import TraceImageModel

    m = TraceImageModel(sglx, sender=object())
    m.set_viewport(300, 200)
    img = m.compute().raster.image
    assert m.n_channels == 15 and img.shape[0] == 15 and 15 not in m.depth_order.tolist()
    cols = m.columns(m.n_columns)
    assert cols.shape[1] == 16  # the samples of every model channel; the image leaves 15 out
    m.switch_origin()
    assert m.compute().raster.image.shape[0] == 15 and m.channel_at(0) == int(m.depth_order[-1])
