"""One synthetic folder loaded by phycore and by phylib (the oracle), from two copies:
phylib writes into the folder it loads."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from phycore.model.synthetic import make_dataset


def phylib_pair(root: Path, open_ours: Callable[[Path], Any], **dataset: Any) -> Iterator[tuple[Any, Any]]:
    """Yield ``(open_ours(params.py of our copy), phylib's model of the other copy)``; both
    closed afterwards. ``dataset`` goes to :func:`make_dataset`."""
    phylib_model = pytest.importorskip("phylib.io.model")
    params = make_dataset(root / "ours", **dataset)
    shutil.copytree(root / "ours", root / "phylib")
    ours = open_ours(Path(params))
    ref = phylib_model.load_model(root / "phylib" / "params.py")
    try:
        yield ours, ref
    finally:
        ours.close()
        ref.close()
