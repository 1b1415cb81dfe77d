"""What the store hands back: small frozen records, a page of results, and the store's errors."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Row

from core.errors import Conflict, InvalidInput, NotFound

ACTIVE = ("queued", "running")
TERMINAL = ("completed", "failed", "interrupted", "cancelled")

T = TypeVar("T")


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str
    title: str | None
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageRecord:
    id: int
    session_id: str
    run_id: str | None
    role: str
    content: str
    created_at: datetime


@dataclass(frozen=True)
class RunRecord:
    id: str
    session_id: str
    user_id: str
    status: str
    question: str
    answer: str | None
    error: str | None
    usage: dict[str, Any]
    latency_ms: int | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class EventRecord:
    """One stored event. `id` increases across all runs and is the SSE event id."""

    id: int
    run_id: str
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Transition:
    """Whether a status change happened (truthy), the id of the final event stored with it and
    the ids of the events stored just before it in the same transaction."""

    changed: bool
    event_id: int | None = None
    before_ids: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return self.changed


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; pass `next_cursor` back to get the next one (None: no more)."""

    items: list[T]
    next_cursor: str | None


def from_row(cls: type[T], row: Row[Any]) -> T:
    """Build a record from a row, taking only the columns the record declares."""
    values = row._mapping
    return cls(**{name: values[name] for name in cls.__dataclass_fields__})  # type: ignore[attr-defined]


def encode_cursor(updated_at: datetime, session_id: str) -> str:
    raw = json.dumps([updated_at.isoformat(), session_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor points at; InvalidInput when it was not made by `encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, session_id = json.loads(raw)
        return datetime.fromisoformat(stamp), str(session_id)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            "The cursor is not valid. Pass back the next_cursor of a previous page unchanged."
        ) from exc


class SessionTaken(Conflict):
    """The session id a caller chose is already used by another user."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Session id {session_id!r} is already used by another user. "
            "Choose a different session id, or leave it empty to get a new one.",
            detail={"session_id": session_id},
        )


class SessionNotFound(NotFound):
    """No such session for this user (someone else's session looks exactly the same)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"Session {session_id!r} does not exist.", detail={"session_id": session_id})


class RunNotFound(NotFound):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"Run {run_id!r} does not exist.", detail={"run_id": run_id})
