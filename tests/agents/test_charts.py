"""The chart chooser: a table of result shapes (tests/fixtures/charts/cases.json) → chart kinds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents.charts import OTHER, choose_chart

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "charts" / "cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_a_result_shape_gets_its_chart_kind(case: dict[str, Any]) -> None:
    choice = choose_chart(case["columns"], case["rows"], case.get("requested", "auto"))
    assert choice.kind == case["kind"]
    if case["kind"] == "none":
        assert choice.spec is None
        return
    assert choice.spec is not None
    encoding = choice.spec["encoding"]
    assert encoding["x"]["field"] == case.get("x", encoding["x"]["field"])
    assert encoding["y"]["field"] == case.get("y", encoding["y"]["field"])
    assert encoding.get("color", {}).get("field") == case.get("color")
    assert case.get("reason", "") in choice.reason
    assert len(choice.spec["data"]["values"]) <= len(case["rows"])


def test_too_many_categories_become_the_top_ones_and_other() -> None:
    rows = [[f"c{i:02d}", i] for i in range(30)]
    spec = choose_chart(["customer", "revenue"], rows, top_n=5).spec
    assert spec is not None
    values = spec["data"]["values"]
    assert [v["customer"] for v in values] == ["c29", "c28", "c27", "c26", OTHER]
    assert values[-1]["revenue"] == sum(range(26))
    assert sum(v["revenue"] for v in values) == sum(range(30))  # nothing lost, nothing added


def test_a_chart_holds_only_the_columns_it_draws() -> None:
    rows = [["north", 10, "ann@example.com"], ["south", 12, "bob@example.com"]]
    spec = choose_chart(["region", "customers", "owner_email"], rows).spec
    assert spec is not None
    assert spec["data"]["values"] == [
        {"region": "north", "customers": 10},
        {"region": "south", "customers": 12},
    ]


def test_a_chart_never_holds_more_data_than_the_rows() -> None:
    for n in (2, 5, 13, 100):
        rows = [[f"c{i}", i] for i in range(n)]
        spec = choose_chart(["c", "v"], rows).spec
        assert spec is not None and len(spec["data"]["values"]) <= n


@pytest.mark.parametrize(
    ("days", "time_unit"),
    [
        (["2025-01-01", "2025-02-01"], "yearmonth"),
        (["2025-01", "2025-02"], "yearmonth"),
        (["2025-01-01", "2025-01-02"], None),
    ],
    ids=["first-of-month", "year-month", "daily"],
)
def test_monthly_points_get_month_ticks_and_daily_points_do_not(
    days: list[str], time_unit: str | None
) -> None:
    spec = choose_chart(["day", "n"], [[d, i] for i, d in enumerate(days)]).spec
    assert spec is not None and spec["encoding"]["x"].get("timeUnit") == time_unit
