"""Where the database is and how each role connects to it.

`resolve_target()` turns settings into four connection URLs (admin, service, analyst, engineer),
starting the embedded server first when no DATABASE_URL is configured. `Engines` holds one
SQLAlchemy engine per role; it is built in the app lifespan (or a CLI command) and handed down.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import psycopg.conninfo
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from core.settings import Settings
from db.aio import close_async_pool
from db.embedded import DATABASE, EmbeddedPostgres
from db.pool_ping import ping_when_in_doubt


@dataclass(frozen=True)
class Credentials:
    role: str
    password: str


@dataclass(frozen=True)
class DatabaseTarget:
    """Connection URLs for every role Dash uses, all pointing at the same database."""

    admin_url: URL
    service_url: URL
    analyst_url: URL
    engineer_url: URL
    service: Credentials
    analyst: Credentials
    engineer: Credentials
    embedded: EmbeddedPostgres | None = None

    @property
    def database(self) -> str:
        return str(self.admin_url.database)

    def url_for(self, role: str) -> URL:
        return {
            "admin": self.admin_url,
            "service": self.service_url,
            "analyst": self.analyst_url,
            "engineer": self.engineer_url,
        }[role]


def role_passwords(settings: Settings, home: Path) -> dict[str, str]:
    """Passwords from settings, falling back to ones generated once into DASH_HOME (development)."""
    generated = EmbeddedPostgres(home).secrets() if _needs_generated(settings) else {}
    result = {}
    for name in ("service", "analyst", "engineer"):
        value = getattr(settings, f"db_{name}_password")
        result[name] = value.get_secret_value() if value is not None else generated[name]
    return result


def _needs_generated(settings: Settings) -> bool:
    return any(
        getattr(settings, f"db_{name}_password") is None for name in ("service", "analyst", "engineer")
    )


def resolve_target(settings: Settings, *, start: bool = True) -> DatabaseTarget:
    """Find (and, for the embedded server, start) the database Dash should use."""
    embedded: EmbeddedPostgres | None = None
    if settings.embedded_database:
        embedded = EmbeddedPostgres(settings.dash_home)
        status = embedded.ensure_started() if start else embedded.status()
        if status.port is None:
            raise RuntimeError(f"The embedded PostgreSQL in {settings.dash_home} is not running.")
        admin = make_url(embedded.admin_url(status.port, DATABASE))
    else:
        assert settings.database_url is not None
        admin = _psycopg(make_url(settings.database_url.get_secret_value()))
    passwords = role_passwords(settings, settings.dash_home)
    creds = {
        name: Credentials(getattr(settings, f"db_{name}_role"), passwords[name])
        for name in ("service", "analyst", "engineer")
    }
    analyst_base = admin
    if settings.analyst_database_url is not None:
        analyst_base = _psycopg(make_url(settings.analyst_database_url.get_secret_value()))
    return DatabaseTarget(
        admin_url=admin,
        service_url=_as(admin, creds["service"]),
        analyst_url=_as(analyst_base, creds["analyst"]),
        engineer_url=_as_owner(_as(admin, creds["engineer"])),
        service=creds["service"],
        analyst=creds["analyst"],
        engineer=creds["engineer"],
        embedded=embedded,
    )


def with_database(target: DatabaseTarget, database: str) -> DatabaseTarget:
    """The same server and roles, another database (tests use one database per test)."""
    return DatabaseTarget(
        admin_url=target.admin_url.set(database=database),
        service_url=target.service_url.set(database=database),
        analyst_url=target.analyst_url.set(database=database),
        engineer_url=target.engineer_url.set(database=database),
        service=target.service,
        analyst=target.analyst,
        engineer=target.engineer,
        embedded=target.embedded,
    )


def engineer_owner(login_role: str) -> str:
    """The NOLOGIN role that owns `dash` and that the engineer's login role acts as.

    The login role itself holds no privileges. PostgreSQL lets any role ALTER ROLE itself (its own
    settings, its own password); acting as a separate NOLOGIN role makes such a statement change a
    role nobody logs in as, so even that needs no help from the SQL guard.
    """
    return f"{login_role}_owner"


def _as_owner(url: URL) -> URL:
    # `role` set at connection start is also what RESET ROLE / DISCARD ALL return to.
    return url.update_query_dict({"options": f"-c role={engineer_owner(str(url.username))}"})


def _psycopg(url: URL) -> URL:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// alike."""
    return url.set(drivername="postgresql+psycopg")


def _as(url: URL, creds: Credentials) -> URL:
    return url.set(username=creds.role, password=creds.password)


def conninfo(url: URL) -> str:
    """A psycopg/libpq connection string for one of our URLs (keeps the engineer's `options`)."""
    extra = {"options": str(url.query["options"])} if "options" in url.query else {}
    return psycopg.conninfo.make_conninfo(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        connect_timeout=10,
        **extra,
    )


def libpq_url(url: URL) -> str:
    """A URL psql, pg_dump or dbt understand (no SQLAlchemy driver suffix).

    libpq decodes %20 but not `+` as a space, so the query (the engineer's `options`) is quoted here.
    """
    base = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    if not url.query:
        return base
    return base + "?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in url.query.items())


class Engines:
    """One pooled engine per role. Nothing connects until first use."""

    def __init__(self, target: DatabaseTarget, *, pool_size: int = 10) -> None:
        self.target = target

        def make(url: URL, size: int) -> Engine:
            engine = create_engine(url, pool_size=size, max_overflow=size)
            ping_when_in_doubt(engine)  # pre-ping, but only when the socket says so
            if (server := embedded_server_of(target, url)) is not None:
                follow_port(engine, server)
            return engine

        self.service = make(target.service_url, pool_size)
        self.analyst = make(target.analyst_url, pool_size)
        self.engineer = make(target.engineer_url, max(2, pool_size // 2))

    def dispose(self) -> None:
        for engine in (self.service, self.analyst, self.engineer):
            engine.dispose()
            close_async_pool(engine)


def service_conninfo(target: DatabaseTarget) -> str:
    """A libpq string for the service role, to the port the embedded server listens on now (for a
    connection made outside the pools, e.g. one that LISTENs)."""
    url = target.service_url
    server = embedded_server_of(target, url)
    port = server.status().port if server is not None else None
    return conninfo(url.set(port=port) if port is not None else url)


def embedded_server_of(target: DatabaseTarget, url: URL) -> EmbeddedPostgres | None:
    """The embedded server `url` points at, if any (not an ANALYST_DATABASE_URL replica elsewhere)."""
    same_server = (url.host, url.port) == (target.admin_url.host, target.admin_url.port)
    return target.embedded if same_server else None


def follow_port(engine: Engine, server: EmbeddedPostgres) -> None:
    """Each new connection goes to the port the embedded server listens on now.

    A restarted server comes back on its last port when it can, but takes another when that one
    was taken meanwhile; reading it per connection (a small file read) lets the pools recover from
    either without restarting Dash.
    """

    _servers[engine] = server

    @event.listens_for(engine, "do_connect")
    def _current_port(dialect: object, record: object, cargs: object, cparams: dict[str, object]) -> None:
        port = server.status().port
        if port is not None:
            cparams["port"] = port


_servers: weakref.WeakKeyDictionary[Engine, EmbeddedPostgres] = weakref.WeakKeyDictionary()


def current_port(engine: Engine) -> int | None:
    """The port `engine`'s embedded server listens on now (None: not an embedded server, or down)."""
    server = _servers.get(engine)
    return server.status().port if server is not None else None


def database_unreachable(exc: BaseException) -> bool:
    """Does `exc` mean the database cannot be reached (down, restarting, network) rather than that
    one statement failed? No connection at all, or SQLSTATE class 08 (connection exception) or 57P
    (shutting down, starting up); a statement timeout (57014) is not an outage."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    state = cause.sqlstate
    return state is None or state.startswith(("08", "57P"))
