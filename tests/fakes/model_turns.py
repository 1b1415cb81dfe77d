"""The turns a `FakeModelServer` plays, and how a reply becomes OpenAI-shaped JSON or stream chunks.

Chunks follow the Chat Completions stream: a first chunk with the role, content in small pieces,
each tool call opened by a chunk carrying its index, id and name, then its arguments in fragments,
a chunk with the finish reason, and (when the client asked for usage) a last chunk with no choices
and the token counts.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse


@dataclass(frozen=True)
class ToolCallSpec:
    name: str
    arguments: str  # raw, so a test can send broken JSON
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")


@dataclass(frozen=True)
class Reply:
    """An assistant message: text, tool calls, or both."""

    content: str | None = None
    tool_calls: tuple[ToolCallSpec, ...] = ()
    chunk_size: int = 4
    chunk_delay: float = 0.0  # seconds between chunks: slow streams, mid-stream cancellation
    usage: dict[str, int] | None = None  # default: counted from the text sizes

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"

    def message(self) -> dict[str, Any]:
        calls = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in self.tool_calls
        ]
        return {"role": "assistant", "content": self.content, **({"tool_calls": calls} if calls else {})}

    def counted_usage(self, messages: list[dict[str, Any]]) -> dict[str, int]:
        if self.usage is not None:
            return self.usage
        prompt = max(1, len(json.dumps(messages)) // 4)
        completion = max(1, (len(self.content or "") + sum(len(c.arguments) for c in self.tool_calls)) // 4)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def completion(self, model: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The non-streaming `chat.completion` object."""
        choice = {
            "index": 0,
            "message": self.message(),
            "logprobs": None,
            "finish_reason": self.finish_reason,
        }
        return {
            **_envelope(model, "chat.completion"),
            "choices": [choice],
            "usage": self.counted_usage(messages),
        }

    def chunks(self, model: str, messages: list[dict[str, Any]], *, usage: bool) -> list[dict[str, Any]]:
        """The `chat.completion.chunk` objects of the streamed reply, in order."""
        envelope = {**_envelope(model, "chat.completion.chunk"), **({"usage": None} if usage else {})}
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        deltas += [{"content": piece} for piece in _pieces(self.content or "", self.chunk_size)]
        for index, spec in enumerate(self.tool_calls):
            opening = {"index": index, "id": spec.id, "type": "function"}
            deltas.append({"tool_calls": [{**opening, "function": {"name": spec.name, "arguments": ""}}]})
            for piece in _pieces(spec.arguments, self.chunk_size):
                deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        chunks = [_choice_chunk(envelope, delta, None) for delta in deltas]
        chunks.append(_choice_chunk(envelope, {}, self.finish_reason))
        if usage:
            chunks.append({**envelope, "choices": [], "usage": self.counted_usage(messages)})
        return chunks


@dataclass(frozen=True)
class HttpError:
    status: int
    message: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> JSONResponse:
        kind = (
            "rate_limit_exceeded"
            if self.status == 429
            else "server_error"
            if self.status >= 500
            else "invalid_request_error"
        )
        body = self.body or {"error": {"message": self.message, "type": kind, "param": None, "code": kind}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


@dataclass(frozen=True)
class Delay:
    seconds: float
    then: Turn


@dataclass(frozen=True)
class Respond:
    fn: Callable[[Any], Turn]  # gets the RecordedRequest


Turn = Reply | HttpError | Delay | Respond


def text(
    content: str, *, chunk_size: int = 4, chunk_delay: float = 0.0, usage: dict[str, int] | None = None
) -> Reply:
    """A final answer, streamed `chunk_size` characters at a time."""
    return Reply(content=content, chunk_size=chunk_size, chunk_delay=chunk_delay, usage=usage)


def call(name: str, arguments: dict[str, Any] | str | None = None, *, id: str | None = None) -> ToolCallSpec:
    """One tool call; `arguments` as a dict (sent as JSON) or a raw string (e.g. broken JSON)."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return ToolCallSpec(name, raw, id) if id else ToolCallSpec(name, raw)


def tools(
    *calls: ToolCallSpec, content: str | None = None, chunk_size: int = 4, chunk_delay: float = 0.0
) -> Reply:
    """A turn asking for one or more tool calls (parallel when several)."""
    return Reply(content=content, tool_calls=calls, chunk_size=chunk_size, chunk_delay=chunk_delay)


def error(
    status: int,
    message: str = "scripted failure",
    *,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> HttpError:
    """An HTTP error response, e.g. `error(429, headers={"Retry-After": "1"})`."""
    return HttpError(status, message, body, headers or {})


def delay(seconds: float, then: Turn) -> Delay:
    """Wait before playing `then` (longer than the client timeout to provoke a timeout)."""
    return Delay(seconds, then)


def respond(fn: Callable[[Any], Turn]) -> Respond:
    """Choose the turn from the request: `fn(recorded_request) -> Turn`; assert inside it as needed."""
    return Respond(fn)


def _pieces(value: str, size: int) -> list[str]:
    return [value[i : i + size] for i in range(0, len(value), size)]


def _envelope(model: str, kind: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": kind,
        "created": int(time.time()),
        "model": model,
    }


def _choice_chunk(envelope: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {**envelope, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
