"""Server-sent events: each stored run event as `id:`/`event:`/`data:`, keep-alive comments between."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

from app.live import EventSource, follow
from db.store import EventRecord

KEEPALIVE = b": keep-alive\n\n"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# For the OpenAPI document: what a streaming response looks like.
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A `text/event-stream` of typed run events; the last one ends the run.",
        "content": {
            "text/event-stream": {
                "schema": {"type": "string"},
                "example": 'id: 41\nevent: run_started\ndata: {"type": "run_started", "run_id": "…"}\n\n'
                'id: 42\nevent: content_delta\ndata: {"type": "content_delta", "text": "MRR is"}\n\n'
                'id: 43\nevent: run_completed\ndata: {"type": "run_completed", "answer": "MRR is $1.2M",'
                ' "sql": ["SELECT …"], "usage": {"total_tokens": 812}}\n\n',
            }
        },
    }
}


def event_json(record: EventRecord) -> dict[str, Any]:
    return {"type": record.type, "id": record.id, "run_id": record.run_id, **record.payload}


def encode(record: EventRecord) -> bytes:
    data = json.dumps(event_json(record), separators=(",", ":"), default=str)
    return f"id: {record.id}\nevent: {record.type}\ndata: {data}\n\n".encode()


async def stream_bytes(source: EventSource, after: int, keepalive_s: float) -> AsyncIterator[bytes]:
    async for record in follow(source, after, keepalive_s):
        yield KEEPALIVE if record is None else encode(record)


def event_stream(source: EventSource, after: int, keepalive_s: float) -> StreamingResponse:
    """The response following `source` from event id `after` to the end of the run."""
    return StreamingResponse(
        stream_bytes(source, after, keepalive_s), media_type="text/event-stream", headers=HEADERS
    )
