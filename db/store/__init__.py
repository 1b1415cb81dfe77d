"""The repository over Dash's `ai` conversation tables: sessions, messages, runs and run events.

`Store(engines.service)` is built once in the app lifespan and handed down. Every read and
delete is scoped by user: another user's session or run looks exactly like a missing one (None
or False), which the REST layer turns into a 404. Each method is one short transaction.
"""

from __future__ import annotations

from sqlalchemy import Engine

from db.store.events import EventStore
from db.store.limits import NO_LIMITS, RunLimits
from db.store.records import (
    EventRecord,
    MessageRecord,
    Page,
    RunNotFound,
    RunRecord,
    SessionNotFound,
    SessionRecord,
    SessionTaken,
    Transition,
)
from db.store.runs import INTERRUPTED_ERROR, FinalEvent, RunStore
from db.store.sessions import SessionStore

__all__ = [
    "INTERRUPTED_ERROR",
    "EventRecord",
    "FinalEvent",
    "MessageRecord",
    "NO_LIMITS",
    "Page",
    "RunNotFound",
    "RunLimits",
    "RunRecord",
    "SessionNotFound",
    "SessionRecord",
    "SessionTaken",
    "Store",
    "Transition",
]


class Store(SessionStore, RunStore, EventStore):
    """Sessions, runs and events on the service engine (the only role that can read `ai`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
