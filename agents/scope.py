"""What one run shares between its agents: dependencies, who asked, the SQL ledger, usage, events.

`Deps` is built once (app lifespan, CLI, benchmark) and shared by every run; `RunScope` lives for
one run. `run_specialist` runs the Analyst's or Engineer's loop inside a Leader tool call and
forwards its tool events to the run's stream, tagged with the agent's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai

from agents import run_events as rev
from agents.context import Sources
from agents.loop import (
    LoopCancelled,
    LoopEvent,
    LoopFailed,
    LoopFinished,
    LoopLimits,
    ModelCallFinished,
    ToolFinished,
    ToolStarted,
    Usage,
    run_loop,
)
from agents.tools.base import Toolset
from agents.tools.sql import SqlLedger
from core.errors import DashError
from core.settings import Settings
from db.embeddings import Embedder
from db.engines import Engines
from db.knowledge.learnings import CreatedBy
from db.knowledge.proposals import Proposal
from db.sql_exec import SqlContext, SqlLimits
from db.store import Store

PREVIEW_CHARS = 300
_HEAD_FIELD = re.compile(r'"(chart|row_count|truncated)": ("[a-z]+"|\d+|true|false)')
Message = dict[str, Any]


@dataclass(frozen=True)
class Deps:
    """Everything a run needs. `client` is shared when given; otherwise each run builds its own."""

    settings: Settings
    engines: Engines
    store: Store
    embedder: Embedder
    client: openai.AsyncOpenAI | None = None
    # Told of each new proposal (the Slack review message); called from the tool's worker thread.
    on_proposed: Callable[[Proposal], None] | None = None


@dataclass
class RunScope:
    deps: Deps
    client: openai.AsyncOpenAI
    user_id: str
    session_id: str
    run_id: str
    emit: Callable[[rev.RunEvent], None]
    ledger: SqlLedger = field(default_factory=SqlLedger)
    usage: Usage = field(default_factory=Usage)
    failure: DashError | None = None  # a specialist's model failure: the whole run fails
    acting_user: str | None = None  # who put the question as `user_id` (an admin's schedule)

    @property
    def sql_context(self) -> SqlContext:
        return SqlContext(self.user_id, self.session_id, self.run_id, self.acting_user)

    def sql_limits(self, role: str) -> SqlLimits:
        return SqlLimits.from_settings(self.deps.settings, role)

    def created_by(self, agent: str) -> CreatedBy:
        return CreatedBy(agent=agent, user=self.user_id, run=self.run_id)

    def sources(self) -> Sources:
        return Sources(self.deps.engines.service, self.deps.embedder, self.deps.settings)

    def toolset(self, tools: Sequence[Callable[..., Any]]) -> Toolset:
        return Toolset(tools, max_result_chars=self.deps.settings.tool_result_max_chars)


async def run_specialist(scope: RunScope, agent: str, messages: list[Message], toolset: Toolset) -> str:
    """Run one specialist to its answer; its model failure is recorded on the scope and reported."""
    settings = scope.deps.settings
    loop = run_loop(
        scope.client,
        model=settings.model_for(agent),
        messages=messages,
        toolset=toolset,
        limits=LoopLimits.from_settings(settings),
        agent=agent,
    )
    answer = f"The {agent} stopped without an answer."
    async for event in loop:
        forwarded = tool_event(agent, event)
        if forwarded is not None:
            scope.emit(forwarded)
        elif isinstance(event, LoopFinished | LoopFailed | LoopCancelled):
            scope.usage += event.usage
            answer = _ending(scope, agent, event) or answer
    return answer


def _ending(scope: RunScope, agent: str, event: LoopEvent) -> str | None:
    if isinstance(event, LoopFailed):
        scope.failure = scope.failure or event.error
        return f"Error: the {agent} could not finish: {event.error.message}"
    if isinstance(event, LoopFinished) and event.answer:
        return event.answer
    return None


def tool_event(agent: str, event: LoopEvent) -> rev.RunEvent | None:
    """A loop's tool or model-call event as a run event tagged with the agent; None for other events."""
    if isinstance(event, ModelCallFinished):
        return model_called(agent, event)
    if isinstance(event, ToolStarted):
        return rev.ToolStarted(agent, event.name, parse_arguments(event.arguments), event.call_id)
    if isinstance(event, ToolFinished):
        preview = event.result[:PREVIEW_CHARS]
        return rev.ToolFinished(
            agent,
            event.name,
            preview,
            event.error,
            int(event.duration_ms),
            event.call_id,
            sql_outcome(event.result) if event.name == "run_sql" else None,
        )
    return None


def parse_arguments(raw: str) -> dict[str, Any]:
    """The model's arguments as a dict for the trace; broken JSON is kept as text."""
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return {"raw": raw}
    return value if isinstance(value, dict) else {"raw": raw}


def model_called(agent: str, event: ModelCallFinished) -> rev.ModelCalled:
    """The trace's record of one model call (zero tokens when the server sent no usage)."""
    usage = event.usage or Usage()
    return rev.ModelCalled(
        agent, event.model, usage.prompt_tokens, usage.completion_tokens, int(event.latency_ms), event.turn
    )


def sql_outcome(result: str) -> dict[str, Any] | None:
    """What the trace shows of one run_sql call, read from the tool's JSON result (None: not JSON)."""
    try:
        data = json.loads(result)
    except json.JSONDecodeError:  # a long result was cut: its counts come first (agents/tools/sql.py)
        data = {k: json.loads(v) for k, v in _HEAD_FIELD.findall(result[:200])}
    if not isinstance(data, dict):
        return None
    decision = "refused" if "refused" in data else "allowed"
    error = data.get("refused") or data.get("error")
    return {"decision": decision, "rows": data.get("row_count"), "error": error, "chart": data.get("chart")}
