"""Response models shared by the session and run routes (what /docs shows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from db.store import EventRecord, MessageRecord, RunRecord, SessionRecord

Responses = dict[int | str, dict[str, Any]]


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["Session 'abc' does not exist."])
    detail: dict[str, Any] | list[Any] = Field(examples=[{"session_id": "abc"}])


class ErrorOut(BaseModel):
    """Every failure, whatever its status, has this shape."""

    error: ErrorBody


def documented_errors(**descriptions: str) -> Responses:
    """OpenAPI entries for error statuses (`e404="..."`), each with the one error shape."""
    return {int(k[1:]): {"model": ErrorOut, "description": v} for k, v in descriptions.items()}


COMMON_ERRORS = documented_errors(
    e401="Missing, malformed, expired or revoked credentials.",
    e403="Your role does not allow this.",
    e413="The request body is larger than MAX_BODY_BYTES.",
    e422="A field is invalid; the message names it.",
    e500="Dash failed unexpectedly.",
    e503="The database is not reachable right now (`database_unavailable`; see Retry-After).",
)


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(examples=["6f1c2a9e-4d3b-4a53-9f0e-2b8f7c1d5e10"])
    session_id: str
    status: str = Field(examples=["completed"], description="queued, running, completed, failed, …")
    question: str = Field(examples=["What was revenue last month?"])
    answer: str | None = Field(examples=["Revenue in October was $1.24M."])
    error: str | None
    usage: dict[str, Any] = Field(examples=[{"total_tokens": 812}])
    latency_ms: int | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, run: RunRecord) -> RunOut:
        return cls.model_validate(run)


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Use as `after` / `Last-Event-ID` to resume after this event.")
    seq: int
    type: str = Field(examples=["tool_started"])
    payload: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, event: EventRecord) -> EventOut:
        return cls.model_validate(event)


class RunTrace(RunOut):
    events: list[EventOut] = Field(description="The run's full stored trace, in order.")


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str | None = Field(examples=["What was revenue last month?"])
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any]

    @classmethod
    def of(cls, session: SessionRecord) -> SessionOut:
        return cls.model_validate(session)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: str | None
    role: str = Field(examples=["assistant"])
    content: str
    created_at: datetime

    @classmethod
    def of(cls, message: MessageRecord) -> MessageOut:
        return cls.model_validate(message)


class SessionPage(BaseModel):
    items: list[SessionOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: no more.")


class SessionDetail(SessionOut):
    messages: list[MessageOut] = Field(description="The question and answer of each completed run below.")
    runs: list[RunTrace] = Field(description="The page's runs, oldest first, each with its full trace.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the earlier runs; null: no more.")
