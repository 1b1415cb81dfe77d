"""The Leader: talks to the user, delegates to the Analyst and Engineer, synthesises the answer.

It has no SQL or database tools at all: its tools are the two colleagues and `remember` (a fact
the user states about themselves, kept for that user only). Its context notes
questions that keep being asked (similar questions N times in M days, counted in run history by
db/store/similar_questions.py), so it can ask the Engineer to build a view for them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from agents import analyst, engineer
from agents.context import (
    Context,
    Request,
    Section,
    Sources,
    assemble,
    assemble_async,
    company,
    instructions,
    today_and_coverage,
    user_memory,
)
from agents.prompts import LEADER
from agents.run_events import Delegated
from agents.scope import RunScope
from agents.tools.memory import memory_tool
from db.aio import async_pool
from db.store.similar_questions import times_asked, times_asked_async

AGENT = "leader"


def leader_tools(scope: RunScope) -> list[Callable[..., Any]]:
    async def ask_analyst(question: str) -> str:
        """Ask the Analyst a data question; it searches knowledge, runs read-only SQL and answers.

        Args:
            question: One self-contained question, with any details from the conversation it needs.
        """
        scope.emit(Delegated(analyst.AGENT, question))
        return await analyst.ask_analyst(scope, question)

    async def ask_engineer(task: str, purpose: str) -> str:
        """Ask the Engineer to build or change a view or summary table in schema dash.

        Args:
            task: What to build, e.g. "a view of monthly revenue by product".
            purpose: Why: which questions it will answer (recorded with the object).
        """
        scope.emit(Delegated(engineer.AGENT, task))
        return await engineer.ask_engineer(scope, task, purpose)

    return [
        ask_analyst,
        ask_engineer,
        _rereading(scope, memory_tool(scope.deps.engines, scope.created_by(AGENT))),
    ]


def _rereading(scope: RunScope, remember: Callable[[str], str]) -> Callable[[str], str]:
    """`remember`, after which the run reads the user's memory again: the colleague asked next
    must see the fact just stated (the run reads memory once otherwise)."""

    @functools.wraps(remember)
    def remember_tool(fact: str) -> str:
        try:
            return remember(fact)
        finally:
            scope.reads.memory = None

    return remember_tool


def repeated_questions(sources: Sources, request: Request) -> Section | None:
    """A note when similar questions were answered at least N times in the last M days (all users)."""
    settings = sources.settings
    window = timedelta(days=settings.repeat_question_window_days)
    count = (
        sources.asked if sources.asked is not None else times_asked(sources.service, request.question, window)
    )
    if count < settings.repeat_question_min_count:
        return None
    note = (
        f"This question (or one very like it) was answered {count} times in the last "
        f"{settings.repeat_question_window_days} days. If answering it needs a heavy query, ask the "
        "engineer (ask_engineer) to build a view in dash for it first, then have the analyst use it."
    )
    return Section("Repeated question", note)


def leader_context(sources: Sources, request: Request) -> Context:
    return assemble(sources, request, LEADER_STEPS)


async def leader_context_async(sources: Sources, request: Request) -> Context:
    """The Leader's context for a run: `leader_context` with its reads on the asyncio pool."""
    window = timedelta(days=sources.settings.repeat_question_window_days)
    async with async_pool(sources.service).connection() as conn:
        asked = await times_asked_async(conn, request.question, window)
    return await assemble_async(replace(sources, asked=asked), request, LEADER_STEPS)


LEADER_STEPS = (instructions, company, user_memory, today_and_coverage, repeated_questions)


def leader_request(question: str, user_id: str, history: list[tuple[str, str]]) -> Request:
    return Request(question, user_id, LEADER, tuple(history))
