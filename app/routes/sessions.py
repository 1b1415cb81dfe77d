"""`/v1/sessions`: the caller's sessions: list (paged), read with messages and full trace, delete."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import RunnerDep, StoreDep, Viewer
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
from db.store import EventRecord, RunRecord, SessionNotFound, Store

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
    page = await store.list_sessions_async(principal.user_id, limit, cursor)
    return SessionPage(items=[SessionOut.of(s) for s in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{session_id}",
    summary="Read a session: its latest runs with their messages and events; page back for earlier ones",
    responses=NOT_FOUND,
)
async def read_session(
    principal: Viewer,
    store: StoreDep,
    session_id: str,
    limit: Annotated[int, Query(ge=1, le=100, description="Most runs in this page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page: earlier runs")
    ] = None,
) -> SessionDetail:
    return await asyncio.to_thread(session_detail, store, principal.user_id, session_id, limit, cursor)


@router.delete(
    "/{session_id}",
    status_code=204,
    summary="Delete a session with its runs and events (runs still answering are cancelled)",
    responses=NOT_FOUND,
)
async def delete_session(principal: Viewer, store: StoreDep, runner: RunnerDep, session_id: str) -> Response:
    running = await asyncio.to_thread(store.active_runs, principal.user_id, session_id)
    if not await asyncio.to_thread(store.delete_session, principal.user_id, session_id):
        raise SessionNotFound(session_id)
    for run_id in running:  # at once here; a replica driving one stops at its next heartbeat
        runner.cancel(run_id)
    return Response(status_code=204)


def session_detail(
    store: Store, user_id: str, session_id: str, limit: int, cursor: str | None
) -> SessionDetail:
    """One page of the session: its latest `limit` runs before `cursor`, oldest first, with the
    messages they left and their full traces."""
    session = store.get_session(user_id, session_id)
    if session is None:
        raise SessionNotFound(session_id)
    page = store.runs_page(user_id, session_id, limit, cursor)
    ids = [run.id for run in page.items]
    messages = [MessageOut.of(m) for m in store.messages_of_runs(user_id, ids)]
    traces = store.events_of_runs(user_id, ids)
    runs = [run_trace(run, traces[run.id]) for run in page.items]
    return SessionDetail(
        **SessionOut.of(session).model_dump(), messages=messages, runs=runs, next_cursor=page.next_cursor
    )


def run_trace(run: RunRecord, events: list[EventRecord]) -> RunTrace:
    return RunTrace(**RunOut.of(run).model_dump(), events=[EventOut.of(e) for e in events])
