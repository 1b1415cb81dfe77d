"""`/v1/sessions`: the caller's sessions: list (paged), read with messages and full trace, delete."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import StoreDep, Viewer
from app.routes.models import (
    EventOut,
    MessageOut,
    RunOut,
    RunTrace,
    SessionDetail,
    SessionOut,
    SessionPage,
    documented_errors,
)
from db.store import RunRecord, SessionNotFound, Store

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])
NOT_FOUND = documented_errors(e404="No such session for this caller (someone else's looks the same).")


@router.get("", summary="List your sessions, most recently active first")
async def list_sessions(
    principal: Viewer,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
) -> SessionPage:
    page = await asyncio.to_thread(store.list_sessions, principal.user_id, limit, cursor)
    return SessionPage(items=[SessionOut.of(s) for s in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{session_id}", summary="Read a session: messages, runs and every run's events", responses=NOT_FOUND
)
async def read_session(principal: Viewer, store: StoreDep, session_id: str) -> SessionDetail:
    return await asyncio.to_thread(session_detail, store, principal.user_id, session_id)


@router.delete(
    "/{session_id}", status_code=204, summary="Delete a session with its runs and events", responses=NOT_FOUND
)
async def delete_session(principal: Viewer, store: StoreDep, session_id: str) -> Response:
    if not await asyncio.to_thread(store.delete_session, principal.user_id, session_id):
        raise SessionNotFound(session_id)
    return Response(status_code=204)


def session_detail(store: Store, user_id: str, session_id: str) -> SessionDetail:
    session = store.get_session(user_id, session_id)
    if session is None:
        raise SessionNotFound(session_id)
    messages = [MessageOut.of(m) for m in store.list_messages(user_id, session_id)]
    runs = [run_trace(store, user_id, run) for run in store.list_runs(user_id, session_id)]
    return SessionDetail(**SessionOut.of(session).model_dump(), messages=messages, runs=runs)


def run_trace(store: Store, user_id: str, run: RunRecord) -> RunTrace:
    """The run with all its stored events (paged through the store's replay limit)."""
    events, after = [], 0
    while batch := store.events_after(user_id, run.id, after):
        events += [EventOut.of(e) for e in batch]
        after = batch[-1].id
    return RunTrace(**RunOut.of(run).model_dump(), events=events)
