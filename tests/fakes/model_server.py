"""A scripted OpenAI-compatible model server over real HTTP, for tests that must not call a real model.

Tests queue turns; each chat request takes the next one::

    with FakeModelServer() as server:
        server.script(tools(call("run_sql", {"sql": "SELECT 1"})), text("One."))
        settings = Settings(openai_base_url=server.base_url, ...)

Turns: `text(...)` (streamed in small chunks), `tools(call(...), ...)` (tool-call deltas with the
arguments split across chunks), `error(status, ...)`, `delay(seconds, then)` and `respond(fn)`
(fn gets the `RecordedRequest` and returns a turn). An empty script answers HTTP 400 so a test
that under-scripts fails loudly. `/v1/embeddings` returns deterministic unit vectors.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.model_turns import (
    Delay,
    HttpError,
    Reply,
    Respond,
    Turn,
    call,
    delay,
    error,
    respond,
    text,
    tools,
)

__all__ = ["FakeModelServer", "RecordedRequest", "call", "delay", "error", "respond", "text", "tools"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    client_port: int = 0  # the caller's TCP port: equal ports mean one reused connection

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.body.get("tools", [])]

    def tool_results(self) -> dict[str, str]:
        """{tool_call_id: content} of the tool messages sent in this request."""
        return {m["tool_call_id"]: m["content"] for m in self.messages if m.get("role") == "tool"}


@dataclass
class FakeModelServer:
    """The server; `start()`/`stop()` or use it as a context manager. Thread-safe script and records."""

    embedding_dim: int = 384
    send_usage: bool = True  # False plays a server that ignores stream_options.include_usage
    requests: list[RecordedRequest] = field(default_factory=list)
    _turns: deque[Turn] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL should be."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def pending(self) -> int:
        """Scripted turns not yet played."""
        return len(self._turns)

    def script(self, *turns: Turn) -> FakeModelServer:
        with self._lock:
            self._turns.extend(turns)
        return self

    def reset(self) -> None:
        """Forget the script and the recorded requests (between tests sharing one server)."""
        with self._lock:
            self._turns.clear()
            self.requests.clear()
        self.send_usage = True

    def start(self) -> FakeModelServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake model server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/embeddings", self._embeddings, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    async def _record(self, request: Request) -> RecordedRequest:
        port = request.client.port if request.client else 0
        recorded = RecordedRequest(request.url.path, dict(request.headers), await request.json(), port)
        with self._lock:
            self.requests.append(recorded)
        return recorded

    async def _chat(self, request: Request) -> Response:
        recorded = await self._record(request)
        with self._lock:
            turn = self._turns.popleft() if self._turns else None
        if turn is None:
            return error(400, "fake model server: no scripted turn left for this request").response()
        return await self._play(turn, recorded)

    async def _play(self, turn: Turn, recorded: RecordedRequest) -> Response:
        if isinstance(turn, Respond):
            return await self._play(turn.fn(recorded), recorded)
        if isinstance(turn, Delay):
            await asyncio.sleep(turn.seconds)
            return await self._play(turn.then, recorded)
        if isinstance(turn, HttpError):
            return turn.response()
        assert isinstance(turn, Reply), f"not a turn: {turn!r}"
        model = recorded.body.get("model", "fake-model")
        if not recorded.body.get("stream"):
            return JSONResponse(turn.completion(model, recorded.messages))
        wants_usage = bool((recorded.body.get("stream_options") or {}).get("include_usage"))
        chunks = turn.chunks(model, recorded.messages, usage=wants_usage and self.send_usage)
        return StreamingResponse(_sse(chunks, turn.chunk_delay), media_type="text/event-stream")

    async def _embeddings(self, request: Request) -> Response:
        recorded = await self._record(request)
        inputs = recorded.body["input"]
        inputs = [inputs] if isinstance(inputs, str) else inputs
        dim = recorded.body.get("dimensions") or self.embedding_dim
        as_base64 = recorded.body.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(fake_embedding(str(s), dim), as_base64)}
            for i, s in enumerate(inputs)
        ]
        tokens = sum(len(str(s).split()) for s in inputs)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return JSONResponse(
            {"object": "list", "data": data, "model": recorded.body.get("model"), "usage": usage}
        )

    async def _models(self, request: Request) -> Response:
        return JSONResponse(
            {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "t"}]}
        )


def fake_embedding(text_: str, dim: int) -> list[float]:
    """A deterministic unit vector per text: equal texts get equal vectors, different texts differ."""
    raw = b"".join(hashlib.sha256(f"{text_}|{i}".encode()).digest() for i in range(dim // 8 + 1))
    values = [b / 127.5 - 1.0 for b in raw[:dim]]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return [v / norm for v in values]


def _encode(vector: list[float], as_base64: bool) -> list[float] | str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode() if as_base64 else vector


async def _sse(chunks: list[dict[str, Any]], chunk_delay: float) -> Any:
    for chunk in chunks:
        yield f"data: {json.dumps(chunk)}\n\n"
        if chunk_delay:
            await asyncio.sleep(chunk_delay)
    yield "data: [DONE]\n\n"
