"""PNG encoding of an RGBA picture (the views' screenshots), with the standard library only.

Written by hand on purpose: Dear PyGui's ``save_image`` writes through stb_image_write,
whose vertical flip ``output_frame_buffer`` switches on globally, so its files came out
upside down depending on what ran before; Pillow would be a new runtime dependency for
what is only zlib plus the PNG chunk framing below.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["encode_png", "write_png"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rgba: npt.ArrayLike) -> bytes:
    """The PNG bytes of an ``(height, width, 4)`` uint8 picture, top row first."""
    img = np.ascontiguousarray(rgba, dtype=np.uint8)
    if img.ndim != 3 or img.shape[2] != 4 or img.shape[0] < 1 or img.shape[1] < 1:
        raise ValueError(f"Expected a non-empty (height, width, 4) picture, got shape {img.shape}.")
    h, w = img.shape[:2]
    rows = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * 4)], axis=1)  # filter 0 per row
    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))


def write_png(path: str | os.PathLike[str], rgba: npt.ArrayLike) -> Path:
    """Write ``rgba`` (see :func:`encode_png`) to ``path`` (parent folders created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(encode_png(rgba))
    return out
