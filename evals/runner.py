"""Put one eval question to the team through the run API and keep what graders need: a `Trace`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from agents import run_events as rev
from agents.team import Deps, ask

EVAL_USER = "eval-user"


@dataclass
class Trace:
    """Everything one run showed: answer, SQL that ran, who was delegated to, tools, usage, time."""

    question: str
    events: list[rev.RunEvent] = field(default_factory=list)
    latency_ms: float = 0.0

    @property
    def run_id(self) -> str:
        started = [e for e in self.events if isinstance(e, rev.RunStarted)]
        return started[0].run_id if started else ""

    @property
    def completed(self) -> rev.RunCompleted | None:
        done = [e for e in self.events if isinstance(e, rev.RunCompleted)]
        return done[0] if done else None

    @property
    def answer(self) -> str:
        return self.completed.answer if self.completed else ""

    @property
    def sql(self) -> tuple[str, ...]:
        return self.completed.sql if self.completed else ()

    @property
    def failure(self) -> str | None:
        """Why the run did not complete, or None when it did."""
        if self.completed:
            return None
        ends = [e for e in self.events if e.terminal]
        return f"run ended with {ends[-1].to_payload()}" if ends else "run never ended"

    @property
    def delegated(self) -> list[str]:
        return [e.agent for e in self.events if isinstance(e, rev.Delegated)]

    @property
    def tool_outputs(self) -> list[str]:
        """Every tool's arguments and result preview, as text (for leak checks)."""
        out = [str(e.arguments) for e in self.events if isinstance(e, rev.ToolStarted)]
        finished = [e for e in self.events if isinstance(e, rev.ToolFinished)]
        return out + [f"{e.result_preview} {e.error or ''}" for e in finished]

    @property
    def tokens(self) -> dict[str, int]:
        usage: dict[str, Any] = self.completed.usage if self.completed else {}
        return {k: int(usage.get(k) or 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


def run_question(deps: Deps, question: str, user: str = EVAL_USER, session: str | None = None) -> Trace:
    """Ask `question` as `user` and collect the whole run."""
    trace = Trace(question)

    async def main() -> None:
        async for event in ask(deps, user, question, session):
            trace.events.append(event)

    start = time.perf_counter()
    asyncio.run(main())
    trace.latency_ms = (time.perf_counter() - start) * 1000
    return trace
