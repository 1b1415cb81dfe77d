"""The typed events of the run API: what REST (SSE), Slack, the scheduler and `dash ask` receive.

Each event is a small frozen dataclass with a `type` string. `to_payload()` gives the JSON stored
in `ai.run_events` and sent over SSE; `event_from_payload(type, payload)` rebuilds the event when
a stream is replayed. The vocabulary is independent of the model loop, whose own events are
translated into these.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

E = TypeVar("E", bound="RunEvent")


@dataclass(frozen=True)
class RunEvent:
    # `type` names the event on the wire; inside these classes the builtin is `builtins.type`.
    type: ClassVar[str] = ""

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready dict of the event's fields (without `type`)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_payload(cls: builtins.type[E], payload: Mapping[str, Any]) -> E:
        """Rebuild the event; unknown keys (from a newer version) are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
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
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    turn: int = 0


@dataclass(frozen=True)
class ToolStarted(RunEvent):
    type: ClassVar[str] = "tool_started"
    agent: str
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = ""


@dataclass(frozen=True)
class ToolFinished(RunEvent):
    """A tool returned (or failed: `error` set). `result_preview` is short; the full result is not kept."""

    type: ClassVar[str] = "tool_finished"
    agent: str
    tool: str
    result_preview: str = ""
    error: str | None = None
    duration_ms: int = 0
    call_id: str = ""
    # run_sql only: {"decision": "allowed"|"refused", "rows": n, "error": text|None, "chart": kind}
    statement: dict[str, Any] | None = None


@dataclass(frozen=True)
class ContentDelta(RunEvent):
    """A chunk of the answer as the model streams it; the chunks concatenate to the answer."""

    type: ClassVar[str] = "content_delta"
    text: str


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


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
