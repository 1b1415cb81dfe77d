"""The bounded tool-calling loop every agent runs on.

Build messages, stream the model's reply, run the tools it asked for, append the results, repeat
until it answers or the turn limit is hit. Everything that happens is yielded as it happens: the
run events (agents/run_events.py) tagged with the agent, which the team hands on to the recorder
and every stream unchanged, and the loop's own (a retry, how it ended). The client, model, tools
and limits are passed in; nothing here is global.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.model import Backoff, ModelCallFailed, describe_error, failure, is_retryable, status_of
from agents.model_client import CHAT_PATH, ModelClient
from agents.model_errors import ModelHTTPError
from agents.run_events import (
    ContentDelta,
    ExitReason,
    LoopCancelled,
    LoopEvent,
    LoopFailed,
    LoopFinished,
    ModelCalled,
    ModelCallRetrying,
    ModelCallStarted,
    ToolFinished,
    ToolStarted,
    Usage,
)
from agents.tools.base import ToolOutcome, Toolset, parse_arguments
from agents.tools.sql import SQL_TOOL, statement_summary
from core.errors import DashError
from core.settings import Settings
from db import observe

logger = logging.getLogger(__name__)
PREVIEW_CHARS = 300  # of a tool's result, in the trace

__all__ = [  # the events are re-exported so consumers need one import
    "ContentDelta",
    "ExitReason",
    "LoopCancelled",
    "LoopEvent",
    "LoopFailed",
    "LoopFinished",
    "LoopLimits",
    "ModelCalled",
    "ModelCallRetrying",
    "ModelCallStarted",
    "ToolCall",
    "ToolFinished",
    "ToolStarted",
    "Usage",
    "initial_messages",
    "run_loop",
]

Message = dict[str, Any]

# Retry jitter needs no seed of its own per run (seeding reads the OS's entropy each time).
JITTER = random.Random()


@dataclass(frozen=True)
class LoopLimits:
    """How far one run may go: model calls (turns), attempts per call, and the wait between attempts."""

    max_turns: int = 12
    max_attempts: int = 4
    backoff: Backoff = field(default_factory=Backoff)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoopLimits:
        return cls(max_turns=settings.agent_max_turns, max_attempts=settings.model_max_retries + 1)


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text as the model sent it


@dataclass(frozen=True)
class _Reply:
    """One assistant message, assembled from a stream (internal: never yielded to consumers)."""

    content: str
    tool_calls: tuple[ToolCall, ...]
    usage: Usage | None

    def message(self) -> Message:
        message: Message = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


def initial_messages(instructions: str, question: str, history: Sequence[Message] = ()) -> list[Message]:
    """System instructions, earlier turns of the conversation, then the new question."""
    return [{"role": "system", "content": instructions}, *history, {"role": "user", "content": question}]


async def run_loop(
    client: ModelClient,
    *,
    model: str,
    messages: Sequence[Message],
    toolset: Toolset | None = None,
    limits: LoopLimits | None = None,
    rng: random.Random | None = None,
    agent: str = "agent",
) -> AsyncIterator[LoopEvent]:
    """Run the loop, yielding events; the last one is LoopFinished, LoopFailed or LoopCancelled.

    Never raises for model or tool trouble (LoopFailed / a tool error string the model reads). Cancelling the
    consuming task yields LoopCancelled and then re-raises CancelledError, as asyncio expects.
    """
    run = _Run(
        client,
        model,
        list(messages),
        toolset or Toolset(),
        limits or LoopLimits(),
        rng or JITTER,
        agent=agent,
    )
    try:
        async for event in run.turns():
            yield event
    except ModelCallFailed as exc:
        yield LoopFailed(exc, run.usage, run.turn, tuple(run.transcript))
    except Exception as exc:  # a malformed stream or our own bug: still end the run with an event
        logger.exception("agent loop stopped unexpectedly")
        error = DashError(f"The agent loop stopped unexpectedly: {type(exc).__name__}: {exc}")
        yield LoopFailed(error, run.usage, run.turn, tuple(run.transcript))
    except asyncio.CancelledError:
        yield LoopCancelled(run.usage, run.turn, tuple(run.transcript))
        raise


@dataclass
class _Run:
    client: ModelClient
    model: str
    transcript: list[Message]
    toolset: Toolset
    limits: LoopLimits
    rng: random.Random
    usage: Usage = field(default_factory=Usage)
    turn: int = 0
    agent: str = "agent"  # for metrics only (model calls by agent and model)

    async def turns(self) -> AsyncIterator[LoopEvent]:
        for turn in range(1, self.limits.max_turns + 1):
            self.turn, reply = turn, None
            async for event in self.call_model():
                if isinstance(event, _Reply):
                    reply = event
                else:
                    yield event
            assert reply is not None
            self.usage += reply.usage or Usage()
            self.transcript.append(reply.message())
            if not reply.tool_calls:
                yield LoopFinished(
                    reply.content, ExitReason.answered, self.usage, self.turn, tuple(self.transcript)
                )
                return
            if self.turn == self.limits.max_turns:
                break
            async for event in self.run_tools(reply.tool_calls):
                yield event
        self._refuse_calls(reply.tool_calls if reply else ())
        yield LoopFinished("", ExitReason.turn_limit, self.usage, self.turn, tuple(self.transcript))

    async def call_model(self) -> AsyncIterator[LoopEvent | _Reply]:
        """One model call with retries; ends with the assembled `_Reply` or raises ModelCallFailed."""
        for attempt in range(1, self.limits.max_attempts + 1):
            yield ModelCallStarted(self.turn, attempt, self.model)
            started = time.perf_counter()
            assembly = _Assembly(self.turn, started)
            try:
                async for delta in self._stream(assembly):
                    yield delta
            except ModelHTTPError as exc:
                self._observe("error", started)
                if not is_retryable(exc) or attempt == self.limits.max_attempts:
                    raise failure(exc, attempts=attempt, model=self.model) from exc
                observe.emit("model_retry", agent=self.agent, model=self.model)
                wait = self.limits.backoff.delay(attempt, exc, self.rng)
                yield ModelCallRetrying(
                    self.turn, attempt, describe_error(exc), status_of(exc), wait, _ms(started)
                )
                await asyncio.sleep(wait)
                continue
            self._observe("ok", started, assembly.usage)
            yield assembly.finished(self.agent, attempt, self.model)
            yield assembly.reply()
            return

    def _observe(self, outcome: str, started: float, usage: Usage | None = None) -> None:
        usage = usage or Usage()
        observe.emit(
            "model_call",
            agent=self.agent,
            model=self.model,
            outcome=outcome,
            seconds=time.perf_counter() - started,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )

    async def _stream(self, assembly: _Assembly) -> AsyncIterator[ContentDelta]:
        # Each chunk stays the JSON dict it arrived as: building SDK models for every chunk was
        # half of Dash's CPU per question, and the SDK's request path another third (model_http.py).
        stream = self.client.stream(CHAT_PATH, self._request())
        try:
            async for chunk in stream:
                if not isinstance(chunk, dict):
                    raise ValueError(
                        f"the model server sent a stream event that is not a JSON object: {chunk!r:.80}"
                    )
                if text := assembly.add(chunk):
                    yield ContentDelta(text, turn=self.turn)
        finally:
            await stream.aclose()  # a response not read to its end closes its connection

    def _request(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": self.transcript,
            "stream": True,
            "stream_options": {"include_usage": True},  # servers that ignore it are tolerated
        }
        tools = self.toolset.schemas()
        if tools:  # some servers reject an empty list
            body["tools"] = tools
        return body

    async def run_tools(self, calls: tuple[ToolCall, ...]) -> AsyncIterator[LoopEvent]:
        """Run the calls concurrently; report each as it ends; append results in the model's order."""
        for c in calls:
            yield ToolStarted(self.agent, c.name, _arguments(c.arguments), c.id, turn=self.turn)
        tasks = [asyncio.ensure_future(self._timed(c)) for c in calls]
        try:
            for next_done in asyncio.as_completed(tasks):
                call, outcome, duration = await next_done
                yield self._finished(call, outcome, duration)
        finally:
            for task in tasks:
                task.cancel()
        for c, task in zip(calls, tasks, strict=True):
            self.transcript.append({"role": "tool", "tool_call_id": c.id, "content": task.result()[1].text})

    def _finished(self, call: ToolCall, outcome: ToolOutcome, duration_ms: float) -> ToolFinished:
        # The trace shows what each statement did, from the value the tool returned (not re-parsed).
        statement = statement_summary(outcome.value) if call.name == SQL_TOOL else None
        preview = outcome.text[:PREVIEW_CHARS]
        return ToolFinished(
            self.agent,
            call.name,
            preview,
            outcome.error,
            int(duration_ms),
            call.id,
            statement,
            result=outcome.text,
            turn=self.turn,
        )

    async def _timed(self, call: ToolCall) -> tuple[ToolCall, ToolOutcome, float]:
        started = time.perf_counter()
        outcome = await self.toolset.run(call.name, call.arguments)
        return call, outcome, _ms(started)

    def _refuse_calls(self, calls: tuple[ToolCall, ...]) -> None:
        # Every tool call needs an answer, or the transcript can't be sent to a model again.
        note = f"Not run: this run reached its limit of {self.limits.max_turns} model turns."
        self.transcript += [{"role": "tool", "tool_call_id": c.id, "content": note} for c in calls]


class _Assembly:
    """Puts one streamed reply back together: text pieces, and tool calls keyed by their index."""

    def __init__(self, turn: int, started: float) -> None:
        self.turn, self.started = turn, started
        self.content: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.first_token_ms: float | None = None

    def add(self, chunk: dict[str, Any]) -> str:
        """Absorb one chunk (the JSON of one stream event); returns its text (empty when none)."""
        if chunk.get("usage"):  # some servers repeat a running total: the last one wins
            self.usage = Usage.of(chunk["usage"])
        if not chunk.get("choices"):
            return ""
        if self.first_token_ms is None:
            self.first_token_ms = _ms(self.started)
        choice = chunk["choices"][0]
        self.finish_reason = choice.get("finish_reason") or self.finish_reason
        delta = choice.get("delta") or {}
        for part in delta.get("tool_calls") or ():
            self._add_call(part)
        text: str = delta.get("content") or ""
        if text:
            self.content.append(text)
        return text

    def _add_call(self, part: dict[str, Any]) -> None:
        index = part.get("index")
        slot = self.calls.setdefault(len(self.calls) if index is None else index, {})
        function = part.get("function") or {}
        slot["id"] = slot.get("id") or part.get("id") or ""
        slot["name"] = slot.get("name") or function.get("name") or ""
        slot["arguments"] = slot.get("arguments", "") + (function.get("arguments") or "")

    def finished(self, agent: str, attempt: int, model: str) -> ModelCalled:
        usage = self.usage or Usage()
        return ModelCalled(
            agent,
            model,
            usage.prompt_tokens,
            usage.completion_tokens,
            int(_ms(self.started)),
            self.turn,
            attempt=attempt,
            first_token_ms=self.first_token_ms,
            finish_reason=self.finish_reason,
        )

    def reply(self) -> _Reply:
        calls = tuple(
            ToolCall(slot["id"] or f"call_{self.turn}_{index}", slot["name"], slot["arguments"])
            for index, slot in sorted(self.calls.items())
        )
        return _Reply("".join(self.content), calls, self.usage)


def _arguments(raw: str) -> dict[str, Any]:
    """The model's arguments as a dict for the trace; broken JSON is kept as text."""
    try:
        return parse_arguments(raw)
    except (ValueError, TypeError):
        return {"raw": raw}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
