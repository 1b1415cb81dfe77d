"""Each layer under the guard stops every refused statement on its own; allowed ones really run.

With the guard bypassed (`run_statement`: role, transaction, limits, pool reset only), each refused
fixture must be refused by the server, stopped by the timeout, or leave no trace: the fingerprint
of data and catalog and the pooled session's state are compared before and after every case. The
analyst's statements run both ways: in a worker thread on the engine (`run_sql`, `dash sql`) and
on the event loop over an asyncio connection (`run_sql_async`, the agents' tool).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from db.aio import async_pool
from db.audit import AuditError
from db.bootstrap import admin_dsn, bootstrap
from db.engines import DatabaseTarget, Engines, with_database
from db.sql_exec import (
    Outcome,
    SqlContext,
    SqlLimits,
    SqlResult,
    run_analyst_statement,
    run_sql,
    run_sql_async,
    run_statement,
)
from tests.conftest import TEMPLATE, cli_environment
from tests.db.test_sql_guard import load_cases

LAYER_LIMITS = SqlLimits(max_rows=50, statement_timeout_ms=500, lock_timeout_ms=200)
# PostgreSQL lets any role alter its own session defaults. The engineer acts as a NOLOGIN owner
# role, so such a change reaches no session (checked by the session probe); bootstrap clears it.
INERT = {"alter-role-current-user"}
TIMEOUT_SQLSTATE = "57014"
SESSION_PROBE = (
    "SELECT current_setting('application_name'), current_setting('default_transaction_read_only'),"
    " current_setting('role'), (SELECT count(*) FROM pg_prepared_statements),"
    " (SELECT count(*) FROM pg_listening_channels()), (SELECT count(*) FROM pg_cursors),"
    " (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'),"
    " (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema())"
)
CATALOG_FINGERPRINT = """
SELECT md5(string_agg(x, E'\\n' ORDER BY x)) FROM (
  SELECT format('rel %s.%s %s %s %s', n.nspname, c.relname, c.relkind, c.relacl, c.relowner::regrole) AS x
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname !~ '^pg_(toast|temp)'
  UNION ALL SELECT format('proc %s %s', p.oid::regprocedure, p.proacl) FROM pg_proc p
  UNION ALL SELECT format('nsp %s %s %s', nspname, nspacl, nspowner::regrole) FROM pg_namespace
    WHERE nspname !~ '^pg_(toast|temp)'
  UNION ALL SELECT format('set %s %s %s', setdatabase, setrole, setconfig) FROM pg_db_role_setting
  UNION ALL SELECT format('db %s %s', datname, datacl) FROM pg_database WHERE datname = current_database()
  UNION ALL SELECT format('lang %s %s', lanname, lanacl) FROM pg_language
  UNION ALL SELECT format('lo %s', oid) FROM pg_largeobject_metadata
  UNION ALL SELECT format('evt %s %s', evtname, evtenabled) FROM pg_event_trigger
  UNION ALL SELECT format('defacl %s', defaclacl) FROM pg_default_acl
  UNION ALL SELECT format('role %s %s %s', rolname, rolsuper, rolcanlogin) FROM pg_roles
  UNION ALL SELECT format('rule %s.%s', ev_class::regclass, rulename) FROM pg_rewrite WHERE ev_class >= 16384
  UNION ALL SELECT format('trigger %s.%s', tgrelid::regclass, tgname) FROM pg_trigger
  UNION ALL SELECT format('policy %s', polname) FROM pg_policy
  UNION ALL SELECT format('comment %s %s', objoid, description) FROM pg_description WHERE objoid >= 16384
) t
"""


@pytest.fixture(scope="module")
def layer_db(pg_server: DatabaseTarget) -> Iterator[DatabaseTarget]:
    """One copy of the sample database for the whole module (the bypass runs share it)."""
    name = f"layers_{uuid.uuid4().hex[:10]}"
    _admin(
        pg_server,
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)),
    )
    try:
        target = with_database(pg_server, name)
        bootstrap(target)  # database-level grants are not copied from a template
        yield target
    finally:
        _admin(pg_server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def engines(layer_db: DatabaseTarget) -> Iterator[Engines]:
    engines = with_sandbox(layer_db)
    yield engines
    engines.dispose()


def with_sandbox(target: DatabaseTarget) -> Engines:
    """Engines over `target`, with the dash objects the fixtures refer to."""
    # pool_size=1: every statement reuses the same backend, so any state it leaves would show.
    engines = Engines(target, pool_size=1)
    for statement in (
        "CREATE TABLE dash.sandbox (id integer)",
        "CREATE VIEW dash.active_subscriptions AS SELECT * FROM subscriptions WHERE ended_at IS NULL",
    ):
        assert run_sql(engines, "engineer", statement).ok
    return engines


@pytest.fixture(scope="module")
def baseline(layer_db: DatabaseTarget, engines: Engines) -> dict[str, Any]:
    return {"data": data_checksums(layer_db), **state(layer_db, engines)}


def _admin(target: DatabaseTarget, statement: sql.Composable | str) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin_dsn(target), autocommit=True) as conn:
        cur = conn.execute(statement)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []


def data_checksums(target: DatabaseTarget) -> dict[str, str]:
    """md5 of every row of every table in public and ai."""
    tables = _admin(
        target, "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', 'ai')"
    )
    return {
        f"{s}.{t}": _admin(
            target,
            sql.SQL(
                "SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM {}.{} x"
            ).format(sql.Identifier(s), sql.Identifier(t)),
        )[0][0]
        for s, t in tables
    }


def state(target: DatabaseTarget, engines: Engines) -> dict[str, Any]:
    """Catalog fingerprint, cheap row-version fingerprint of public/ai/dash, pooled sessions."""
    tables = _admin(
        target, "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', 'ai', 'dash')"
    )
    versions = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {}, count(*), sum(xmin::text::bigint) FROM {}.{}").format(
            sql.Literal(f"{s}.{t}"), sql.Identifier(s), sql.Identifier(t)
        )
        for s, t in tables
    )
    return {
        "catalog": _admin(target, CATALOG_FINGERPRINT)[0][0],
        "rows": sorted(_admin(target, versions)),
        "analyst_session": run_statement(engines.analyst, "analyst", SESSION_PROBE, LAYER_LIMITS).rows,
        "engineer_session": run_statement(engines.engineer, "engineer", SESSION_PROBE, LAYER_LIMITS).rows,
    }


REFUSED = [c for c in load_cases("*_refused.yaml")]


async def on_the_loop(engines: Engines, statement: str) -> tuple[Outcome, tuple[tuple[Any, ...], ...]]:
    """The analyst's statement over the asyncio pool, then the session probe on the same pool in
    the same loop (the connection the statement used, if it could be reset and kept)."""
    pool = async_pool(engines.analyst)
    outcome = await run_analyst_statement(pool, statement, LAYER_LIMITS)
    return outcome, (await run_analyst_statement(pool, SESSION_PROBE, LAYER_LIMITS)).rows


def assert_stopped(case: dict[str, Any], outcome: Outcome) -> None:
    if case["db"] == "timeout":
        assert outcome.error and TIMEOUT_SQLSTATE in outcome.error, outcome
    elif case["db"] == "db_refuses":
        assert outcome.error and "SQLSTATE" in outcome.error, outcome


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: f"{c['role']}-{c['id']}")
def test_database_layer_alone_stops_refused_statement(
    case: dict[str, Any], layer_db: DatabaseTarget, engines: Engines, baseline: dict[str, Any]
) -> None:
    engine = engines.analyst if case["role"] == "analyst" else engines.engineer
    outcome = run_statement(engine, case["role"], case["sql"], LAYER_LIMITS)
    if case["role"] == "analyst":
        on_loop, session = asyncio.run(on_the_loop(engines, case["sql"]))
        assert_stopped(case, on_loop)
        assert session == baseline["analyst_session"], f"{case['id']} left state on the asyncio connection"
    if case["db"] == "inert":
        assert case["id"] in INERT, "a new inert case needs a conscious decision"
        fresh = Engines(layer_db, pool_size=1)
        try:
            session = run_statement(fresh.engineer, "engineer", SESSION_PROBE, LAYER_LIMITS).rows
        finally:
            fresh.dispose()
        assert session == baseline["engineer_session"], "a new engineer session saw the change"
        bootstrap(layer_db)  # clears the owner role's own settings
    assert_stopped(case, outcome)
    after = state(layer_db, engines)
    assert after == {k: v for k, v in baseline.items() if k != "data"}, f"{case['id']} left a trace"


def test_allowed_analyst_queries_run(db: DatabaseTarget) -> None:
    bootstrap(db)
    engines = with_sandbox(db)
    try:
        failures = {}
        for case in load_cases("analyst_allowed.yaml"):
            result = run_sql(engines, "analyst", case["sql"])
            if not result.ok:
                failures[case["id"]] = result.error or result.reason
        assert not failures
    finally:
        engines.dispose()


def test_allowed_engineer_statements_run_in_order(db: DatabaseTarget) -> None:
    bootstrap(db)
    engines = Engines(db, pool_size=1)
    try:
        for case in load_cases("engineer_allowed.yaml"):
            result = run_sql(engines, "engineer", case["sql"])
            assert result.ok, (case["id"], result.reason, result.error)
        assert run_sql(engines, "analyst", "SELECT one FROM dash.v").rows == ((1,),)
    finally:
        engines.dispose()


def test_zz_public_and_ai_unchanged_after_everything(
    layer_db: DatabaseTarget, baseline: dict[str, Any]
) -> None:
    assert data_checksums(layer_db) == baseline["data"]


# ---- the execution path: audit, limits, values, reset -----------------------------------------


@pytest.fixture
def fresh(db: DatabaseTarget) -> Iterator[Engines]:
    bootstrap(db)
    engines = Engines(db, pool_size=1)
    yield engines
    engines.dispose()


Run = Callable[..., SqlResult]


def _run_on_the_loop(engines: Engines, role: str, statement: str, **options: Any) -> SqlResult:
    return asyncio.run(run_sql_async(engines, role, statement, **options))


@pytest.fixture(params=["thread", "loop"])
def run(request: pytest.FixtureRequest) -> Run:
    """`run_sql` (a worker thread, the engines) or `run_sql_async` (the event loop, asyncio connections)."""
    return run_sql if request.param == "thread" else _run_on_the_loop


def test_every_submission_is_audited(fresh: Engines, db: DatabaseTarget, run: Run) -> None:
    who = SqlContext(user_id="u-42", session_id="s-1", run_id="r-1")
    run(fresh, "analyst", "SELECT * FROM customers LIMIT 3", context=who)
    run(fresh, "analyst", "DELETE FROM customers", context=who)
    run(fresh, "engineer", "INSERT INTO dash.nothing_here VALUES (1)", context=who)
    rows = _admin(
        db,
        "SELECT user_id, agent, session_id, run_id, sql, decision, reason, row_count,"
        " duration_ms IS NOT NULL, error, finished_at IS NOT NULL FROM ai.sql_audit ORDER BY id",
    )
    allowed, refused, failed = rows
    assert allowed[:6] == ("u-42", "analyst", "s-1", "r-1", "SELECT * FROM customers LIMIT 3", "allowed")
    assert allowed[7:] == (3, True, None, True)
    assert refused[5] == "refused" and "read queries" in refused[6] and refused[10]
    assert failed[1] == "engineer" and failed[5] == "allowed" and "does not exist" in failed[9]


def test_audit_failure_stops_the_statement(fresh: Engines, db: DatabaseTarget, run: Run) -> None:
    _admin(db, f"REVOKE INSERT ON ai.sql_audit FROM {db.service.role}")
    with pytest.raises(AuditError, match="was not run"):
        run(fresh, "engineer", "CREATE TABLE dash.unaudited (x int)")
    assert not _admin(db, "SELECT 1 FROM pg_tables WHERE tablename = 'unaudited'")
    with pytest.raises(AuditError, match="was not run"):
        run(fresh, "analyst", "SELECT 1")


def test_rows_are_capped_and_marked_truncated(fresh: Engines, run: Run) -> None:
    result = run(fresh, "analyst", "SELECT n FROM generate_series(1, 20) n", limits=SqlLimits(max_rows=5))
    assert result.ok and result.truncated and result.rows == tuple((n,) for n in range(1, 6))
    exact = run(fresh, "analyst", "SELECT n FROM generate_series(1, 5) n", limits=SqlLimits(max_rows=5))
    assert not exact.truncated and exact.row_count == 5


def test_result_size_for_a_model_is_capped(fresh: Engines, run: Run) -> None:
    limits = SqlLimits(max_rows=1000, max_result_chars=2_000)
    result = run(fresh, "analyst", "SELECT repeat('x', 100) FROM generate_series(1, 500)", limits=limits)
    assert result.truncated and 0 < len(result.rows) < 500
    assert len(json.dumps(result.as_dict()["rows"])) <= 2_000
    wide = run(fresh, "analyst", "SELECT repeat('y', 100000) AS big", limits=SqlLimits())
    assert wide.truncated and len(wide.rows[0][0]) < 3_000


def test_values_are_json_safe(fresh: Engines, run: Run) -> None:
    result = run(
        fresh,
        "analyst",
        """
        SELECT 12.50::numeric AS money, 12345678901234567890.123::numeric AS huge, 3::numeric AS whole,
               date '2025-12-31' AS d, timestamptz '2025-01-02 03:04:05+00' AS ts,
               interval '3 days 04:05:06' AS span, '6f1c1f8e-4b8e-4a4e-9f6b-3f1f1f1f1f1f'::uuid AS id,
               '\\x0102'::bytea AS raw, NULL AS nothing, '{"a": [1, 2.5]}'::jsonb AS doc,
               ARRAY[1, 2] AS arr, 'NaN'::float8 AS nan, true AS flag""",
    )
    assert result.ok, result.error
    row = dict(zip(result.columns, result.rows[0], strict=True))
    json.dumps(result.as_dict(), allow_nan=False)  # strict JSON: no NaN, no Decimal, no datetime
    assert row["money"] == 12.5 and row["huge"] == "12345678901234567890.123" and row["whole"] == 3
    assert row["d"] == "2025-12-31" and row["ts"].startswith("2025-01-02T03:04:05")
    assert row["span"] == "3 days 04:05:06" and row["id"] == "6f1c1f8e-4b8e-4a4e-9f6b-3f1f1f1f1f1f"
    assert row["raw"] == "base64:AQI=" and row["nothing"] is None and row["doc"] == {"a": [1, 2.5]}
    assert row["arr"] == [1, 2] and row["nan"] == "nan" and row["flag"] is True


def test_slow_query_is_stopped_by_the_timeout(fresh: Engines, run: Run) -> None:
    started = time.monotonic()
    result = run(
        fresh,
        "analyst",
        "SELECT count(*) FROM generate_series(1, 1000000000)",
        limits=SqlLimits(statement_timeout_ms=300),
    )
    assert not result.ok and result.decision == "allowed" and "statement timeout" in (result.error or "")
    assert time.monotonic() - started < 10


def test_show_and_explain_return_rows_under_the_same_limits(fresh: Engines, run: Run) -> None:
    """SHOW answers one row; EXPLAIN a plan; EXPLAIN ANALYZE runs read-only and under the timeout."""
    shown = run(fresh, "analyst", "SHOW transaction_read_only")
    assert shown.ok and shown.columns == ("transaction_read_only",) and shown.rows == (("on",),)
    plan = run(fresh, "analyst", "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM customers")
    assert plan.ok and plan.columns == ("QUERY PLAN",) and plan.rows[0][0][0]["Plan"]["Actual Rows"] == 1
    slow = "EXPLAIN ANALYZE SELECT count(*) FROM generate_series(1, 1000000000)"
    stopped = run(fresh, "analyst", slow, limits=SqlLimits(statement_timeout_ms=300))
    assert not stopped.ok and "statement timeout" in (stopped.error or "")


def test_session_state_does_not_leak_to_the_next_checkout(fresh: Engines) -> None:
    """Same pooled backend, yet nothing one statement set up is there for the next one."""
    probe = "SELECT pg_backend_pid(), current_setting('application_name'), (SELECT count(*) FROM pg_prepared_statements), (SELECT count(*) FROM pg_listening_channels()), to_regclass('pg_temp.leaked')"
    limits = SqlLimits()
    before = run_statement(fresh.engineer, "engineer", probe, limits).rows[0]
    leaks = (
        "SET application_name = 'leaked'",
        "PREPARE p AS SELECT 1",
        "LISTEN leaked",
        "CREATE TEMP TABLE leaked (x int)",
    )
    for leak in leaks:
        assert run_statement(fresh.engineer, "engineer", leak, limits).error is None
        assert run_statement(fresh.engineer, "engineer", probe, limits).rows[0] == before
    timeout = run_statement(fresh.engineer, "engineer", "SELECT current_setting('statement_timeout')", limits)
    assert timeout.rows == (("15s",),)


# ---- the CLI: a real `dash` process against a test database -----------------------------------


def dash_sql(target: DatabaseTarget, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), **cli_environment(target, tmp_path / "home")}
    dash = Path(sys.executable).parent / "dash"
    return subprocess.run(  # noqa: S603 - our own entry point
        [str(dash), "sql", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_cli_refuses_delete_with_a_reason(db: DatabaseTarget, tmp_path: Path) -> None:
    done = dash_sql(db, tmp_path, "--as", "analyst", "--json", "DELETE FROM customers")
    assert done.returncode != 0
    payload = json.loads(done.stdout)
    assert payload["ok"] is False and payload["decision"] == "refused" and payload["reason"]
    assert set(payload) == {
        "ok",
        "decision",
        "reason",
        "columns",
        "rows",
        "row_count",
        "truncated",
        "duration_ms",
        "error",
    }


def test_cli_counts_customers(db: DatabaseTarget, tmp_path: Path) -> None:
    done = dash_sql(db, tmp_path, "--as", "analyst", "--json", "SELECT count(*) FROM customers")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    expected = _admin(db, "SELECT count(*) FROM public.customers")[0][0]
    assert payload["rows"] == [[expected]] and payload["columns"] == ["count"] and payload["ok"]


def test_cli_engineer_view_is_readable_by_the_analyst(db: DatabaseTarget, tmp_path: Path) -> None:
    done = dash_sql(db, tmp_path, "--as", "engineer", "CREATE VIEW dash.v AS SELECT 1")
    assert done.returncode == 0, done.stdout + done.stderr
    done = dash_sql(db, tmp_path, "--as", "analyst", "SELECT * FROM dash.v")
    assert done.returncode == 0 and "(1 rows" in done.stdout, done.stdout + done.stderr
    audited = _admin(db, "SELECT agent, decision, user_id FROM ai.sql_audit ORDER BY id")
    assert [(a, d) for a, d, _ in audited] == [("engineer", "allowed"), ("analyst", "allowed")]
    assert all(user.startswith("cli") for _, _, user in audited)


def test_cli_failed_statement_exits_non_zero(db: DatabaseTarget, tmp_path: Path) -> None:
    done = dash_sql(db, tmp_path, "--as", "analyst", "SELECT * FROM no_such_table")
    assert done.returncode == 2 and "does not exist" in done.stdout
