"""Every validated query in knowledge/queries runs as the analyst role and returns a sensible answer.

The query files are parsed with the loader's own parser (`db.knowledge.queries`), so what runs here
is exactly what the agents retrieve.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from db.engines import DatabaseTarget
from db.knowledge.queries import ValidatedQuery, load_validated_queries
from tests.conftest import connect

QUERY_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "queries"

QUERIES = load_validated_queries(QUERY_DIR)
BY_NAME = {q.name: q for q in QUERIES}


def run(target: DatabaseTarget, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connect(target, "analyst") as conn:
        cursor = conn.execute(BY_NAME[name].sql)
        assert cursor.description is not None
        return [c.name for c in cursor.description], cursor.fetchall()


def records(target: DatabaseTarget, name: str) -> list[dict[str, Any]]:
    columns, rows = run(target, name)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def scalar(target: DatabaseTarget, statement: str) -> Any:
    with connect(target, "analyst") as conn:
        return conn.execute(statement).fetchone()[0]  # type: ignore[index]


def test_files_hold_enough_uniquely_named_queries() -> None:
    names = [q.name for q in QUERIES]
    assert len(names) >= 18
    assert len(set(names)) == len(names)
    tags = sum(path.read_text().count("-- <query ") for path in QUERY_DIR.glob("*.sql"))
    assert tags == len(QUERIES), "a tagged query is malformed and was not parsed"


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_query_runs_as_analyst_and_returns_rows(sample_db: DatabaseTarget, query: ValidatedQuery) -> None:
    columns, rows = run(sample_db, query.name)
    assert rows, f"{query.file}: {query.name} returned nothing"
    assert len(set(columns)) == len(columns)
    # A sensible answer has something in it: no all-NULL column in the whole result.
    empty = [c for i, c in enumerate(columns) if all(row[i] is None for row in rows)]
    assert not empty, f"{query.name}: columns always NULL: {empty}"


def test_current_mrr_excludes_trials(sample_db: DatabaseTarget) -> None:
    (current,) = records(sample_db, "current_mrr")
    with_trials = scalar(sample_db, "SELECT sum(mrr) FROM subscriptions WHERE ended_at IS NULL")
    trials = scalar(sample_db, "SELECT sum(mrr) FROM subscriptions WHERE ended_at IS NULL AND is_trial")
    assert current["mrr"] == with_trials - trials
    assert trials > 0 and current["arr"] == 12 * current["mrr"]


def test_mrr_views_agree_with_each_other(sample_db: DatabaseTarget) -> None:
    (current,) = records(sample_db, "current_mrr")
    by_plan = records(sample_db, "mrr_by_plan")
    assert sum(r["mrr"] for r in by_plan) == current["mrr"]
    assert sum(r["pct_of_mrr"] for r in by_plan) == pytest.approx(100, abs=0.5)
    trend = records(sample_db, "monthly_mrr_trend")
    assert len(trend) == 24 and trend[-1]["month_end"] == date(2025, 12, 31)
    assert trend[-1]["mrr"] == current["mrr"] and trend[0]["mrr"] < trend[-1]["mrr"]
    channels = records(sample_db, "mrr_by_acquisition_channel")
    assert sum(r["mrr"] for r in channels) == current["mrr"]
    overall = records(sample_db, "arpa")[0]
    assert overall["plan"] == "all plans"
    assert overall["arpa"] == round(current["mrr"] / current["paying_customers"], 2)


def test_annual_invoices_are_mrr_times_twelve_at_ninety_percent(sample_db: DatabaseTarget) -> None:
    cycles = {r["billing_cycle"]: r for r in records(sample_db, "annual_vs_monthly_revenue")}
    assert set(cycles) == {"annual", "monthly"}
    assert cycles["annual"]["arr"] == 12 * cycles["annual"]["mrr"]
    assert cycles["annual"]["invoices_2025"] < cycles["monthly"]["invoices_2025"]
    renewals = records(sample_db, "annual_renewals_due")
    assert all(r["renewal_invoice_amount"] == round(r["mrr"] * 12 * Decimal("0.9"), 2) for r in renewals)
    assert all(date(2026, 1, 1) <= r["renewal_date"] <= date(2026, 3, 31) for r in renewals)


def test_churn_queries_show_the_january_spike_and_usage_link(sample_db: DatabaseTarget) -> None:
    months = {r["month"]: r for r in records(sample_db, "monthly_churn_rate")}
    january = months[date(2025, 1, 1)]["logo_churn_pct"]
    others = sorted(r["logo_churn_pct"] for m, r in months.items() if m.year == 2025 and m.month > 1)
    assert january > 2 * others[len(others) // 2]
    quartiles = records(sample_db, "churn_by_usage_level")
    assert quartiles[0]["churned_pct"] > quartiles[-1]["churned_pct"]
    reasons = records(sample_db, "cancellation_reasons")
    assert sum(r["cancellations"] for r in reasons) == scalar(
        sample_db, "SELECT count(*) FROM subscriptions WHERE end_reason = 'cancelled'"
    )


def test_retention_figures_are_percentages(sample_db: DatabaseTarget) -> None:
    (nrr,) = records(sample_db, "net_revenue_retention")
    assert 50 < nrr["nrr_pct"] < 150 and 0 < nrr["logo_retention_pct"] <= 100
    cohorts = records(sample_db, "cohort_retention")
    assert cohorts[0]["cohort"] == date(2024, 1, 1) or cohorts[0]["cohort"] == date(2024, 2, 1)
    values = [r[k] for r in cohorts for k in ("retained_3m_pct", "retained_12m_pct") if r[k] is not None]
    assert values and all(0 <= v <= 100 for v in values)
    assert cohorts[-1]["retained_12m_pct"] is None  # a year later is after the data ends


def test_support_quality_ignores_missing_scores_and_open_tickets(sample_db: DatabaseTarget) -> None:
    months = records(sample_db, "csat_by_month")
    assert all(1 <= r["avg_csat"] <= 5 and r["response_rate_pct"] < 100 for r in months)
    priorities = {r["priority"]: r for r in records(sample_db, "resolution_time_by_priority")}
    assert priorities["urgent"]["median_hours"] < priorities["low"]["median_hours"]
    backlog = records(sample_db, "open_ticket_backlog")
    assert sum(r["unresolved_tickets"] for r in backlog) == scalar(
        sample_db, "SELECT count(*) FROM support_tickets WHERE resolved_at IS NULL"
    )


def test_customer_health_queries(sample_db: DatabaseTarget) -> None:
    health = records(sample_db, "usage_health_by_plan")
    assert all(0 < r["avg_seat_utilisation"] <= 1 for r in health)
    at_risk = records(sample_db, "at_risk_customers")
    assert 0 < len(at_risk) <= 50
    statuses = {r["status"]: r["customers"] for r in records(sample_db, "customer_status_summary")}
    assert set(statuses) == {"paying", "in trial", "churned", "trial expired"}
    assert sum(statuses.values()) == scalar(sample_db, "SELECT count(*) FROM customers")
    (current,) = records(sample_db, "current_mrr")
    assert statuses["paying"] == current["paying_customers"]
