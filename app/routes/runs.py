"""`/v1/runs`: read a run, ask it to stop, and follow its events (replay, then live)."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from app.deps import RunnerDep, SettingsDep, StoreDep, Viewer
from app.routes.models import RunOut, documented_errors
from app.sse import SSE_RESPONSE, event_stream
from core.errors import InvalidInput
from db.store import RunNotFound

router = APIRouter(prefix="/v1/runs", tags=["runs"])
MAX_ID = 2**63 - 1
EVENT_ID = re.compile(r"[0-9]{1,19}")
NOT_FOUND = documented_errors(e404="No such run for this caller (someone else's looks the same).")


@router.get("/{run_id}", summary="Read a run: status, answer, usage", responses=NOT_FOUND)
async def read_run(principal: Viewer, store: StoreDep, run_id: str) -> RunOut:
    run = await asyncio.to_thread(store.get_run, principal.user_id, run_id)
    if run is None:
        raise RunNotFound(run_id)
    return RunOut.of(run)


@router.post(
    "/{run_id}/cancel",
    status_code=202,
    summary="Ask a running run to stop (a finished run is returned unchanged)",
    responses=NOT_FOUND,
)
async def cancel_run(principal: Viewer, store: StoreDep, runner: RunnerDep, run_id: str) -> RunOut:
    run = await asyncio.to_thread(store.request_cancel, principal.user_id, run_id)
    if run is None:
        raise RunNotFound(run_id)
    if not run.finished:
        runner.cancel(run_id)  # at once when this process drives it; otherwise at its next heartbeat
    return RunOut.of(run)


@router.get(
    "/{run_id}/events",
    summary="Stream the run's events: replay after an id, then follow until the run ends",
    response_class=StreamingResponse,
    responses={**SSE_RESPONSE, **NOT_FOUND},
)
async def run_events(
    principal: Viewer,
    store: StoreDep,
    runner: RunnerDep,
    settings: SettingsDep,
    run_id: str,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Only events with a larger id")] = None,
    last_event_id: Annotated[str | None, Header(description="Set by EventSource on reconnect")] = None,
) -> StreamingResponse:
    if await asyncio.to_thread(store.get_run, principal.user_id, run_id) is None:
        raise RunNotFound(run_id)
    start = after if after is not None else resume_point(last_event_id)
    return event_stream(runner.source(principal.user_id, run_id), start, settings.sse_keepalive_s)


def resume_point(last_event_id: str | None) -> int:
    """The event id to resume after: `Last-Event-ID` when given, else 0 (from the start)."""
    value = (last_event_id or "").strip()
    if not value:
        return 0
    # ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
    if not EVENT_ID.fullmatch(value) or int(value) > MAX_ID:
        raise InvalidInput(
            "Last-Event-ID must be the id of an event from this stream.",
            detail={"fields": [{"field": "header.last-event-id", "message": "not an event id"}]},
        )
    return int(value)
