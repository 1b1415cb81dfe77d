"""Server-sent events: each stored run event as `id:`/`event:`/`data:`, keep-alive comments between.

Events that arrive together (a follower that fell behind, a replay) go out as one write."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

from agents.live import EventSource, StreamCut, batches
from agents.run_events import StoredEvent
from app import metrics
from db.engines import database_unreachable

log = logging.getLogger(__name__)

KEEPALIVE = b": keep-alive\n\n"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# For the OpenAPI document: what a streaming response looks like.
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A `text/event-stream` of typed run events; the last one ends the run. A stream"
        " that cannot get there ends with an `error` event (no id) saying why and how to resume.",
        "content": {
            "text/event-stream": {
                "schema": {"type": "string"},
                "example": 'id: 41\nevent: run_started\ndata: {"type": "run_started", "run_id": "…"}\n\n'
                'id: 42\nevent: content_delta\ndata: {"type": "content_delta", "text": "Revenue was"}\n\n'
                'id: 43\nevent: run_completed\ndata: {"type": "run_completed", "answer": "Revenue was $1.2M",'
                ' "sql": ["SELECT …"], "usage": {"total_tokens": 812}}\n\n',
            }
        },
    }
}


def event_json(record: StoredEvent) -> dict[str, Any]:
    return {"type": record.type, "id": record.id, "run_id": record.run_id, **record.payload}


def encode(record: StoredEvent) -> bytes:
    data = json.dumps(event_json(record), separators=(",", ":"), default=str)
    return f"id: {record.id}\nevent: {record.type}\ndata: {data}\n\n".encode()


RESUME = (
    " What was stored is kept: follow GET /v1/runs/{run_id}/events with Last-Event-ID set to the"
    " last id you received."
)
STOPPED = {
    "database_unavailable": "The stream stopped before the run ended: the database is not reachable."
    + RESUME,
    "stream_interrupted": "The stream stopped before the run ended: its events could not be read or"
    " stored." + RESUME,
    "run_deleted": "The run's session was deleted while it ran: the run was cancelled and its events"
    " are gone.",
}


def stopped(run_id: str, code: str) -> bytes:
    """A last `error` event, without an id: resuming from the last real id is unaffected."""
    data = {"type": "error", "code": code, "run_id": run_id, "message": STOPPED[code].format(run_id=run_id)}
    return f"event: error\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def stream_bytes(source: EventSource, after: int, keepalive_s: float) -> AsyncIterator[bytes]:
    """The run's events after `after`, to its final one (nothing when `after` is at or past it);
    a stream that cannot get there ends with an `error` event saying why and, when it can be,
    how to pick the run up again, rather than just stopping."""
    try:
        async for batch in batches(source, after, keepalive_s):
            yield b"".join(map(encode, batch)) if batch else KEEPALIVE
    except StreamCut as cut:
        yield stopped(source.run_id, cut.code)
    except Exception as exc:
        down = database_unreachable(exc)
        if not down:
            log.exception("the event stream of run %s failed", source.run_id)
        yield stopped(source.run_id, "database_unavailable" if down else "stream_interrupted")


def event_stream(source: EventSource, after: int, keepalive_s: float) -> StreamingResponse:
    """The response following `source` from event id `after` to the end of the run."""
    return StreamingResponse(
        metrics.streamed(stream_bytes(source, after, keepalive_s)),
        media_type="text/event-stream",
        headers=HEADERS,
    )
