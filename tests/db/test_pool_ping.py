"""A pooled connection is checked before use when in doubt: a dead one is never handed out."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from db.engines import DatabaseTarget, Engines, conninfo


@pytest.fixture
def engines(db: DatabaseTarget) -> Iterator[Engines]:
    built = Engines(db, pool_size=1)
    yield built
    built.dispose()


def backend_pid(engines: Engines) -> int:
    with engines.service.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_the_server_closed_is_replaced_before_use(db: DatabaseTarget, engines: Engines) -> None:
    first = backend_pid(engines)
    with psycopg.connect(conninfo(db.admin_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (first,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not go away"
            time.sleep(0.05)
    assert backend_pid(engines) != first  # no error: the pool noticed and connected again
