"""``TemplateController.get_amplitude_functions``: phy's amplitude types whose data the folder has."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset


@pytest.mark.parametrize(("flavor", "remove", "expected"), [
    ("phy", (), {"feature": "get_spike_feature_amplitudes", "template": "get_spike_template_amplitudes",
                 "template_feature": "get_spike_template_features"}),
    ("ks3", (), {"template": "get_spike_template_amplitudes", "template_feature": "get_spike_template_features"}),
    # raw only when nothing else exists (phy drops it otherwise), and only with raw data
    ("spikeinterface", ("pc_feature*.npy", "amplitudes.npy"), {"raw": "get_spike_raw_amplitudes"}),
    ("spikeinterface", ("pc_feature*.npy", "amplitudes.npy", "*.dat"), {}),
])
def test_types_names_order_and_functions(tmp_path: Path, flavor: str, remove: tuple[str, ...],
                                         expected: dict[str, str]) -> None:
    params = make_dataset(tmp_path, n_spikes=500, n_channels=8, n_templates=4, duration=1.5, flavor=flavor,
                          n_channels_loc=4, seed=2)
    for pattern in remove:
        for p in tmp_path.glob(pattern):
            p.unlink()
    c = TemplateController(params, metrics=False)
    try:
        functions = c.get_amplitude_functions()
        assert list(functions) == list(expected)  # phy's order: sorted names
        for name, method in expected.items():
            assert functions[name] == getattr(c, method)
        cid = int(c.supervisor.clustering.cluster_ids[0])
        ids = c.get_spike_ids(cid, 20)
        chs = c.get_best_channels(cid)
        for f in functions.values():  # phy's _amplitude_getter arguments
            out = f(ids, channel_ids=chs, channel_id=int(chs[0]), pc=0, first_cluster=cid)
            assert np.asarray(out).shape == ids.shape
    finally:
        c.close()
