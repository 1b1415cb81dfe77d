"""The database layer alone keeps the agents in their lanes (no guard, no app code involved).

Analyst: reads public and dash, writes nothing, cannot read ai - even after switching its
read-only default off. Engineer: writes only in dash, cannot touch public's data or ai.
"""

from __future__ import annotations

import psycopg
import pytest

from db.engines import DatabaseTarget, engineer_owner
from tests.conftest import connect

UNLOCKS = [
    "SET default_transaction_read_only = off",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
]


@pytest.fixture
def ai_table(db: DatabaseTarget) -> str:
    with connect(db, "service", autocommit=True) as conn:
        conn.execute("CREATE TABLE ai.secrets_probe (chat text)")
        conn.execute("INSERT INTO ai.secrets_probe VALUES ('another user''s conversation')")
    return "ai.secrets_probe"


def _refused(target: DatabaseTarget, role: str, statements: list[str]) -> psycopg.Error:
    """Run statements in one session; the last must fail with a database error."""
    with connect(target, role, autocommit=True) as conn:
        for statement in statements[:-1]:
            conn.execute(statement)  # type: ignore[arg-type]
        with pytest.raises(psycopg.Error) as err:
            conn.execute(statements[-1])  # type: ignore[arg-type]
    return err.value


@pytest.mark.parametrize("unlock", UNLOCKS)
@pytest.mark.parametrize(
    "write",
    [
        "INSERT INTO customers (company_name) VALUES ('x')",
        "UPDATE customers SET company_name = 'x'",
        "DELETE FROM invoices",
        "TRUNCATE support_tickets",
        "DROP TABLE customers",
        "CREATE TABLE public.t (x int)",
        "CREATE TABLE dash.t (x int)",
        "CREATE VIEW dash.v AS SELECT 1",
        "SELECT * INTO public.t2 FROM customers",
    ],
)
def test_analyst_cannot_write_even_after_unlocking(db: DatabaseTarget, unlock: str, write: str) -> None:
    err = _refused(db, "analyst", [unlock, write])
    assert isinstance(err, psycopg.errors.InsufficientPrivilege | psycopg.errors.ReadOnlySqlTransaction)


def test_analyst_cannot_write_inside_begin_read_write(db: DatabaseTarget) -> None:
    with connect(db, "analyst", autocommit=True) as conn:
        conn.execute("BEGIN READ WRITE")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM customers")


@pytest.mark.parametrize("unlock", ["BEGIN READ WRITE", *UNLOCKS])
@pytest.mark.parametrize("role", ["analyst", "engineer"])
def test_agents_cannot_read_ai(db: DatabaseTarget, ai_table: str, unlock: str, role: str) -> None:
    err = _refused(db, role, [unlock, f"SELECT * FROM {ai_table}"])
    assert isinstance(err, psycopg.errors.InsufficientPrivilege)


@pytest.mark.parametrize("role", ["analyst", "engineer"])
def test_agents_cannot_create_in_ai_or_public(db: DatabaseTarget, role: str) -> None:
    for statement in ("CREATE TABLE ai.x (y int)", "CREATE TABLE public.x (y int)"):
        err = _refused(db, role, ["BEGIN READ WRITE", statement])
        assert isinstance(err, psycopg.errors.InsufficientPrivilege)


@pytest.mark.parametrize(
    "write",
    [
        "INSERT INTO public.customers (company_name) VALUES ('x')",
        "UPDATE public.customers SET company_name = 'x'",
        "DELETE FROM customers",  # unqualified: resolves to public.customers
        "TRUNCATE public.invoices",
        "DROP TABLE public.customers",
        "ALTER TABLE public.customers ADD COLUMN x int",
        "CREATE INDEX ON public.customers (company_name)",
        "CREATE TABLE public.t (x int)",
        "GRANT SELECT ON ai.meta TO PUBLIC",
        "CREATE SCHEMA evil",
        "CREATE ROLE evil",
    ],
)
def test_engineer_cannot_write_outside_dash(db: DatabaseTarget, write: str) -> None:
    err = _refused(db, "engineer", [write])
    assert isinstance(err, psycopg.errors.InsufficientPrivilege)


def test_engineer_view_in_dash_is_readable_by_analyst(db: DatabaseTarget) -> None:
    with connect(db, "engineer", autocommit=True) as conn:
        conn.execute("CREATE VIEW dash.customer_count AS SELECT count(*) AS n FROM public.customers")
        conn.execute("CREATE TABLE summary (k text, v int)")  # unqualified: lands in dash
        conn.execute("INSERT INTO summary VALUES ('a', 1)")
    with connect(db, "analyst") as conn:
        assert conn.execute("SELECT n FROM dash.customer_count").fetchone()[0] > 0  # type: ignore[index]
        assert conn.execute("SELECT v FROM summary").fetchone() == (1,)


def test_roles_are_unprivileged_with_explicit_search_path(db: DatabaseTarget) -> None:
    with connect(db, "admin") as conn:
        rows = conn.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, "
            "       (SELECT setconfig FROM pg_db_role_setting WHERE setrole = r.oid AND setdatabase = 0) "
            "FROM pg_roles r WHERE rolname = ANY(%s)",
            ([db.service.role, db.analyst.role, db.engineer.role],),
        ).fetchall()
        members = conn.execute(
            "SELECT r.rolname, g.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = ANY(%s)",
            ([db.analyst.role, db.engineer.role],),
        ).fetchall()
    assert len(rows) == 3
    for name, superuser, createrole, createdb, bypass, config in rows:
        assert not (superuser or createrole or createdb or bypass), name
        assert any(c.startswith("search_path=") and "$user" not in c for c in config), name
    # Only the engineer's own NOLOGIN owner role: no pg_read_server_files, pg_execute_server_program...
    assert members == [(db.engineer.role, engineer_owner(db.engineer.role))]


def test_bootstrap_is_idempotent_and_grants_new_public_tables(db: DatabaseTarget) -> None:
    from db.bootstrap import bootstrap

    with connect(db, "admin", autocommit=True) as conn:
        conn.execute("CREATE TABLE public.loaded_later (x int)")
        conn.execute("INSERT INTO public.loaded_later VALUES (7)")
    bootstrap(db)
    bootstrap(db)
    with connect(db, "analyst") as conn:
        assert conn.execute("SELECT x FROM loaded_later").fetchone() == (7,)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER ROLE CURRENT_USER SET statement_timeout = 0",
        "ALTER ROLE CURRENT_USER SET search_path = public",
        "ALTER ROLE CURRENT_USER PASSWORD 'taken-over'",
    ],
)
def test_engineer_altering_itself_changes_no_login_role(db: DatabaseTarget, statement: str) -> None:
    """PostgreSQL lets a role alter itself; the engineer acts as a NOLOGIN role, so nothing logs in
    with what it changed, and the real login role is out of its reach."""
    with connect(db, "engineer", autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"ALTER ROLE {db.engineer.role} SET statement_timeout = 0")  # type: ignore[arg-type]
        conn.execute("RESET ROLE")  # back to the owner role set at connection start
        assert conn.execute("SELECT current_user").fetchone() == (engineer_owner(db.engineer.role),)
    with connect(db, "engineer") as conn:  # a new session: the login role's settings are intact
        assert conn.execute("SHOW statement_timeout").fetchone() != ("0",)
        assert conn.execute("SHOW search_path").fetchone() == ("dash, public",)


def test_engineer_login_role_alone_holds_nothing(db: DatabaseTarget) -> None:
    with connect(db, "engineer", autocommit=True) as conn:
        conn.execute("SET ROLE NONE")
        for statement in (
            "SELECT count(*) FROM public.customers",
            "CREATE VIEW dash.v AS SELECT 1",
            "CREATE TEMP TABLE t (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)  # type: ignore[arg-type]


def test_engineer_refreshes_concurrently(db: DatabaseTarget) -> None:
    """REFRESH ... CONCURRENTLY needs the temp privilege, which also allows temp tables (that they
    never outlive a pooled statement is checked in test_sql_layers, on the pool's own backend)."""
    with connect(db, "engineer", autocommit=True) as conn:
        conn.execute(
            "CREATE MATERIALIZED VIEW dash.plans AS SELECT plan, count(*) AS n FROM subscriptions GROUP BY plan"
        )
        conn.execute("CREATE UNIQUE INDEX ON dash.plans (plan)")
        conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY dash.plans")
        conn.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")
        assert conn.execute("SELECT x FROM scratch").fetchone() == (1,)
    err = _refused(db, "analyst", ["BEGIN READ WRITE", "CREATE TEMP TABLE scratch (x int)"])
    assert isinstance(err, psycopg.errors.InsufficientPrivilege)


def test_bootstrap_restores_a_builtin_someone_opened_again_and_otherwise_leaves_them(
    db: DatabaseTarget,
) -> None:
    """Built-ins are restricted once; a later bootstrap finds nothing to change (a fast CLI start)
    unless someone granted one back to PUBLIC, which it then takes away again."""
    from db.bootstrap import RESTRICTED_FUNCTIONS, UNRESTRICTED_FUNCTIONS, bootstrap

    def unrestricted() -> list[str]:
        with connect(db, "admin", autocommit=True) as conn:
            rows = conn.execute(UNRESTRICTED_FUNCTIONS, (list(RESTRICTED_FUNCTIONS), db.service.role))
            return [row[0] for row in rows]

    assert unrestricted() == []
    with connect(db, "admin", autocommit=True) as conn:
        conn.execute("GRANT EXECUTE ON FUNCTION pg_advisory_lock(bigint) TO PUBLIC")
    assert unrestricted() == ["pg_advisory_lock(bigint)"]
    bootstrap(db)
    assert unrestricted() == []
    with connect(db, "analyst", autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT pg_advisory_lock(1)")
