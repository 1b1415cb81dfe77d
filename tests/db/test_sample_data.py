"""The sample dataset plants every trap DESIGN.md section 5 lists, and none of the defects.

Read-only checks run against the session's template (`sample_db`, seed 42) as the analyst role,
which also proves the agents can read every table. Tests that regenerate use their own `db` copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from db.engines import DatabaseTarget, libpq_url
from db.sample.schema import COLUMNS, TABLES
from db.sample_data import SampleDataExists, generate
from tests.conftest import SEED, connect

REPO = Path(__file__).resolve().parents[2]
PAYING_MONTHS = """
    WITH months AS (
        SELECT generate_series(date '2024-02-01', date '2025-12-01', interval '1 month')::date AS m
    ), paying AS (
        SELECT m, count(DISTINCT customer_id) AS n FROM months
        JOIN subscriptions s ON NOT s.is_trial AND s.started_at < m AND coalesce(s.ended_at, m) >= m
        GROUP BY m
    ), churned AS (
        SELECT date_trunc('month', ended_at)::date AS m, count(*) AS c
        FROM subscriptions WHERE end_reason = 'cancelled' GROUP BY 1
    )
    SELECT m, coalesce(c, 0)::numeric / n FROM paying LEFT JOIN churned USING (m) ORDER BY m
"""


def query(target: DatabaseTarget, statement: str) -> list[tuple[Any, ...]]:
    with connect(target, "analyst") as conn:
        return conn.execute(statement).fetchall()


def scalar(target: DatabaseTarget, statement: str) -> Any:
    return query(target, statement)[0][0]


def checksums(target: DatabaseTarget) -> dict[str, str]:
    return {
        table: str(scalar(target, f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"))
        for table in TABLES
    }


# ---- shape -----------------------------------------------------------------------------------


def test_six_tables_with_about_900_customers_over_two_years(sample_db: DatabaseTarget) -> None:
    counts = {t: scalar(sample_db, f"SELECT count(*) FROM {t}") for t in TABLES}
    assert all(counts.values()), counts
    assert 800 <= counts["customers"] <= 1000
    first, last = query(sample_db, "SELECT min(signup_date), max(signup_date) FROM customers")[0]
    assert (first.year, first.month, last.year, last.month) == (2024, 1, 2025, 12)


def test_money_is_numeric_and_day_or_instant_types_are_deliberate(sample_db: DatabaseTarget) -> None:
    types = dict(
        ((table, column), kind)
        for table, column, kind in query(
            sample_db,
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public'",
        )
    )
    for money in [("subscriptions", "mrr"), ("invoices", "amount"), ("plan_changes", "mrr_after")]:
        assert types[money] == "numeric"
    for day in [
        ("subscriptions", "started_at"),
        ("invoices", "invoice_date"),
        ("usage_metrics", "metric_date"),
    ]:
        assert types[day] == "date"
    for instant in [
        ("invoices", "paid_at"),
        ("support_tickets", "created_at"),
        ("support_tickets", "resolved_at"),
    ]:
        assert types[instant] == "timestamp with time zone"


def test_keys_indexes_and_comments_exist(sample_db: DatabaseTarget) -> None:
    constraints = query(
        sample_db,
        "SELECT conrelid::regclass::text, contype FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'f')",
    )
    assert {t for t, kind in constraints if kind == "p"} == set(TABLES)
    assert {t for t, kind in constraints if kind == "f"} == set(TABLES) - {"customers"}
    indexes = scalar(sample_db, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
    assert indexes >= len(TABLES) + 8
    for table in TABLES:
        assert scalar(sample_db, f"SELECT obj_description('public.{table}'::regclass)")
        for position, column in enumerate(COLUMNS[table], start=1):
            comment = scalar(sample_db, f"SELECT col_description('public.{table}'::regclass, {position})")
            assert comment, f"{table}.{column} has no comment"


# ---- traps -----------------------------------------------------------------------------------


def test_customers_have_several_subscription_rows_but_at_most_one_active(sample_db: DatabaseTarget) -> None:
    most_rows = scalar(
        sample_db, "SELECT max(n) FROM (SELECT count(*) n FROM subscriptions GROUP BY customer_id) s"
    )
    assert most_rows >= 3
    most_active = scalar(
        sample_db,
        "SELECT max(n) FROM (SELECT count(*) n FROM subscriptions WHERE ended_at IS NULL GROUP BY customer_id) s",
    )
    assert most_active == 1


def test_plan_changes_close_the_old_row_and_open_a_new_one(sample_db: DatabaseTarget) -> None:
    kinds = dict(query(sample_db, "SELECT change_type, count(*) FROM plan_changes GROUP BY 1"))
    assert kinds["upgrade"] > 20 and kinds["downgrade"] > 3
    broken = scalar(
        sample_db,
        """SELECT count(*) FROM plan_changes c
           JOIN subscriptions o ON o.subscription_id = c.from_subscription_id
           JOIN subscriptions n ON n.subscription_id = c.to_subscription_id
           WHERE o.ended_at <> c.change_date OR n.started_at <> c.change_date
              OR o.end_reason <> c.change_type OR o.plan <> c.from_plan OR n.plan <> c.to_plan
              OR o.mrr <> c.mrr_before OR n.mrr <> c.mrr_after
              OR o.customer_id <> c.customer_id OR n.customer_id <> c.customer_id""",
    )
    assert broken == 0


def test_subscription_rows_form_a_gap_free_chain(sample_db: DatabaseTarget) -> None:
    gaps = scalar(
        sample_db,
        """SELECT count(*) FROM (
             SELECT started_at, lag(ended_at) OVER w AS prev_end, lag(end_reason) OVER w AS prev_reason
             FROM subscriptions WINDOW w AS (PARTITION BY customer_id ORDER BY started_at)) s
           WHERE prev_reason IS NOT NULL
             AND (prev_end <> started_at OR prev_reason NOT IN ('trial_converted', 'upgrade', 'downgrade'))""",
    )
    assert gaps == 0


def test_active_trials_look_like_revenue_but_are_not_paying(sample_db: DatabaseTarget) -> None:
    trials, trial_mrr = query(
        sample_db, "SELECT count(*), sum(mrr) FROM subscriptions WHERE ended_at IS NULL AND is_trial"
    )[0]
    assert trials >= 20 and trial_mrr > 0
    invoiced_trials = scalar(
        sample_db,
        "SELECT count(*) FROM invoices i JOIN subscriptions s USING (subscription_id) WHERE s.is_trial",
    )
    assert invoiced_trials == 0


def test_annual_plans_are_invoiced_once_a_year_at_a_ten_percent_discount(sample_db: DatabaseTarget) -> None:
    wrong = query(
        sample_db,
        """SELECT s.billing_cycle, count(*) FROM invoices i JOIN subscriptions s USING (subscription_id)
           WHERE i.amount <> CASE s.billing_cycle WHEN 'annual' THEN round(s.mrr * 12 * 0.9, 2) ELSE s.mrr END
              OR i.period_end - i.period_start + 1 NOT BETWEEN
                 CASE s.billing_cycle WHEN 'annual' THEN 365 ELSE 28 END AND
                 CASE s.billing_cycle WHEN 'annual' THEN 366 ELSE 31 END
           GROUP BY 1""",
    )
    assert wrong == []
    annual = scalar(
        sample_db,
        "SELECT count(*) FROM invoices JOIN subscriptions USING (subscription_id) WHERE billing_cycle = 'annual'",
    )
    assert annual > 50


def test_every_billing_period_of_every_paid_subscription_is_invoiced(sample_db: DatabaseTarget) -> None:
    """Including each renewal of every annual subscription that lived past its first year."""
    missing = query(
        sample_db,
        """WITH expected AS (
             SELECT s.subscription_id, s.billing_cycle, (s.started_at + k * step)::date AS due
             FROM subscriptions s,
                  LATERAL (SELECT CASE s.billing_cycle WHEN 'annual' THEN interval '12 months'
                                  ELSE interval '1 month' END AS step) st,
                  generate_series(0, 30) k
             WHERE NOT s.is_trial
               AND s.started_at + k * step <= date '2025-12-31'
               AND (s.ended_at IS NULL OR s.started_at + k * step < s.ended_at))
           SELECT e.* FROM expected e
           LEFT JOIN invoices i ON i.subscription_id = e.subscription_id AND i.invoice_date = e.due
           WHERE i.invoice_id IS NULL""",
    )
    assert missing == []
    renewals = scalar(
        sample_db,
        """SELECT count(*) FROM invoices i JOIN subscriptions s USING (subscription_id)
           WHERE s.billing_cycle = 'annual' AND i.invoice_date >= s.started_at + interval '12 months'""",
    )
    assert renewals > 5


def test_usage_is_sampled_three_to_five_days_per_customer_month(sample_db: DatabaseTarget) -> None:
    low, high, months = query(
        sample_db,
        """SELECT min(n), max(n), count(*) FROM (
             SELECT count(*) n FROM usage_metrics GROUP BY customer_id, date_trunc('month', metric_date)) s""",
    )[0]
    assert (low, high) == (3, 5) and months > 5000


def test_usage_only_while_subscribed(sample_db: DatabaseTarget) -> None:
    outside = scalar(
        sample_db,
        """SELECT count(*) FROM usage_metrics u WHERE NOT EXISTS (
             SELECT 1 FROM subscriptions s WHERE s.customer_id = u.customer_id
             AND u.metric_date >= s.started_at AND u.metric_date < coalesce(s.ended_at, date '2026-01-01'))""",
    )
    assert outside == 0


def test_no_duplicate_usage_days(sample_db: DatabaseTarget) -> None:
    duplicates = scalar(
        sample_db,
        "SELECT count(*) FROM (SELECT 1 FROM usage_metrics GROUP BY customer_id, metric_date HAVING count(*) > 1) d",
    )
    assert duplicates == 0


def test_cumulative_dashboards_never_decrease(sample_db: DatabaseTarget) -> None:
    decreases = scalar(
        sample_db,
        """SELECT count(*) FROM (SELECT total_dashboards - lag(total_dashboards)
             OVER (PARTITION BY customer_id ORDER BY metric_date) AS step FROM usage_metrics) s
           WHERE step < 0""",
    )
    assert decreases == 0


def test_active_users_never_exceed_seats(sample_db: DatabaseTarget) -> None:
    over = scalar(
        sample_db,
        """SELECT count(*) FROM usage_metrics u JOIN subscriptions s ON s.customer_id = u.customer_id
             AND u.metric_date >= s.started_at AND u.metric_date < coalesce(s.ended_at, date '2026-01-01')
           WHERE u.active_users > s.seats""",
    )
    assert over == 0


def test_a_sizeable_share_of_tickets_has_no_satisfaction_score(sample_db: DatabaseTarget) -> None:
    share = scalar(
        sample_db,
        "SELECT avg((satisfaction_score IS NULL)::int) FROM support_tickets WHERE status = 'resolved'",
    )
    assert Decimal("0.25") <= share <= Decimal("0.6")
    scored_unresolved = scalar(
        sample_db, "SELECT count(satisfaction_score) FROM support_tickets WHERE status <> 'resolved'"
    )
    assert scored_unresolved == 0


def test_open_tickets_have_no_resolved_at(sample_db: DatabaseTarget) -> None:
    by_status = dict(query(sample_db, "SELECT status, count(resolved_at) FROM support_tickets GROUP BY 1"))
    assert by_status["open"] == 0 and by_status["in_progress"] == 0 and by_status["resolved"] > 1000
    unresolved = scalar(sample_db, "SELECT count(*) FROM support_tickets WHERE resolved_at IS NULL")
    assert unresolved >= 10


def test_failed_pending_and_refunded_invoices_have_no_paid_at(sample_db: DatabaseTarget) -> None:
    rows = query(sample_db, "SELECT status, count(*), count(paid_at) FROM invoices GROUP BY 1")
    stats = {status: (total, paid) for status, total, paid in rows}
    assert set(stats) == {"paid", "failed", "pending", "refunded"}
    for status in ("failed", "pending", "refunded"):
        assert stats[status][0] > 10 and stats[status][1] == 0
    assert stats["paid"][0] == stats["paid"][1]


def test_january_churn_spike(sample_db: DatabaseTarget) -> None:
    rates = {month: rate for month, rate in query(sample_db, PAYING_MONTHS) if month.year == 2025}
    january = rates.pop(date(2025, 1, 1))
    others = sorted(rates.values())
    assert january > 2 * others[len(others) // 2]


def test_low_usage_customers_churn_more(sample_db: DatabaseTarget) -> None:
    by_quartile = dict(
        query(
            sample_db,
            """WITH share AS (
                 SELECT u.customer_id, avg(u.active_users::numeric / s.seats) AS share
                 FROM usage_metrics u JOIN subscriptions s ON s.customer_id = u.customer_id
                   AND u.metric_date >= s.started_at AND u.metric_date < coalesce(s.ended_at, '2026-01-01')
                 WHERE NOT s.is_trial GROUP BY 1),
               churn AS (
                 SELECT customer_id, bool_or(end_reason = 'cancelled') AS churned
                 FROM subscriptions GROUP BY 1)
               SELECT quartile, avg(churned::int) FROM (
                 SELECT customer_id, ntile(4) OVER (ORDER BY share) AS quartile FROM share) q
               JOIN churn USING (customer_id) GROUP BY 1""",
        )
    )
    assert by_quartile[1] > 2 * by_quartile[4]


def test_data_ends_on_2025_12_31(sample_db: DatabaseTarget) -> None:
    latest = query(
        sample_db,
        """SELECT (SELECT max(metric_date) FROM usage_metrics), (SELECT max(invoice_date) FROM invoices),
                  (SELECT max(created_at AT TIME ZONE 'UTC')::date FROM support_tickets),
                  (SELECT max(resolved_at AT TIME ZONE 'UTC')::date FROM support_tickets),
                  (SELECT max(paid_at AT TIME ZONE 'UTC')::date FROM invoices),
                  (SELECT max(greatest(started_at, ended_at)) FROM subscriptions),
                  (SELECT max(signup_date) FROM customers)""",
    )[0]
    assert max(latest) == date(2025, 12, 31)
    assert all(day >= date(2025, 12, 1) for day in latest), latest


# ---- defects that must be absent -------------------------------------------------------------


def test_company_names_are_distinct(sample_db: DatabaseTarget) -> None:
    assert scalar(sample_db, "SELECT count(*) = count(DISTINCT lower(company_name)) FROM customers")


def test_dates_are_consistent(sample_db: DatabaseTarget) -> None:
    checks = {
        "subscription before signup": """SELECT count(*) FROM subscriptions s JOIN customers c
            USING (customer_id) WHERE s.started_at < c.signup_date""",
        "first subscription not on signup": """SELECT count(*) FROM customers c WHERE signup_date <>
            (SELECT min(started_at) FROM subscriptions s WHERE s.customer_id = c.customer_id)""",
        "ended before started": "SELECT count(*) FROM subscriptions WHERE ended_at < started_at",
        "invoice before signup": """SELECT count(*) FROM invoices i JOIN customers c USING (customer_id)
            WHERE i.invoice_date < c.signup_date""",
        "invoice outside its subscription": """SELECT count(*) FROM invoices i JOIN subscriptions s
            USING (subscription_id) WHERE i.customer_id <> s.customer_id OR i.invoice_date < s.started_at
            OR i.invoice_date >= coalesce(s.ended_at, date '2026-01-01')""",
        "paid before issued": "SELECT count(*) FROM invoices WHERE paid_at::date < invoice_date",
        "due before issued": "SELECT count(*) FROM invoices WHERE due_date < invoice_date",
        "ticket before signup": """SELECT count(*) FROM support_tickets t JOIN customers c
            USING (customer_id) WHERE t.created_at::date < c.signup_date""",
        "resolved before created": "SELECT count(*) FROM support_tickets WHERE resolved_at < created_at",
        "cancelled without reason": """SELECT count(*) FROM subscriptions
            WHERE (end_reason = 'cancelled') <> (cancellation_reason IS NOT NULL)""",
    }
    broken = {name: n for name, statement in checks.items() if (n := scalar(sample_db, statement))}
    assert broken == {}


# ---- determinism, reset, atomicity -----------------------------------------------------------


def test_same_seed_gives_the_same_data_and_another_seed_differs(
    sample_db: DatabaseTarget, db: DatabaseTarget
) -> None:
    reference = checksums(sample_db)
    generate(db, seed=SEED, reset=True)
    assert checksums(db) == reference
    report = generate(db, seed=SEED + 1, reset=True)
    other = checksums(db)
    assert all(other[t] != reference[t] for t in TABLES)
    assert report.seed == SEED + 1 and report.counts["customers"] == scalar(
        db, "SELECT count(*) FROM customers"
    )


def test_existing_tables_are_kept_unless_reset(db: DatabaseTarget) -> None:
    before = checksums(db)
    with pytest.raises(SampleDataExists, match="--reset"):
        generate(db, seed=SEED + 2)
    assert checksums(db) == before


def test_a_failed_generation_leaves_the_previous_data_untouched(db: DatabaseTarget) -> None:
    before = checksums(db)
    with connect(db, "admin", autocommit=True) as conn:
        # An index name the generator needs, taken by another table: fails after the COPYs ran.
        conn.execute("ALTER INDEX usage_metrics_date_idx RENAME TO usage_metrics_day_idx")
        conn.execute("CREATE TABLE public.squatter (x int)")
        conn.execute("CREATE INDEX usage_metrics_date_idx ON public.squatter (x)")
    with pytest.raises(psycopg.errors.DuplicateTable):
        generate(db, seed=SEED + 3, reset=True)
    assert checksums(db) == before


def test_report_summary_names_every_table(sample_db: DatabaseTarget, db: DatabaseTarget) -> None:
    report = generate(db, seed=SEED, reset=True)
    summary = report.summary()
    for table in TABLES:
        assert f"public.{table}" in summary and f"{report.counts[table]:,}" in summary
    assert f"seed {SEED}" in summary


def test_script_refuses_existing_data_then_resets(db: DatabaseTarget, pg_home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": libpq_url(db.admin_url), "DASH_HOME": str(pg_home)}
    script = [sys.executable, str(REPO / "scripts" / "generate_data.py")]
    refused = subprocess.run(script, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "--reset" in refused.stderr
    done = subprocess.run(
        [*script, "--reset", "--seed", "5"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "seed 5" in done.stdout and "public.usage_metrics" in done.stdout
