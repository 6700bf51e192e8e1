"""Skip, or fail under ``make test-realdata``, when what a ``realdata`` test reads is missing.

A plain ``pytest -m realdata`` without the folders ``make test-realdata`` makes skips
(saying how to make them); ``make test-realdata`` sets ``PHYCORE_REALDATA_REQUIRED=1``
right after making them, so that a folder missing there is an error, not a quiet skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

#: Set to 1 by ``make test-realdata``.
REQUIRED_ENV = "PHYCORE_REALDATA_REQUIRED"


def required() -> bool:
    """Whether missing real data fails the tests (``PHYCORE_REALDATA_REQUIRED=1``)."""
    return os.environ.get(REQUIRED_ENV, "") not in ("", "0")


def missing(reason: str) -> NoReturn:
    """Skip with ``reason`` plus how to make the data, or fail under ``make test-realdata``."""
    if required():
        pytest.fail(f"{reason} ({REQUIRED_ENV} is set: `make test-realdata` should have made it)",
                    pytrace=False)
    pytest.skip(f"{reason}; run `make test-realdata`, which makes what the realdata tests read")
