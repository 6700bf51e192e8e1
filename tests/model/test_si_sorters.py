"""Folders made by real sorters through SpikeInterface (``export_to_phy``) load as phylib
loads them, value by value, open in a headless controller, and take a curation back to the
sorter's own sorting.

The sorters here run in a few seconds on a small recording (``tests/_si_sorters.py``);
slower ones are ``realdata`` tests (``tests/realdata/test_si_sorters_slow.py``).
"""

from __future__ import annotations

from tests._si_sorters import FAST, sorter_tests

# made (one folder per sorter), pair, phylib's checks and the sorter checks (tests/_si_sorters.py).
globals().update(sorter_tests(FAST))
