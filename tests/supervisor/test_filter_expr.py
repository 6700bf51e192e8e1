from __future__ import annotations

import pytest

from phycore.errors import FilterExpressionError
from phycore.supervisor import parse_filter

COLUMNS = ["id", "n_spikes", "fr", "depth", "group", "KSLabel"]


@pytest.mark.parametrize(
    "text, row, expected",
    [
        ("fr > 5 and group != 'noise'", {"fr": 6.0, "group": "good"}, True),
        ("fr > 5 and group != 'noise'", {"fr": 6.0, "group": "noise"}, False),
        ("fr > 5 && group != 'noise'", {"fr": 4.0, "group": "good"}, False),
        ("n_spikes > 1000 and depth < 2000", {"n_spikes": 5000, "depth": 100.0}, True),
        ("n_spikes > 1000 || depth < 2000", {"n_spikes": 5, "depth": 100.0}, True),
        ("!(fr > 5)", {"fr": 1.0}, True),
        ("group == null", {"group": None}, True),
        ("group = 'good'", {"group": "good"}, True),
        ("KSLabel in ('good', 'mua')", {"KSLabel": "mua"}, True),
        ("1 < fr <= 3", {"fr": 3}, True),
        ("fr * 2 > 5", {"fr": 3}, True),
        ("fr > 5", {"fr": None}, False),
        ("group != 'noise' and fr > 5", {"group": "good", "fr": "n/a"}, False),
    ],
)
def test_filter_evaluates(text: str, row: dict, expected: bool) -> None:
    assert parse_filter(text, COLUMNS)(row) is expected


def test_js_operators_are_not_translated_inside_strings() -> None:
    f = parse_filter("KSLabel == 'a&&b'", COLUMNS)
    assert f({"KSLabel": "a&&b"})
    assert not f({"KSLabel": "a and b"})


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('echo hi')", "Unsupported"),
        ("fr.__class__", "Unsupported"),
        ("[x for x in range(3)]", "Unsupported"),
        ("lambda: 1", "Unsupported"),
        ("fr > ", "Cannot parse"),
        ("speed > 3", "Unknown column 'speed'"),
        ("", "empty"),
    ],
)
def test_bad_filters_are_rejected_with_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(FilterExpressionError) as e:
        parse_filter(text, COLUMNS)
    assert fragment in str(e.value)
    assert e.value.argument == "filter"
    assert isinstance(e.value, ValueError)
