"""Limits on what callers send: the request body size, as pure ASGI middleware (too large is a
413 in the one error shape), and the per-user run limits of the surfaces that face people.

The body is read (up to the limit) before the app sees it, so a chunked upload without a
Content-Length is caught too; what was read is replayed to the app unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body
from core.settings import Settings
from db.store import RunLimits


def run_limits(settings: Settings) -> RunLimits:
    """The per-user limits REST and Slack apply when they start a run (counted in PostgreSQL, so
    they hold across replicas)."""
    return RunLimits(settings.user_max_active_runs, settings.user_questions_per_minute)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        messages = await self._read(receive)
        if messages is None:
            await self._refuse(send)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _read(self, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None once they add up to more than the limit."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if message["type"] != "http.request" or not message.get("more_body"):
                return messages

    async def _refuse(self, send: Send) -> None:
        body = error_body(
            "payload_too_large",
            f"The request body is larger than {self.max_bytes} bytes (MAX_BODY_BYTES).",
            {"max_bytes": self.max_bytes},
        )
        raw = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": raw})


def _replay(messages: list[Any], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
