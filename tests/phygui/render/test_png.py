"""The screenshots' PNG encoder: a reader gets back the same pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phygui.render.png import encode_png, write_png


def test_round_trip(tmp_path: Path) -> None:
    from PIL import Image  # matplotlib's dependency, in the test environment

    rgba = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    path = write_png(tmp_path / "sub" / "x.png", rgba)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(np.asarray(Image.open(path).convert("RGBA")), rgba)


def test_rejects_a_bad_shape() -> None:
    with pytest.raises(ValueError, match="height, width, 4"):
        encode_png(np.zeros((4, 4, 3), np.uint8))
