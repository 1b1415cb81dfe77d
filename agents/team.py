"""The run API: `ask()` is how REST, Slack, the scheduler and `dash ask` put a question to the team.

    async for event in ask(deps, user_id, "What were sales last month?", session_id=None):
        ...  # RunStarted, Delegated, ToolStarted/ToolFinished, ContentDelta, then one terminal event

The run is recorded by a `RunRecorder`, so it always ends completed, failed or cancelled. The
Leader's loop runs in its own task and every agent puts its events on one queue, so progress of a
delegated Analyst shows while the Leader's tool call is still running. No database connection is
held while a model thinks: every store and SQL call is its own short transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import cast

from agents import run_events as rev
from agents.leader import AGENT, leader_context_async, leader_request, leader_tools
from agents.loop import LoopEvent, LoopFailed, LoopFinished, LoopLimits, initial_messages, run_loop
from agents.model import ModelCallFailed, create_model_client
from agents.model_client import ModelClient
from agents.questions import check_question
from agents.runs import Listener, RunRecorder
from agents.scope import Deps, RunScope
from db import log_context
from db.store import NO_LIMITS, RunLimits

__all__ = ["Deps", "ask"]

log = logging.getLogger(__name__)

STOPPED_READING = "The caller stopped reading the run."


async def ask(
    deps: Deps,
    user_id: str,
    question: str,
    session_id: str | None = None,
    *,
    limits: RunLimits = NO_LIMITS,
    acting_user: str | None = None,
    listener: Listener | None = None,
) -> AsyncIterator[rev.RunEvent]:
    """Answer `question` in the user's session (new when None), yielding the run's events.

    `acting_user` names who asks on the user's behalf (an admin's schedule): the audit trail
    records it with every statement the run submits. `listener` is told of each event once it
    is stored, with its id (the live stream of `agents.runner`).

    Raises before any session or run is created: QuestionRefused (empty, a NUL character, longer
    than QUESTION_MAX_CHARS), ModelNotConfigured (naming the settings), TooManyRequests (the
    user reached `limits`; the surfaces that face people pass them), SessionTaken.
    """
    check_question(question, deps.settings.question_max_chars)
    client = deps.client or create_model_client(deps.settings)
    try:
        async with RunRecorder(
            deps.store, user_id, session_id, question, limits=limits, listener=listener
        ) as rec:
            assert rec.run is not None
            log_context.bind(run_id=rec.run_id, session_id=rec.run.session_id, user_id=user_id)
            log.info("run started")  # never the question: it may hold anything
            yield rev.RunStarted(rec.run_id, rec.run.session_id)
            scope_args = (deps, client, user_id, rec.run.session_id, rec.run_id)
            try:
                async for event in _events(scope_args, question, acting_user):
                    await rec.emit(event)
                    if event.terminal:
                        log.info("run ended: %s", event.type)
                    yield event
            except GeneratorExit:
                await rec.emit(rev.RunCancelled(STOPPED_READING))
                raise
    finally:
        if deps.client is None:
            await client.close()


async def _events(
    scope_args: tuple[Deps, ModelClient, str, str, str], question: str, acting_user: str | None
) -> AsyncIterator[rev.RunEvent]:
    """Drive the Leader in a task and hand out every agent's events until the terminal one."""
    queue: asyncio.Queue[rev.RunEvent] = asyncio.Queue()
    scope = RunScope(*scope_args, emit=queue.put_nowait, acting_user=acting_user)
    task = asyncio.create_task(_drive(scope, question))
    try:
        while True:
            event = await queue.get()
            yield event
            if event.terminal:
                return
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _drive(scope: RunScope, question: str) -> None:
    try:
        scope.emit(await _lead(scope, question))
    except Exception as exc:  # our own failure still ends the run with a readable event
        scope.emit(rev.RunFailed(f"{type(exc).__name__}: {exc}"))


async def _lead(scope: RunScope, question: str) -> rev.RunEvent:
    """Run the Leader to its end; returns the terminal run event."""
    deps = scope.deps
    history = await deps.store.session_history_async(scope.user_id, scope.session_id)
    request = leader_request(question, scope.user_id, history)
    context = await leader_context_async(scope.sources(), request)
    # A generator (not just an iterator): it must be closed when we stop early.
    loop = cast(
        AsyncGenerator[LoopEvent, None],
        run_loop(
            scope.client,
            model=deps.settings.model_for(AGENT),
            messages=initial_messages(context.system, question, context.history),
            toolset=scope.toolset(leader_tools(scope)),
            limits=LoopLimits.from_settings(deps.settings),
            agent=AGENT,
        ),
    )
    async with contextlib.aclosing(loop):
        async for event in loop:
            if scope.failure is not None:  # a specialist's model failed: the run cannot go on
                return _failed(scope.failure)
            if isinstance(event, rev.ContentDelta | rev.ModelCalled):  # its tools show as `delegated`
                scope.emit(event)
            elif isinstance(event, LoopFinished):
                return _completed(scope, event)
            elif isinstance(event, LoopFailed):
                return _failed(event.error)
    return rev.RunFailed("The leader stopped without an answer.")


def _completed(scope: RunScope, event: LoopFinished) -> rev.RunEvent:
    scope.usage += event.usage
    answer = event.answer or "I could not finish this answer within the turn limit; please ask again."
    table = scope.ledger.last_table()
    return rev.RunCompleted(
        answer,
        scope.ledger.statements(),
        dataclasses.asdict(scope.usage),
        result=table.as_dict() if table else None,
        chart=table.chart if table else None,
    )


def _failed(error: Exception) -> rev.RunEvent:
    status = error.status if isinstance(error, ModelCallFailed) else 0
    retryable = isinstance(error, ModelCallFailed) and (status is None or status == 429 or status >= 500)
    return rev.RunFailed(getattr(error, "message", str(error)), retryable=retryable)
