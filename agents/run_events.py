"""The one set of events a run is told in: what the agent loop yields, what the recorder stores,
what REST (SSE), MCP, Slack, the scheduler and `dash ask` receive.

Each run event is a small frozen dataclass with a `type` string. `to_payload()` gives the JSON
stored in `ai.run_events` and sent over SSE (the wire format: clients read it, so it does not
change); `event_from_payload(type, payload)` rebuilds the event when a stream is replayed. A
field marked `local()` travels in memory only (the loop's turn, a tool's full result): never
stored, never sent.

The loop yields these run events as they happen, tagged with its agent, plus a few of its own
that no stream carries (`LoopEvent`): a model call starting or being retried, and how the loop
ended (`LoopFinished`, `LoopFailed`, `LoopCancelled`, with its transcript and usage).
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from core.errors import DashError

E = TypeVar("E", bound="RunEvent")
LOCAL = {"wire": False}


def local(default: Any) -> Any:
    """A field kept in memory only: left out of the stored and streamed payload and of equality."""
    return field(default=default, compare=False, metadata=LOCAL)


@dataclass(frozen=True)
class RunEvent:
    # `type` names the event on the wire; inside these classes the builtin is `builtins.type`.
    type: ClassVar[str] = ""

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready dict of the event's fields (without `type`)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in _wire_fields(type(self))}

    @classmethod
    def from_payload(cls: builtins.type[E], payload: Mapping[str, Any]) -> E:
        """Rebuild the event; unknown keys (from a newer version) are ignored."""
        names = {f.name for f in _wire_fields(cls)}
        values = {k: v for k, v in payload.items() if k in names}
        if "sql" in values:
            values["sql"] = tuple(values["sql"])
        return cls(**values)

    @property
    def terminal(self) -> bool:
        """True for the events that end a run (completed, failed, cancelled)."""
        return False


@dataclass(frozen=True)
class RunStarted(RunEvent):
    type: ClassVar[str] = "run_started"
    run_id: str = ""
    session_id: str = ""


@dataclass(frozen=True)
class Delegated(RunEvent):
    """The Leader handed a task to another agent."""

    type: ClassVar[str] = "delegated"
    agent: str
    task: str


@dataclass(frozen=True)
class ModelCalled(RunEvent):
    """One model call of an agent ended: tokens and latency, for the run's trace."""

    type: ClassVar[str] = "model_called"
    agent: str
    model: str = ""
    prompt_tokens: int = 0  # zero when the server reported no usage
    completion_tokens: int = 0
    latency_ms: int = 0  # request sent -> stream ended
    turn: int = 0
    attempt: int = local(1)
    first_token_ms: float | None = local(None)
    finish_reason: str | None = local(None)


@dataclass(frozen=True)
class ToolStarted(RunEvent):
    type: ClassVar[str] = "tool_started"
    agent: str
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)  # broken JSON from the model: {"raw": text}
    call_id: str = ""
    turn: int = local(0)


@dataclass(frozen=True)
class ToolFinished(RunEvent):
    """A tool returned (or failed: `error` set). `result_preview` is short; the full `result` (what
    the model reads) is not stored."""

    type: ClassVar[str] = "tool_finished"
    agent: str
    tool: str
    result_preview: str = ""
    error: str | None = None
    duration_ms: int = 0
    call_id: str = ""
    # run_sql only: {"decision": "allowed"|"refused", "rows": n, "error": text|None, "chart": kind}
    statement: dict[str, Any] | None = None
    result: str = local("")
    turn: int = local(0)


@dataclass(frozen=True)
class ContentDelta(RunEvent):
    """A chunk of the answer as the model streams it; the chunks concatenate to the answer."""

    type: ClassVar[str] = "content_delta"
    text: str
    turn: int = local(0)


@dataclass(frozen=True)
class RunCompleted(RunEvent):
    """The final answer, every SQL statement that ran, and token usage.

    `result` is the latest result table ({columns, rows, truncated}) and `chart` its Vega-Lite spec
    (agents/charts.py), both None when no statement returned rows or the rows are not chartable.
    """

    type: ClassVar[str] = "run_completed"
    answer: str
    sql: tuple[str, ...] = ()
    usage: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    chart: dict[str, Any] | None = None

    @property
    def terminal(self) -> bool:
        return True


@dataclass(frozen=True)
class RunFailed(RunEvent):
    """The run failed; `retryable` says whether asking again may work (e.g. the model was busy)."""

    type: ClassVar[str] = "run_failed"
    error: str
    retryable: bool = False

    @property
    def terminal(self) -> bool:
        return True


@dataclass(frozen=True)
class RunCancelled(RunEvent):
    type: ClassVar[str] = "run_cancelled"
    reason: str = ""

    @property
    def terminal(self) -> bool:
        return True


EVENT_TYPES: dict[str, type[RunEvent]] = {
    cls.type: cls
    for cls in (
        RunStarted,
        Delegated,
        ModelCalled,
        ToolStarted,
        ToolFinished,
        ContentDelta,
        RunCompleted,
        RunFailed,
        RunCancelled,
    )
}


TERMINAL_TYPES = frozenset(cls.type for cls in (RunCompleted, RunFailed, RunCancelled))


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored: `id` is the SSE id a client resumes after, `payload` the stored JSON.

    The recorder hands these to the live stream with the event it stored (`known`); an event
    read back from the store is rebuilt from its payload only when a consumer asks for it.
    """

    id: int
    run_id: str
    type: str
    payload: Mapping[str, Any]
    known: RunEvent | None = field(default=None, compare=False, repr=False)

    @property
    def event(self) -> RunEvent:
        return self.known if self.known is not None else event_from_payload(self.type, self.payload)

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_TYPES


def event_from_payload(type_: str, payload: Mapping[str, Any]) -> RunEvent:
    """The event stored as (`type_`, `payload`); ValueError for a type this version does not know."""
    cls = EVENT_TYPES.get(type_)
    if cls is None:
        raise ValueError(f"Unknown run event type {type_!r}; known: {', '.join(sorted(EVENT_TYPES))}.")
    return cls.from_payload(payload)


class ExitReason(StrEnum):
    answered = "answered"  # the model replied without asking for tools
    turn_limit = "turn_limit"  # it still wanted tools after the last allowed model call


@dataclass(frozen=True)
class Usage:
    """Token counts; zero when the server did not report them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
        )

    @classmethod
    def of(cls, usage: Mapping[str, Any]) -> Usage:
        """From a chunk's `usage` object (fields may be missing on non-OpenAI servers)."""
        prompt = usage.get("prompt_tokens") or 0
        completion = usage.get("completion_tokens") or 0
        return cls(prompt, completion, usage.get("total_tokens") or prompt + completion)


@dataclass(frozen=True)
class ModelCallStarted:
    """The loop's own: attempt `attempt` of the model call of `turn` was sent."""

    turn: int
    attempt: int
    model: str


@dataclass(frozen=True)
class ModelCallRetrying:
    """The loop's own: attempt `attempt` failed with `error`; it waits `delay_s` and tries again.
    Answer text streamed by the failed attempt is superseded by the next one."""

    turn: int
    attempt: int
    error: str
    status: int | None
    delay_s: float
    latency_ms: float


@dataclass(frozen=True)
class LoopFinished:
    """The loop's own end: the model answered (or the turn limit was hit)."""

    answer: str
    reason: ExitReason
    usage: Usage  # summed over all model calls
    turns: int
    messages: tuple[dict[str, Any], ...]  # the whole transcript, for session history


@dataclass(frozen=True)
class LoopFailed:
    error: DashError  # ModelCallFailed for model trouble; its message says what to do
    usage: Usage
    turns: int
    messages: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class LoopCancelled:
    usage: Usage
    turns: int
    messages: tuple[dict[str, Any], ...]


# What `run_loop` yields; it always ends with exactly one of LoopFinished, LoopFailed, LoopCancelled.
LoopEvent = (
    ModelCallStarted
    | ModelCallRetrying
    | ModelCalled
    | ContentDelta
    | ToolStarted
    | ToolFinished
    | LoopFinished
    | LoopFailed
    | LoopCancelled
)


def _wire_fields(cls: builtins.type[RunEvent]) -> tuple[dataclasses.Field[Any], ...]:
    found = _WIRE_FIELDS.get(cls)
    if found is None:  # once per class: every stored event asks
        found = _WIRE_FIELDS[cls] = tuple(f for f in dataclasses.fields(cls) if f.metadata.get("wire", True))
    return found


_WIRE_FIELDS: dict[builtins.type[RunEvent], tuple[dataclasses.Field[Any], ...]] = {}


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
