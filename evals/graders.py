"""Graders: does the agent's result set match the golden one, and are the key numbers in the answer?

`compare_results` ignores column names and, unless asked, row order; it treats Decimal, int and
float alike within a tolerance, dates and their ISO strings alike, and NULL only as NULL. Duplicate
rows count: a multiset comparison, not a set one. Every grader returns a `Verdict` with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Row = Sequence[Any]
REL_TOL = 1e-4
ABS_TOL = 0.01
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


PASS = Verdict(True)


def compare_results(expected: Sequence[Row], actual: Sequence[Row], *, ordered: bool = False) -> Verdict:
    """Equal result sets: same shape, and each row's values equal (numbers within tolerance)."""
    if len(expected) != len(actual):
        return Verdict(False, f"expected {len(expected)} rows, got {len(actual)}")
    if expected and len(expected[0]) != len(actual[0]):
        return Verdict(False, f"expected {len(expected[0])} columns, got {len(actual[0])}")
    want, got = [_normal_row(r) for r in expected], [_normal_row(r) for r in actual]
    if not ordered:
        want, got = sorted(want, key=_sort_key), sorted(got, key=_sort_key)
    for index, (w, g) in enumerate(zip(want, got, strict=True)):
        if not all(_same(a, b) for a, b in zip(w, g, strict=True)):
            return Verdict(False, f"row {index + 1} differs: expected {list(w)}, got {list(g)}")
    return PASS


def numbers_in(text: str) -> list[float]:
    """Every number written in `text` ("1,234.5" → 1234.5)."""
    return [float(m.replace(",", "")) for m in _NUMBER.findall(text)]


def missing_numbers(answer: str, key_numbers: Iterable[float]) -> list[float]:
    """The key numbers that do not appear in the answer (a rounded mention counts)."""
    found = numbers_in(answer)
    return [n for n in key_numbers if not any(_mentions(n, f) for f in found)]


def _mentions(key: float, written: float) -> bool:
    if math.isclose(key, written, rel_tol=REL_TOL, abs_tol=ABS_TOL):
        return True
    # "$1.2M", "34%" and rounded figures: equal once the written number's precision is applied.
    return abs(key) >= 1 and round(key) == round(written) or _scaled(key, written)


def _scaled(key: float, written: float) -> bool:
    return any(math.isclose(key, written * s, rel_tol=5e-3) for s in (1e3, 1e6, 1e9, 0.01, 100))


def _normal_row(row: Row) -> tuple[Any, ...]:
    return tuple(_normal(v) for v in row)


def _normal(value: Any) -> Any:
    """One comparable form per value: numbers as float, dates as ISO text, the rest as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()  # date_trunc gives midnight timestamps where a date is meant
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return _numeric_text(value)
    return str(value)


def _numeric_text(value: str) -> Any:
    try:
        return float(value) if _NUMBER.fullmatch(value.strip()) and "," not in value else value
    except ValueError:
        return value


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # Numbers before text before NULL; numbers rounded so near-equal floats sort together.
    return tuple((2, "") if v is None else (0, round(v, 2)) if isinstance(v, float) else (1, v) for v in row)


def _same(want: Any, got: Any) -> bool:
    if want is None or got is None:
        return want is got
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(want, got, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return bool(want == got)
