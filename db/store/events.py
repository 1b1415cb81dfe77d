"""The stored trace of a run: an ordered, append-only list of typed events.

Event ids come from one sequence, so they increase across runs and serve as the SSE `id`; a
client that reconnects with `Last-Event-ID` asks for `events_after(user, run, id)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, select

from db.store.records import EventRecord, from_row
from db.store.run_writes import append_write, appended, run_sync
from db.store.tables import run_events, runs

MAX_REPLAY = 1000


class EventStore:
    engine: Engine

    def append_event(self, run_id: str, type_: str, payload: Mapping[str, Any]) -> int:
        """Store one event of the run in its own short transaction; returns the event id.
        (The recorder stores its batches with `run_writes.append_events`, the same SQL.)"""
        with self.engine.begin() as conn:
            return appended(run_id, run_sync(conn, append_write(run_id, [(type_, payload)])))[0]

    def events_after(
        self, user_id: str, run_id: str, after_id: int = 0, limit: int = MAX_REPLAY
    ) -> list[EventRecord] | None:
        """The user's run's events with id > `after_id`, in order, at most `limit`.

        None when the run does not exist or belongs to someone else (the caller answers 404).
        """
        owner = select(runs.c.id).where(runs.c.id == run_id, runs.c.user_id == user_id)
        query = (
            select(run_events)
            .where(run_events.c.run_id == run_id, run_events.c.id > after_id)
            .order_by(run_events.c.id)
            .limit(max(1, min(limit, MAX_REPLAY)))
        )
        with self.engine.connect() as conn:
            if conn.execute(owner).first() is None:
                return None
            return [from_row(EventRecord, row) for row in conn.execute(query)]

    def events_of_runs(self, user_id: str, run_ids: list[str]) -> dict[str, list[EventRecord]]:
        """Every stored event of the user's runs `run_ids`, by run, in order (one query)."""
        query = (
            select(run_events)
            .join(runs, runs.c.id == run_events.c.run_id)
            .where(run_events.c.run_id.in_(run_ids), runs.c.user_id == user_id)
            .order_by(run_events.c.id)
        )
        found: dict[str, list[EventRecord]] = {run_id: [] for run_id in run_ids}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found[row.run_id].append(from_row(EventRecord, row))
        return found
