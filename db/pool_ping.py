"""Check a pooled connection before use only when there is reason to doubt it.

SQLAlchemy's `pool_pre_ping` sends a query (`;`) on every checkout: a round trip per store call
(50 per question, measured). A connection the server closed — restart, `pg_terminate_backend`,
idle timeout — has a readable socket on our side (the server's FATAL message, then EOF), and a
healthy idle one has nothing to read; so we look at the socket (no round trip) and ping only when
something arrived, or when the connection sat idle long enough for a network path to have died
silently. A failed ping makes the pool replace the connection, as pre-ping does.
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

IDLE_PING_S = 30.0


def ping_when_in_doubt(engine: Engine, idle_s: float = IDLE_PING_S) -> None:
    """Install the checks on `engine` (built with `pool_pre_ping=False`)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if not in_doubt(dbapi_connection, record.info.get("idle_from"), idle_s):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"the pooled connection is gone: {exc}") from exc


def in_doubt(dbapi_connection: Any, idle_from: float | None, idle_s: float) -> bool:
    """Ping this connection? Not if it is fresh (never checked in) and nothing waits on its socket."""
    if idle_from is not None and time.monotonic() - idle_from > idle_s:
        return True
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # closed on our side already
        return True
    return bool(readable)
