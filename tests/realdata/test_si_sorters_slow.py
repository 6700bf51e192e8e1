"""The checks of ``tests/model/test_si_sorters.py`` on sorters that take too long for
``make test`` (spykingcircus2: about 30 s on the small recording here, plus the export).
The folders are made on first use and cached in ``.test-data/`` (``tests/_si_sorters.py``)."""

from __future__ import annotations

import pytest

from tests._si_sorters import SLOW, sorter_tests
from tests.realdata._required import missing

pytestmark = pytest.mark.realdata

# made (one folder per sorter), pair, phylib's checks and the sorter checks (tests/_si_sorters.py);
# under `make test-realdata` a sorter that cannot run fails instead of skipping.
globals().update(sorter_tests(SLOW, missing=missing))
