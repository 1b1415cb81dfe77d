"""Data coverage is measured from the tables: counts and date ranges of whatever the catalog holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from db.engines import DatabaseTarget, Engines
from db.knowledge.coverage import (
    SMALL,
    Coverage,
    DateRange,
    TableCoverage,
    read_coverage,
    refresh_coverage,
    refresh_if_stale,
)
from db.knowledge.coverage_render import coverage_lines
from tests.conftest import connect

SHOP = """
CREATE TABLE "Orders" (id int PRIMARY KEY, "Ordered On" date NOT NULL, shipped_at timestamptz, note text);
INSERT INTO "Orders" VALUES (1, '2022-03-04', '2022-03-05 10:00+00', 'a'), (2, '2023-09-28', NULL, 'b'),
  (3, '2023-01-15', '2023-01-20 08:00+00', 'c');
CREATE VIEW order_days AS SELECT "Ordered On" AS day, count(*) AS orders FROM "Orders" GROUP BY 1;
CREATE TABLE readings (taken_on date NOT NULL, value numeric) PARTITION BY RANGE (taken_on);
CREATE TABLE readings_2022 PARTITION OF readings FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE TABLE readings_2023 PARTITION OF readings FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
INSERT INTO readings VALUES ('2022-06-01', 1), ('2023-02-01', 2);
CREATE TABLE returns (id int, returned_on date);
CREATE VIEW broken AS SELECT id FROM "Orders" WHERE 1 / (id - id) = 0;
"""
BIG = f"""
CREATE TABLE events (id bigint, created_at timestamp NOT NULL, happened_on date);
INSERT INTO events SELECT i, timestamp '2020-01-01' + i * interval '1 minute', date '2021-01-01' + (i % 500)
  FROM generate_series(1, {SMALL + 50_000}) AS i;
CREATE INDEX ON events (created_at);
ANALYZE events;
"""


@pytest.fixture
def engines(kb_target: DatabaseTarget) -> Iterator[Engines]:
    with connect(kb_target, "admin", autocommit=True) as conn:
        conn.execute(SHOP)  # type: ignore[arg-type]
    with connect(kb_target, "engineer", autocommit=True) as conn:
        conn.execute(
            'CREATE VIEW dash.shipped AS SELECT id, shipped_at FROM public."Orders" WHERE shipped_at IS NOT NULL'
        )
    made = Engines(kb_target, pool_size=2)
    yield made
    made.dispose()


def by_name(engines: Engines) -> dict[str, TableCoverage]:
    return {t.qualified: t for t in read_coverage(engines.service).tables}


def test_counts_and_date_ranges_of_tables_views_partitions_and_quoted_names(engines: Engines) -> None:
    report = refresh_coverage(engines)
    found = by_name(engines)
    assert set(found) == {
        "public.Orders",
        "public.order_days",
        "public.readings",
        "public.returns",
        "public.broken",
        "dash.shipped",
    }, "partitions count with their parent"
    orders = found["public.Orders"]
    assert (orders.row_count, orders.rows_estimated) == (3, False)
    assert [(d.column, d.min, d.max) for d in orders.dates] == [
        ("Ordered On", "2022-03-04", "2023-09-28"),
        ("shipped_at", "2022-03-05 10:00:00+00", "2023-01-20 08:00:00+00"),
    ]
    assert found["public.order_days"].kind == "view" and found["public.order_days"].row_count == 3
    assert found["public.readings"].row_count == 2
    assert found["public.readings"].dates[0].max == "2023-02-01"
    assert found["public.returns"].row_count == 0 and found["public.returns"].dates[0].min is None
    assert found["dash.shipped"].row_count == 2
    assert found["public.broken"].error is not None and "division by zero" in found["public.broken"].error
    assert (report.tables, report.failed) == (6, 1)


def test_a_big_table_gives_the_planner_estimate_exact_indexed_ends_and_sampled_others(
    engines: Engines, kb_target: DatabaseTarget
) -> None:
    with connect(kb_target, "admin", autocommit=True) as conn:
        conn.execute(BIG)  # type: ignore[arg-type]
    refresh_coverage(engines)
    events = by_name(engines)["public.events"]
    assert events.rows_estimated and abs((events.row_count or 0) - (SMALL + 50_000)) < 0.1 * SMALL
    created, happened = events.dates
    assert (created.min, created.approximate) == ("2020-01-01 00:01:00", False), "read from the index"
    assert happened.approximate and happened.min is not None and happened.min >= "2021-01-01"
    line = coverage_lines(read_coverage(engines.service), "", 10)
    assert any(x.startswith("- public.events: about ") and "happened_on about 2021-" in x for x in line)


def test_start_up_refreshes_only_when_missing_stale_or_the_tables_changed(
    engines: Engines, kb_target: DatabaseTarget
) -> None:
    assert refresh_if_stale(engines) is not None, "nothing stored yet"
    assert refresh_if_stale(engines) is None, "fresh and the same tables"
    with connect(kb_target, "admin", autocommit=True) as conn:
        conn.execute("CREATE TABLE refunds (id int, refunded_on date)")
    assert refresh_if_stale(engines) is not None
    assert "public.refunds" in by_name(engines)
    with engines.service.begin() as conn:
        conn.exec_driver_sql("UPDATE ai.data_coverage SET measured_at = now() - interval '2 days'")
    assert refresh_if_stale(engines) is not None, "a day old"


def table(name: str, rows: int, *dates: tuple[str, str, str]) -> TableCoverage:
    ranges = tuple(DateRange(c, "date", lo, hi) for c, lo, hi in dates)
    return TableCoverage("public", name, "table", rows, dates=ranges)


def test_lines_put_the_tables_the_question_names_first_then_the_largest_and_are_capped() -> None:
    tables = tuple(table(f"t{i:03}", i) for i in range(100))
    tables += (table("salaries", 5, ("paid_on", "2022-03-01", "2023-09-30")), table("salary_bands", 9))
    coverage = Coverage(tables, datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    lines = coverage_lines(coverage, "What did we pay in salary last week?", 5)
    assert lines[0].startswith("Measured from the data at 2026-01-02 03:04 UTC")
    assert lines[1] == "- public.salaries: 5 rows; paid_on 2022-03-01 .. 2023-09-30"
    assert lines[2] == "- public.salary_bands: 9 rows", "half its name is in the question"
    assert lines[3].startswith("- public.t099: 99 rows")
    assert lines[-1] == "- ... and 97 more tables and views (list_tables shows them all)"
    assert len(lines) == 7


def test_with_nothing_measured_the_lines_say_so() -> None:
    assert "No table or view has been measured yet" in coverage_lines(Coverage(), "q", 5)[0]
