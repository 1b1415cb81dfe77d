"""Choose a chart for a SQL result: a pure function of its columns and value types.

    choose_chart(("month", "revenue"), rows)  # -> ChartChoice(kind="line", spec={...Vega-Lite...})

Rules, in order: fewer than two rows → no chart; a time column and a measure → line; a category
and a measure → bar (more than `top_n` categories → the top ones plus one "Other" bar); two
measures → scatter; anything else → no chart. A requested kind is honoured when the result has
the shape it needs, otherwise the automatic choice stands and `reason` says why. The spec's data
never holds more rows than the result had, and only the columns the chart draws.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

ChartKind = Literal["auto", "line", "bar", "scatter", "none"]
KINDS: tuple[str, ...] = ("auto", "line", "bar", "scatter", "none")
TOP_N = 12
OTHER = "Other"
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# ISO dates and timestamps as db.sql_values writes them; "2025-03" (a month) counts too.
_ISO_TIME = re.compile(r"^\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?)?$")

_MONTH_START = re.compile(r"^\d{4}-\d{2}(-01([T ]00:00(:00)?([+-]\d{2}:?\d{2}|Z)?)?)?$")

Row = Sequence[Any]


@dataclass(frozen=True)
class Column:
    name: str
    type: Literal["temporal", "quantitative", "nominal"]


@dataclass(frozen=True)
class ChartChoice:
    """The decision: `spec` is a Vega-Lite spec, or None when the result is not chartable."""

    kind: str
    spec: dict[str, Any] | None
    reason: str = ""


def choose_chart(
    columns: Sequence[str], rows: Sequence[Row], requested: str = "auto", top_n: int = TOP_N
) -> ChartChoice:
    """The chart for this result (see the module docstring for the rules)."""
    if requested == "none":
        return ChartChoice("none", None, "no chart was asked for")
    if len(rows) < 2 or not columns:
        return ChartChoice("none", None, "fewer than two rows")
    typed = column_types(columns, rows)
    auto = _automatic(typed)
    kind = requested if requested in _SHAPES and _SHAPES[requested](typed) else auto
    reason = "" if requested in ("auto", kind) else f"a {requested} chart needs another shape; {kind} instead"
    if kind == "none":
        return ChartChoice("none", None, reason or "no time, category and measure columns to draw")
    return ChartChoice(kind, _BUILDERS[kind](typed, columns, rows, top_n), reason)


def column_types(columns: Sequence[str], rows: Sequence[Row]) -> tuple[Column, ...]:
    """Each column's type from its non-null values: all numbers, all ISO times, or else nominal."""
    return tuple(
        Column(name, _value_type([r[i] for r in rows if r[i] is not None])) for i, name in enumerate(columns)
    )


def _value_type(values: list[Any]) -> Literal["temporal", "quantitative", "nominal"]:
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "quantitative"
    if values and all(isinstance(v, str) and _ISO_TIME.match(v) for v in values):
        return "temporal"
    return "nominal"


def _of(typed: Sequence[Column], kind: str) -> list[Column]:
    return [c for c in typed if c.type == kind]


def _automatic(typed: Sequence[Column]) -> str:
    for kind in ("line", "bar", "scatter"):
        if _SHAPES[kind](typed):
            return kind
    return "none"


_SHAPES = {
    "line": lambda t: bool(_of(t, "temporal")) and bool(_of(t, "quantitative")),
    "bar": lambda t: bool(_of(t, "nominal") or _of(t, "temporal")) and bool(_of(t, "quantitative")),
    "scatter": lambda t: len(_of(t, "quantitative")) >= 2,
}


def _values(columns: Sequence[str], rows: Sequence[Row], used: list[Column]) -> list[dict]:
    """Only the drawn columns of every row: a chart carries no data it does not show."""
    index = {name: i for i, name in enumerate(columns)}
    return [{c.name: row[index[c.name]] for c in used} for row in rows]


def _base(mark: dict[str, Any], values: list[dict], encoding: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "width": 560,
        "height": 280,
        "data": {"values": values},
        "mark": mark,
        "encoding": encoding,
    }


def _line(typed: Sequence[Column], columns: Sequence[str], rows: Sequence[Row], top_n: int) -> dict[str, Any]:
    x, y = _of(typed, "temporal")[0], _of(typed, "quantitative")[0]
    series = _of(typed, "nominal")[:1]
    index = list(columns).index(x.name)
    monthly = all(_MONTH_START.match(str(r[index])) for r in rows if r[index] is not None)
    encoding: dict[str, Any] = {
        # Monthly data gets month ticks, not weekly ones between the points.
        "x": {
            "field": x.name,
            "type": "temporal",
            "title": x.name,
            **({"timeUnit": "yearmonth"} if monthly else {}),
        },
        "y": {"field": y.name, "type": "quantitative", "title": y.name},
        "tooltip": [{"field": c.name, "type": c.type} for c in (x, y, *series)],
    }
    if series:
        encoding["color"] = {"field": series[0].name, "type": "nominal", "title": series[0].name}
    return _base({"type": "line", "point": True}, _values(columns, rows, [x, y, *series]), encoding)


def _bar(typed: Sequence[Column], columns: Sequence[str], rows: Sequence[Row], top_n: int) -> dict[str, Any]:
    x = (_of(typed, "nominal") or _of(typed, "temporal"))[0]
    y = _of(typed, "quantitative")[0]
    values = top_with_other(_values(columns, rows, [x, y]), x.name, y.name, top_n)
    encoding = {
        "x": {"field": x.name, "type": "nominal", "title": x.name, "sort": "-y"},
        "y": {"field": y.name, "type": "quantitative", "title": y.name},
        "tooltip": [{"field": x.name, "type": "nominal"}, {"field": y.name, "type": "quantitative"}],
    }
    return _base({"type": "bar"}, values, encoding)


def _scatter(
    typed: Sequence[Column], columns: Sequence[str], rows: Sequence[Row], top_n: int
) -> dict[str, Any]:
    x, y = _of(typed, "quantitative")[:2]
    label = (_of(typed, "nominal") or _of(typed, "temporal"))[:1]
    encoding = {
        "x": {"field": x.name, "type": "quantitative", "title": x.name},
        "y": {"field": y.name, "type": "quantitative", "title": y.name},
        "tooltip": [{"field": c.name, "type": c.type} for c in (*label, x, y)],
    }
    return _base({"type": "point"}, _values(columns, rows, [*label, x, y]), encoding)


_BUILDERS = {"line": _line, "bar": _bar, "scatter": _scatter}


def top_with_other(values: list[dict], category: str, measure: str, top_n: int) -> list[dict]:
    """Sum the measure per category; past `top_n` categories keep the largest and sum the rest as "Other"."""
    totals: dict[Any, float] = {}
    for v in values:
        totals[v[category]] = totals.get(v[category], 0) + (v[measure] or 0)
    if len(totals) <= top_n:
        return values
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    kept = [{category: k, measure: total} for k, total in ranked[: top_n - 1]]
    return [*kept, {category: OTHER, measure: sum(total for _, total in ranked[top_n - 1 :])}]
