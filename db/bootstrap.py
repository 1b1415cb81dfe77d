"""Schemas, extensions, roles and grants: the database half of Dash's security model.

`bootstrap()` is idempotent: it runs on every start-up and on `dash db init`, and re-applies every
grant so that tables the data team loaded since last time become readable by the agents.

The boundary (DESIGN.md section 3):
- service role: owns `ai` (sessions, runs, knowledge, audit). Nothing else may read it.
- analyst role: SELECT on `public` and `dash`; read-only by default; statement timeout.
- engineer role: SELECT on `public`; owns and writes `dash`; nothing on `ai`; temp tables (for
  REFRESH MATERIALIZED VIEW CONCURRENTLY), which no statement outlives.
Every role gets an explicit search_path, and none is a superuser or may create roles or databases.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql

from core.settings import Settings
from db.engines import Credentials, DatabaseTarget, conninfo, engineer_owner

log = logging.getLogger(__name__)

SCHEMAS = ("public", "dash", "ai")
# Built-in functions every role may call by default that no agent needs: large objects, advisory
# locks (they would block the service's own, see migrate.py), changing settings, signalling other
# sessions. Patterns for `LIKE`. The service role keeps them; the SQL guard refuses them as well.
RESTRICTED_FUNCTIONS = (
    "lo\\_%",
    "loread",
    "lowrite",
    "pg\\_advisory%",
    "pg\\_try\\_advisory%",
    "set\\_config",
    "pg\\_cancel\\_backend",
    "pg\\_terminate\\_backend",
    "pg\\_notify",
)
# Without USAGE on a language nobody can CREATE FUNCTION / PROCEDURE in it or run DO blocks.
TRUSTED_LANGUAGES = ("sql", "plpgsql")
EXTENSIONS = ("vector", "pg_trgm")


@dataclass(frozen=True)
class RoleLimits:
    analyst_statement_timeout_ms: int = 15_000
    engineer_statement_timeout_ms: int = 60_000
    lock_timeout_ms: int = 2_000
    idle_in_transaction_timeout_ms: int = 60_000

    @classmethod
    def from_settings(cls, settings: Settings) -> RoleLimits:
        return cls(
            analyst_statement_timeout_ms=settings.analyst_statement_timeout_ms,
            engineer_statement_timeout_ms=settings.engineer_statement_timeout_ms,
            lock_timeout_ms=settings.lock_timeout_ms,
        )


def admin_dsn(target: DatabaseTarget) -> str:
    return conninfo(target.admin_url)


def bootstrap(target: DatabaseTarget, limits: RoleLimits | None = None) -> None:
    """Create or repair schemas, extensions, roles and grants."""
    limits = limits or RoleLimits()
    with psycopg.connect(admin_dsn(target), autocommit=True) as conn:
        admin = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        database = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        for ext in EXTENSIONS:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
        for creds in (target.service, target.analyst, target.engineer):
            _ensure_login_role(conn, creds)
        _ensure_engineer_owner(conn, target.engineer.role)
        for statement in _grants(admin, database, target, limits):
            conn.execute(statement)
        _restrict_builtins(conn, target.service.role)
        _apply_if_permitted(conn, _agent_ddl_trigger_function(target))
        for statement in AGENT_DDL_TRIGGER:
            _apply_if_permitted(conn, statement)
    from db.migrate import migrate

    migrate(target)


def _ensure_login_role(conn: psycopg.Connection, creds: Credentials) -> None:
    role = sql.Identifier(creds.role)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (creds.role,)).fetchone()
    verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
    conn.execute(
        sql.SQL(
            "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
            "NOINHERIT PASSWORD {}"
        ).format(verb, role, sql.Literal(creds.password))
    )


def _ensure_engineer_owner(conn: psycopg.Connection, login_role: str) -> None:
    """The NOLOGIN role the engineer acts as (see db.engines.engineer_owner for why)."""
    owner, login = sql.Identifier(engineer_owner(login_role)), sql.Identifier(login_role)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (engineer_owner(login_role),))
    verb = sql.SQL("ALTER") if exists.fetchone() else sql.SQL("CREATE")
    conn.execute(
        sql.SQL(
            "{} ROLE {} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
        ).format(verb, owner)
    )
    # SET but not INHERIT: the login role has the owner's privileges only while acting as it.
    conn.execute(sql.SQL("GRANT {} TO {} WITH INHERIT FALSE, SET TRUE").format(owner, login))
    # Any role may set its own session defaults; the owner's are never loaded, but clear them anyway.
    conn.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(owner))
    # Objects an older version let the login role own move to the owner.
    conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(login, owner))


def _grants(
    admin: str, database: str, target: DatabaseTarget, limits: RoleLimits
) -> list[sql.SQL | sql.Composed]:
    svc = sql.Identifier(target.service.role)
    analyst = sql.Identifier(target.analyst.role)
    eng = sql.Identifier(target.engineer.role)
    owner = sql.Identifier(engineer_owner(target.engineer.role))
    db = sql.Identifier(database)
    adm = sql.Identifier(admin)
    agents = sql.SQL("{}, {}").format(analyst, eng)
    q = sql.SQL
    return [
        # Nobody gets anything by default: connect, temp tables and schema use are granted explicitly.
        q("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db),
        q("GRANT CONNECT ON DATABASE {} TO {}, {}").format(db, svc, agents),
        q("GRANT TEMPORARY ON DATABASE {} TO {}").format(db, svc),
        # REFRESH MATERIALIZED VIEW CONCURRENTLY builds its diff in a temp table as the view's owner.
        # Temp objects die with the session, and the pool runs DISCARD ALL after every statement.
        q("GRANT TEMPORARY ON DATABASE {} TO {}").format(db, owner),
        q("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
        q("GRANT USAGE ON SCHEMA public TO {}, {}").format(svc, agents),
        # ai: owned by the service, closed to everyone else.
        q("CREATE SCHEMA IF NOT EXISTS ai AUTHORIZATION {}").format(svc),
        q("ALTER SCHEMA ai OWNER TO {}").format(svc),
        q("REVOKE ALL ON SCHEMA ai FROM PUBLIC"),
        q("REVOKE ALL ON SCHEMA ai FROM {}, {}").format(agents, owner),
        # dash: owned and written by the engineer (acting as its owner role), read by the analyst.
        q("CREATE SCHEMA IF NOT EXISTS dash AUTHORIZATION {}").format(owner),
        q("ALTER SCHEMA dash OWNER TO {}").format(owner),
        q("REVOKE ALL ON SCHEMA dash FROM PUBLIC"),
        q("GRANT USAGE ON SCHEMA dash TO {}, {}").format(analyst, svc),
        q("GRANT SELECT ON ALL TABLES IN SCHEMA dash TO {}, {}").format(analyst, svc),
        q("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA dash GRANT SELECT ON TABLES TO {}, {}").format(
            owner, analyst, svc
        ),
        # public: the company's data, readable by both agents, writable by neither.
        q("GRANT USAGE ON SCHEMA public TO {}").format(owner),
        q("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}, {}").format(analyst, owner),
        q("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(eng),
        q("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT ON TABLES TO {}, {}").format(
            adm, analyst, owner
        ),
        q("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public REVOKE SELECT ON TABLES FROM {}").format(
            adm, eng
        ),
        # Explicit search paths: never the default "$user", public.
        q("ALTER ROLE {} SET search_path = ai, public").format(svc),
        q("ALTER ROLE {} SET search_path = public, dash").format(analyst),
        q("ALTER ROLE {} SET search_path = dash, public").format(eng),
        # Session defaults. They are a convenience, not the boundary: grants are.
        q("ALTER ROLE {} SET default_transaction_read_only = on").format(analyst),
        q("ALTER ROLE {} SET statement_timeout = {}").format(
            analyst, sql.Literal(limits.analyst_statement_timeout_ms)
        ),
        q("ALTER ROLE {} SET statement_timeout = {}").format(
            eng, sql.Literal(limits.engineer_statement_timeout_ms)
        ),
        *[
            q("ALTER ROLE {} SET lock_timeout = {}").format(r, sql.Literal(limits.lock_timeout_ms))
            for r in (analyst, eng)
        ],
        *[
            q("ALTER ROLE {} SET idle_in_transaction_session_timeout = {}").format(
                r, sql.Literal(limits.idle_in_transaction_timeout_ms)
            )
            for r in (analyst, eng)
        ],
    ]


# The engineer's DDL kinds (DESIGN.md section 3), as event-trigger command tags. Grants already keep
# its writes inside dash; this also keeps it from creating other kinds of objects there (types,
# sequences, rules, triggers, policies) or granting on them. The analyst may run no DDL at all.
ENGINEER_DDL_TAGS = (
    "CREATE TABLE",
    "CREATE TABLE AS",
    "CREATE VIEW",
    "CREATE MATERIALIZED VIEW",
    "CREATE INDEX",
    "ALTER TABLE",
    "ALTER VIEW",
    "ALTER MATERIALIZED VIEW",
    "ALTER INDEX",
    "DROP TABLE",
    "DROP VIEW",
    "DROP MATERIALIZED VIEW",
    "DROP INDEX",
    "REFRESH MATERIALIZED VIEW",
    "COMMENT",
)
AGENT_DDL_TRIGGER = (
    sql.SQL("DROP EVENT TRIGGER IF EXISTS dash_agent_ddl"),
    sql.SQL("CREATE EVENT TRIGGER dash_agent_ddl ON ddl_command_start EXECUTE FUNCTION ai.dash_agent_ddl()"),
)


def _agent_ddl_trigger_function(target: DatabaseTarget) -> sql.Composed:
    return sql.SQL(
        "CREATE OR REPLACE FUNCTION ai.dash_agent_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $fn$"
        " BEGIN"
        "  IF current_user IN ({analyst}, {engineer}) OR (current_user = {owner} AND tg_tag <> ALL ({tags})) THEN"
        "   RAISE EXCEPTION 'the % role may not run %', current_user, tg_tag"
        "    USING ERRCODE = 'insufficient_privilege';"
        "  END IF;"
        " END $fn$"
    ).format(
        analyst=sql.Literal(target.analyst.role),
        engineer=sql.Literal(target.engineer.role),
        owner=sql.Literal(engineer_owner(target.engineer.role)),
        tags=sql.Literal(list(ENGINEER_DDL_TAGS)),
    )


def _restrict_builtins(conn: psycopg.Connection, service_role: str) -> None:
    """Take dangerous built-ins and function-creating languages away from PUBLIC (agents included).

    Only what is not restricted yet is changed: after the first bootstrap this is one catalog read
    (every `dash` command bootstraps, so its start-up time depends on it).
    """
    svc = sql.Identifier(service_role)
    functions = conn.execute(UNRESTRICTED_FUNCTIONS, (list(RESTRICTED_FUNCTIONS), service_role)).fetchall()
    languages = conn.execute(UNRESTRICTED_LANGUAGES, (list(TRUSTED_LANGUAGES), service_role)).fetchall()
    statements: list[sql.Composed] = []
    for (signature,) in functions:  # regprocedure text from the catalog, e.g. pg_advisory_lock(bigint)
        fn = sql.SQL(signature)
        statements += [
            sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM PUBLIC").format(fn),
            sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(fn, svc),
        ]
    for (lang,) in languages:
        statements += [
            sql.SQL("REVOKE USAGE ON LANGUAGE {} FROM PUBLIC").format(sql.Identifier(lang)),
            sql.SQL("GRANT USAGE ON LANGUAGE {} TO {}").format(sql.Identifier(lang), svc),
        ]
    for statement in statements:
        _apply_if_permitted(conn, statement)


# A NULL ACL means the built-in default, which lets PUBLIC execute (or use the language).
UNRESTRICTED_FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p
WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE ANY(%s)
  AND (p.proacl IS NULL
       OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
       OR NOT has_function_privilege(%s, p.oid, 'EXECUTE'))
"""
UNRESTRICTED_LANGUAGES = """
SELECT l.lanname FROM pg_language l
WHERE l.lanname = ANY(%s)
  AND (l.lanacl IS NULL
       OR EXISTS (SELECT 1 FROM aclexplode(l.lanacl) a WHERE a.grantee = 0 AND a.privilege_type = 'USAGE')
       OR NOT has_language_privilege(%s, l.oid, 'USAGE'))
"""


def _apply_if_permitted(conn: psycopg.Connection, statement: sql.SQL | sql.Composed) -> None:
    # A managed PostgreSQL admin is not a real superuser and may not own pg_catalog's functions;
    # the grants above remain the boundary there, so say so and go on.
    try:
        conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege as exc:
        log.warning("hardening skipped (%s): %s", exc.diag.message_primary, statement.as_string(conn))


def public_is_empty(target: DatabaseTarget) -> bool:
    """True when the company-data schema holds no tables yet (so `dash up` loads the sample)."""
    with psycopg.connect(admin_dsn(target), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        return row is None or row[0] == 0
