"""The comparator's rules on tricky pairs, and finding key numbers in prose."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from evals.graders import compare_results, missing_numbers

D = Decimal
SAME: list[tuple[str, list[Any], list[Any], bool]] = [
    ("order ignored", [(1, "a"), (2, "b")], [(2, "b"), (1, "a")], False),
    ("decimal vs float", [(D("1234.50"),)], [(1234.5000001,)], False),
    ("int vs decimal", [(3,)], [(D("3.00"),)], False),
    ("float rounding noise", [(0.1 + 0.2,)], [(0.3,)], False),
    ("renamed columns do not matter", [("x", 1)], [("x", 1)], False),
    ("nulls match nulls", [(None, 1), ("a", None)], [("a", None), (None, 1)], False),
    ("duplicates counted", [(1,), (1,), (2,)], [(2,), (1,), (1,)], False),
    ("date vs midnight timestamp", [(dt.date(2025, 1, 1),)], [(dt.datetime(2025, 1, 1),)], False),
    ("numeric text", [(D("12.5"),)], [("12.5",)], False),
    ("ordered and same order", [(1,), (2,)], [(1,), (2,)], True),
    ("empty", [], [], False),
]
DIFFERENT: list[tuple[str, list[Any], list[Any], bool, str]] = [
    ("ordered, wrong order", [(1,), (2,)], [(2,), (1,)], True, "row 1 differs"),
    ("missing duplicate", [(1,), (1,)], [(1,), (2,)], False, "row 2 differs"),
    ("extra row", [(1,)], [(1,), (2,)], False, "expected 1 rows, got 2"),
    ("extra column", [(1,)], [(1, 2)], False, "expected 1 columns, got 2"),
    ("null is not zero", [(None,)], [(0,)], False, "row 1 differs"),
    ("wrong number", [(D("100.00"),)], [(D("101.00"),)], False, "row 1 differs"),
    ("different day", [(dt.date(2025, 1, 1),)], [(dt.date(2025, 1, 2),)], False, "row 1 differs"),
    ("text case matters", [("Growth",)], [("growth",)], False, "row 1 differs"),
]


@pytest.mark.parametrize(("name", "want", "got", "ordered"), SAME, ids=[c[0] for c in SAME])
def test_equal_result_sets_match(name: str, want: list[Any], got: list[Any], ordered: bool) -> None:
    assert compare_results(want, got, ordered=ordered).ok


@pytest.mark.parametrize(
    ("name", "want", "got", "ordered", "reason"), DIFFERENT, ids=[c[0] for c in DIFFERENT]
)
def test_different_result_sets_fail_with_the_reason(
    name: str, want: list[Any], got: list[Any], ordered: bool, reason: str
) -> None:
    verdict = compare_results(want, got, ordered=ordered)
    assert not verdict.ok and reason in verdict.reason


@pytest.mark.parametrize(
    ("answer", "keys", "missing"),
    [
        ("MRR is $1,234,567.89 today.", [1234567.89], []),
        ("We have 2,000 customers.", [2000], []),
        ("About $1.23M of MRR.", [1234567.89], []),
        ("Average score 4.27 out of 5.", [4.27], []),
        ("We have 1,999 customers.", [2000], [2000.0]),
        ("No numbers here.", [42], [42.0]),
    ],
)
def test_key_numbers_are_found_in_prose(answer: str, keys: list[float], missing: list[float]) -> None:
    assert missing_numbers(answer, keys) == missing
