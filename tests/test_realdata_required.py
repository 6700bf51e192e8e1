"""The ``realdata`` tests skip, saying how to make their data, when it is missing; under
``make test-realdata`` (``PHYCORE_REALDATA_REQUIRED=1``) they fail instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realdata import _required


def test_missing_data_skips_with_how_to_make_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_required.REQUIRED_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="make test-realdata"):
        _required.missing("no Kilosort 4 output")


def test_missing_data_fails_under_make_test_realdata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_required.REQUIRED_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="no Kilosort 4 output"):
        _required.missing("no Kilosort 4 output")


def test_make_test_realdata_sets_it() -> None:
    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    target = makefile[makefile.index("\ntest-realdata:"):].split("\n\n")[0]
    assert f"{_required.REQUIRED_ENV}=1 " in target and "-m realdata" in target
