"""Fixtures of the ``realdata`` tests: real sorter outputs made by ``make test-realdata``.

The folders are made once by the generator scripts of this package (in their own virtual
environment: Kilosort 4 needs torch) and cached in ``.realdata/``; without them the tests
skip, saying how to make them, except under ``make test-realdata``
(``PHYCORE_REALDATA_REQUIRED=1``), where they fail (``tests/realdata/_required.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realdata._required import missing
from tests.realdata.make_ks4 import CACHE, RECIPE


@pytest.fixture(scope="session")
def ks4_recipe() -> Path:
    """The cached Kilosort 4 recipe folder (``kilosort4/`` = Kilosort's results)."""
    folder = CACHE / "ks4" / RECIPE
    if not (folder / ".complete").exists():
        missing(f"no Kilosort 4 output in {folder} (tests/realdata/make_ks4.py makes it)")
    return folder


@pytest.fixture(scope="session")
def ks4_results(ks4_recipe: Path) -> Path:
    """What Kilosort 4 wrote (never modified: tests copy it)."""
    return ks4_recipe / "kilosort4"
