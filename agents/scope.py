"""What one run shares between its agents: dependencies, who asked, the SQL ledger, usage, events.

`Deps` is built once (app lifespan, CLI, benchmark) and shared by every run; `RunScope` lives for
one run. `run_specialist` runs the Analyst's or Engineer's loop inside a Leader tool call and
hands its tool and model-call events (already tagged with the agent) to the run's stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents import run_events as rev
from agents.context import RunReads, Sources
from agents.loop import LoopCancelled, LoopEvent, LoopFailed, LoopFinished, LoopLimits, Usage, run_loop
from agents.model_client import ModelClient
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

# What a specialist's run shows in the run's trace: its tools and model calls, not its own answer
# text (the Leader writes the answer).
FORWARDED = (rev.ModelCalled, rev.ToolStarted, rev.ToolFinished)
Message = dict[str, Any]


@dataclass(frozen=True)
class Deps:
    """Everything a run needs. `client` is shared when given; otherwise each run builds its own."""

    settings: Settings
    engines: Engines
    store: Store
    embedder: Embedder
    client: ModelClient | None = None
    # Told of each new proposal (the Slack review message); called from the tool's worker thread.
    on_proposed: Callable[[Proposal], None] | None = None


@dataclass
class RunScope:
    deps: Deps
    client: ModelClient
    user_id: str
    session_id: str
    run_id: str
    emit: Callable[[rev.RunEvent], None]
    ledger: SqlLedger = field(default_factory=SqlLedger)
    usage: Usage = field(default_factory=Usage)
    failure: DashError | None = None  # a specialist's model failure: the whole run fails
    acting_user: str | None = None  # who put the question as `user_id` (an admin's schedule)
    reads: RunReads = field(default_factory=RunReads)  # what its agents' contexts read once

    @property
    def sql_context(self) -> SqlContext:
        return SqlContext(self.user_id, self.session_id, self.run_id, self.acting_user)

    def sql_limits(self, role: str) -> SqlLimits:
        return SqlLimits.from_settings(self.deps.settings, role)

    def created_by(self, agent: str) -> CreatedBy:
        return CreatedBy(agent=agent, user=self.user_id, run=self.run_id)

    def sources(self) -> Sources:
        return Sources(self.deps.engines.service, self.deps.embedder, self.deps.settings, run=self.reads)

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
        if isinstance(event, FORWARDED):
            scope.emit(event)
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
