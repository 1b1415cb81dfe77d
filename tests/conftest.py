"""Test fixtures: one embedded PostgreSQL per test session, a fresh database per test.

The session builds a template database once (bootstrap + sample data); each test that asks for
`db` gets its own copy (`CREATE DATABASE ... TEMPLATE`), so tests never see each other's data.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from core.settings import Settings
from db.bootstrap import admin_dsn, bootstrap
from db.embedded import EmbeddedPostgres
from db.engines import DatabaseTarget, Engines, conninfo, libpq_url, resolve_target, with_database
from db.store import Store
from tests.fakes.model_server import FakeModelServer

TEMPLATE = "dash_template"
SEED = 42


def test_settings(home: Path, **overrides: object) -> Settings:
    """Settings that ignore the developer's .env and environment (DATABASE_URL etc.)."""
    values: dict[str, object] = {"dash_home": home, "database_url": None, "openai_api_key": None}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture(scope="session")
def pg_home() -> Iterator[Path]:
    # Short, world-traversable path: the server runs as `nobody` when the tests run as root.
    home = Path(tempfile.mkdtemp(prefix="dash-t-", dir="/tmp"))
    os.chmod(home, 0o755)
    server = EmbeddedPostgres(home, fast_unsafe=True)
    server.ensure_started()
    try:
        yield home
    finally:
        server.destroy()


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    """A server of this test's own (not started: Dash starts it), for tests that stop it under Dash."""
    home = Path(tempfile.mkdtemp(prefix="dash-o-", dir="/tmp"))
    os.chmod(home, 0o755)
    server = EmbeddedPostgres(home, fast_unsafe=True)
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def pg_server(pg_home: Path) -> DatabaseTarget:
    """The session's server, with a bootstrapped template database holding the sample data."""
    target = resolve_target(test_settings(pg_home))
    with psycopg.connect(admin_dsn(target), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(TEMPLATE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    template = with_database(target, TEMPLATE)
    bootstrap(template)
    from db.sample_data import generate

    generate(template, seed=SEED)  # bootstrap's default privileges let the agents read it
    return target


@pytest.fixture(scope="session")
def sample_db(pg_server: DatabaseTarget) -> DatabaseTarget:
    """The template itself, for read-only tests that want the sample data without a copy.

    Tests using it must not write: use `db` for anything that changes data.
    """
    return with_database(pg_server, TEMPLATE)


@contextmanager
def fresh_database(server: DatabaseTarget, template: str | None = None) -> Iterator[DatabaseTarget]:
    """A new bootstrapped database on the session's server (a copy of `template`), dropped after."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
    with psycopg.connect(admin_dsn(server), autocommit=True) as conn:
        conn.execute(create)
    copy = with_database(server, name)
    # Database-level grants (CONNECT, TEMPORARY) live in pg_database and are not copied by TEMPLATE.
    bootstrap(copy)
    try:
        yield copy
    finally:
        with psycopg.connect(admin_dsn(server), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def db(pg_server: DatabaseTarget) -> Iterator[DatabaseTarget]:
    """A fresh copy of the template database (sample data included) for this test alone."""
    with fresh_database(pg_server, TEMPLATE) as copy:
        yield copy


@pytest.fixture
def store(db: DatabaseTarget) -> Iterator[Store]:
    """The service role's store (sessions, runs, events) on this test's database."""
    engines = Engines(db, pool_size=4)
    try:
        yield Store(engines.service)
    finally:
        engines.dispose()


@pytest.fixture(scope="session")
def _model_server_process() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def model_server(_model_server_process: FakeModelServer) -> FakeModelServer:
    """The session's scripted model server, with an empty script and no recorded requests."""
    _model_server_process.reset()
    return _model_server_process


def cli_environment(target: DatabaseTarget, home: Path) -> dict[str, str]:
    """The settings an operator would give the `dash` CLI to use this test database."""
    env = {"DATABASE_URL": libpq_url(target.admin_url), "DASH_HOME": str(home)}
    for role in ("service", "analyst", "engineer"):
        env[f"DB_{role.upper()}_PASSWORD"] = getattr(target, role).password
    return env


@contextmanager
def cli_settings(target: DatabaseTarget, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point in-process CLI calls at `target` (through the environment, like an operator would)."""
    from core.settings import get_settings

    for key, value in cli_environment(target, home).items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()


def connect(target: DatabaseTarget, role: str, **kwargs: object) -> psycopg.Connection:
    """A raw psycopg connection as one of Dash's roles (admin, service, analyst, engineer)."""
    return psycopg.connect(conninfo(target.url_for(role)), **kwargs)  # type: ignore[arg-type]
