"""A database for evals: DATABASE_URL when set, otherwise a throwaway embedded server under /tmp."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from core.settings import Settings
from db.bootstrap import admin_dsn, bootstrap
from db.embedded import EmbeddedPostgres
from db.engines import DatabaseTarget, resolve_target, with_database


@contextmanager
def eval_database() -> Iterator[DatabaseTarget]:
    """A fresh, bootstrapped database that is dropped (and its server destroyed) afterwards."""
    if os.environ.get("DATABASE_URL"):
        with _scratch_database(resolve_target(Settings())) as target:
            yield target
        return
    # World-traversable: the server runs as `nobody` when evals run as root.
    home = Path(tempfile.mkdtemp(prefix="dash-eval-", dir="/tmp"))
    os.chmod(home, 0o755)
    server = EmbeddedPostgres(home, fast_unsafe=True)
    try:
        server.ensure_started()
        settings = Settings(_env_file=None, dash_home=home, database_url=None)  # type: ignore[call-arg]
        with _scratch_database(resolve_target(settings)) as target:
            yield target
    finally:
        server.destroy()


@contextmanager
def _scratch_database(server: DatabaseTarget) -> Iterator[DatabaseTarget]:
    name = f"eval_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn(server), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    target = with_database(server, name)
    try:
        bootstrap(target)
        yield target
    finally:
        with psycopg.connect(admin_dsn(server), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
