"""The three scheduled tasks. Each takes the schedule and returns a `TaskResult`; raising fails the run.

Each also gets the acting user (who made this run happen, see `ScheduleRun.acting_user`): the
statements a task submits are audited with it, next to the user they run as.

`knowledge_refresh` re-profiles the tables and reloads the knowledge files, `ask` puts a question to the agent team as a
given user, `sql_check` runs a guarded analyst query and alerts when its condition holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agents import run_events as rev
from agents.runner import Runner, RunRequest
from agents.scope import Deps
from app.scheduling.delivery import Deliverer
from app.scheduling.payloads import AskPayload, SqlCheckPayload, condition_holds
from core.settings import Settings
from db.embeddings import Embedder, make_embedder
from db.engines import Engines
from db.knowledge.coverage import refresh_summary
from db.knowledge.curation import curate, describe_action
from db.knowledge.loader import load_knowledge
from db.knowledge.profile import ProfileOptions
from db.knowledge.profile_store import refresh_profiles
from db.sql_exec import SqlContext, SqlLimits, run_sql
from db.store import SessionRecord, Store
from db.store.schedule_records import Schedule


class TaskFailed(Exception):
    """The task could not do its job; the message is recorded as the run's error."""


@dataclass(frozen=True)
class Draft:
    """A report to store (and post to `channel` when a deliverer is configured)."""

    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None


@dataclass(frozen=True)
class TaskResult:
    output: dict[str, Any]
    report: Draft | None = None


@dataclass
class TaskEnv:
    """What tasks need; built once per scheduler (lifespan or CLI)."""

    settings: Settings
    engines: Engines
    store: Store
    deliverer: Deliverer | None = None
    _runner: Runner | None = None  # the service's (its runs can be cancelled over REST); else our own
    _embedder: Embedder | None = None

    def embedder(self) -> Embedder:
        if self._embedder is None:  # built on first use: the local model costs time and memory
            self._embedder = self._runner.deps.embedder if self._runner else make_embedder(self.settings)
        return self._embedder

    def runner(self) -> Runner:
        if self._runner is None:
            self._runner = Runner(Deps(self.settings, self.engines, self.store, self.embedder()))
        return self._runner


async def knowledge_refresh(env: TaskEnv, schedule: Schedule, acting_user: str | None) -> TaskResult:
    """Measure the tables again (ai.table_profiles), then reload the files: documents carry the new profiles."""
    path = env.settings.knowledge_path
    options = ProfileOptions.from_settings(env.settings)
    profiles = await asyncio.to_thread(refresh_profiles, env.engines.analyst, env.engines.service, options)
    report = await asyncio.to_thread(load_knowledge, env.engines.service, env.embedder(), path)
    coverage = await asyncio.to_thread(refresh_summary, env.engines)
    failed = [p.name for p in profiles if p.error]
    output = {"path": str(path), "summary": report.summary(), "profiled": len(profiles) - len(failed)}
    output["coverage"] = coverage
    return TaskResult(output | ({"profile_failures": failed} if failed else {}))


async def learning_curation(env: TaskEnv, schedule: Schedule, acting_user: str | None) -> TaskResult:
    """Curate the learnings (db.knowledge.curation); the report lists each action and how to undo it."""
    days = env.settings.learning_archive_after_days
    report = await asyncio.to_thread(curate, env.engines.service, archive_after_days=days)
    output = {
        "report_id": report.id,
        "merged": report.merged,
        "flagged": report.flagged,
        "archived": report.archived,
    }
    lines = [report.summary() + "."] + [describe_action(a) for a in report.actions]
    lines.append("Undo any of them with `dash learnings restore ID`.")
    return TaskResult(output, Draft("Learning curation", "\n".join(lines), {"actions": report.actions}))


async def ask_question(env: TaskEnv, schedule: Schedule, acting_user: str | None) -> TaskResult:
    payload = AskPayload.model_validate(schedule.payload)
    session = await asyncio.to_thread(_session_for, env, schedule, payload, acting_user)
    final: rev.RunEvent | None = None
    run_id = None
    request = RunRequest(payload.user_id, payload.question, session.id, "schedule", acting_user=acting_user)
    async for event in env.runner().run(request):
        final = event
        if isinstance(event, rev.RunStarted):
            run_id = event.run_id
    if isinstance(final, rev.RunCancelled):
        raise TaskFailed(f"the run {run_id} was cancelled: {final.reason}")
    if not isinstance(final, rev.RunCompleted):
        raise TaskFailed(f"the run did not complete: {getattr(final, 'error', None) or final}")
    data = {"question": payload.question, "sql": list(final.sql), "usage": final.usage, "chart": final.chart}
    output = {"answer": final.answer, "run_id": run_id, "user_id": payload.user_id}
    return TaskResult(output, Draft(schedule.name, final.answer, data, payload.channel))


def _session_for(
    env: TaskEnv, schedule: Schedule, payload: AskPayload, acting_user: str | None
) -> SessionRecord:
    """A new session of the user, saying which schedule asked in their name and on whose word."""
    metadata = {"schedule": schedule.name, "asked_by": acting_user}
    title = payload.question.strip()[:80] or None
    return env.store.create_or_get_session(payload.user_id, None, title, metadata)


async def sql_check(env: TaskEnv, schedule: Schedule, acting_user: str | None) -> TaskResult:
    check = SqlCheckPayload.model_validate(schedule.payload)
    context = SqlContext(user_id=f"schedule:{schedule.name}", acting_user=acting_user)
    value = await asyncio.to_thread(_first_value, env, context, check)
    try:
        alert = condition_holds(value, check.op, check.threshold)
    except ValueError as exc:
        raise TaskFailed(str(exc)) from None
    output = {"value": value, "alert": alert, "condition": f"{check.op} {check.threshold:g}"}
    if not alert:
        return TaskResult(output)
    body = f"{check.message}: {check.column or 'value'} = {value} ({check.op} {check.threshold:g})"
    return TaskResult(output, Draft(f"Alert: {schedule.name}", body, output, check.channel))


def _first_value(env: TaskEnv, context: SqlContext, check: SqlCheckPayload) -> Any:
    result = run_sql(
        env.engines,
        "analyst",
        check.sql,
        context=context,
        limits=SqlLimits.from_settings(env.settings, "analyst"),
    )
    if not result.ok:
        raise TaskFailed(f"the query failed: {result.reason or result.error}")
    if not result.rows:
        return None
    column = check.column or result.columns[0]
    if column not in result.columns:
        raise TaskFailed(f"the query has no column {column!r} (it has {', '.join(result.columns)})")
    return result.rows[0][result.columns.index(column)]


TaskFn = Callable[[TaskEnv, Schedule, str | None], Awaitable[TaskResult]]
TASKS: dict[str, TaskFn] = {
    "knowledge_refresh": knowledge_refresh,
    "ask": ask_question,
    "sql_check": sql_check,
    "learning_curation": learning_curation,
}
