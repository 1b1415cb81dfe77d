"""The audit row of a statement is stored before the statement runs, so a crash mid-statement
still leaves it behind (each audit write is its own one-statement transaction)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from db.bootstrap import bootstrap
from db.engines import DatabaseTarget, Engines
from db.sql_exec import SqlContext, run_sql
from tests.conftest import connect

SLOW = "SELECT count(*) FROM generate_series(1, 3000000) a CROSS JOIN generate_series(1, 3) b"


@pytest.fixture
def engines(db: DatabaseTarget) -> Iterator[Engines]:
    bootstrap(db)
    made = Engines(db, pool_size=1)
    yield made
    made.dispose()


def _audit_rows(db: DatabaseTarget) -> list[tuple[object, ...]]:
    with connect(db, "service") as conn:
        return conn.execute("SELECT sql, finished_at IS NOT NULL, row_count FROM ai.sql_audit").fetchall()


def test_the_audit_row_is_there_while_the_statement_runs_and_completed_after(
    engines: Engines, db: DatabaseTarget
) -> None:
    who = SqlContext(user_id="u-1", session_id="s-1", run_id="r-1")
    worker = threading.Thread(target=run_sql, args=(engines, "analyst", SLOW), kwargs={"context": who})
    worker.start()
    seen: list[tuple[object, ...]] = []
    while worker.is_alive() and not seen:
        seen = _audit_rows(db)
        time.sleep(0.01)
    worker.join(60)
    assert seen == [(SLOW, False, None)]  # committed before the statement finished
    assert _audit_rows(db) == [(SLOW, True, 1)]
