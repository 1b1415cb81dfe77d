"""The MCP tools: ask, search_knowledge, run_sql, list_sessions, get_run.

Each acts as the authenticated caller with the same role rule as the matching REST route, and
goes through the same code: the `Runner` for questions, hybrid search, `db.sql_exec.run_sql`
(guard, analyst role, read-only transaction, limits, audit) for SQL, the store for sessions/runs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import FastAPI
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from agents.live import EventSource, follow
from agents.run_events import StoredEvent
from agents.runner import Runner, RunRequest
from agents.scope import Deps
from app.auth import Principal, Role
from app.errors import error_body
from app.mcp.access import caller, tool_errors
from app.mcp.models import Answer, Hit, SqlOutcome, Table, as_table
from app.routes.models import RunTrace, SessionOut, SessionPage
from app.routes.sessions import run_trace
from core.errors import Conflict, InvalidInput, UpstreamError
from db.audit import AuditError
from db.knowledge.problems import KINDS
from db.knowledge.search import search
from db.sql_exec import SqlContext, SqlLimits, SqlResult, run_sql
from db.store import RunNotFound


def progress_message(record: StoredEvent) -> str | None:
    """A short line for a progress notification (never the answer text, never rows)."""
    p = record.payload
    if record.type == "delegated":
        return f"{p.get('agent', 'an agent')} is working on it"
    if record.type == "tool_started":
        return f"{p.get('agent', 'agent')}: {p.get('tool', 'tool')}"
    return "writing the answer" if record.type == "content_delta" else None


def table_of(result: dict[str, Any] | None) -> Table | None:
    """The run's latest result as recorded in `run_completed` (the rows the agent read, not re-run)."""
    if not result:
        return None
    rows = [list(row) for row in result.get("rows", [])]
    columns = list(result.get("columns", []))
    return Table(columns=columns, rows=rows, row_count=len(rows), truncated=bool(result.get("truncated")))


def completed(run_id: str, session_id: str, final: StoredEvent | None) -> Answer:
    """The answer of a finished run, with the table its last query returned; a failed or cancelled run is an error, as over REST."""
    if final is not None and final.type == "run_completed":
        p = final.payload
        return Answer(
            run_id=run_id,
            session_id=session_id,
            answer=p.get("answer", ""),
            sql=list(p.get("sql", [])),
            table=table_of(p.get("result")),
            usage=p.get("usage", {}),
        )
    detail = {"run_id": run_id, "session_id": session_id}
    if final is not None and final.type == "run_cancelled":
        raise Conflict("The run was cancelled before it finished.", detail=detail)
    payload = final.payload if final is not None and final.type == "run_failed" else {}
    raise UpstreamError(str(payload.get("error") or "The run ended without an answer."), detail=detail)


class DashTools:
    """The tools, bound to the app whose lifespan built the engines, store, runner and team."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    @property
    def deps(self) -> Deps:
        return self.app.state.deps  # type: ignore[no-any-return]

    @property
    def runner(self) -> Runner:
        return self.app.state.runner  # type: ignore[no-any-return]

    async def ask(
        self,
        question: Annotated[
            str, Field(min_length=1, description="A question in plain English (at most QUESTION_MAX_CHARS).")
        ],
        ctx: Context,
        session_id: Annotated[
            str | None,
            Field(max_length=200, description="Continue this session of yours; omit to start one."),
        ] = None,
    ) -> Answer:
        """Ask Dash a question about the company's data. The team writes and runs read-only SQL and
        explains the numbers. Sends progress notifications while it works; returns the answer, the
        SQL that ran and the rows of the last query. Takes seconds to a minute."""
        principal = caller(ctx)
        with tool_errors():
            live = await self.runner.start(RunRequest(principal.user_id, question, session_id, "mcp"))
            final = await self._follow(ctx, live)
            return completed(live.run_id, live.session_id, final)

    async def _follow(self, ctx: Context, live: EventSource) -> StoredEvent | None:
        final, step, last = None, 0, None
        async for record in follow(live, 0, self.deps.settings.sse_keepalive_s):
            final = record or final
            message = progress_message(record) if record is not None else None
            if message is not None and message != last:
                step, last = step + 1, message
                await ctx.report_progress(step, None, message)
        return final

    async def search_knowledge(
        self,
        query: Annotated[str, Field(min_length=1, max_length=1000, description="What to look for.")],
        ctx: Context,
        kinds: Annotated[
            list[str] | None, Field(description=f"Only these kinds: {', '.join(KINDS)}. Omit for all.")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=100, description="Most hits to return.")] = 10,
    ) -> list[Hit]:
        """Search Dash's knowledge (table descriptions, metrics, business rules, validated queries,
        documents) and your learnings, exactly as the agents do: full text and vectors, fused.
        Needs the analyst role."""
        principal = caller(ctx, Role.analyst)
        unknown = [k for k in kinds or [] if k not in KINDS]
        with tool_errors():
            if unknown:
                raise InvalidInput(f"Unknown kind(s) {', '.join(unknown)}; use {', '.join(KINDS)}.")
            hits = await asyncio.to_thread(
                search,
                self.deps.engines.service,
                self.deps.embedder,
                query,
                kinds=kinds,
                user_id=principal.user_id,
                limit=limit,
                ef_search=self.deps.settings.search_ef_search,
            )
        return [Hit(**h.__dict__) for h in hits]

    async def run_sql(
        self,
        sql: Annotated[
            str, Field(min_length=1, max_length=100_000, description="One read-only SQL statement.")
        ],
        ctx: Context,
    ) -> SqlOutcome:
        """Run one read-only SQL statement as the Analyst: the same guard, database role, READ ONLY
        transaction, timeouts and row cap, recorded in the audit log under your user. Statements
        that write, or touch Dash's own `ai` schema, are refused. Needs the analyst role."""
        principal = caller(ctx, Role.analyst)
        result = await asyncio.to_thread(self._run, principal, sql, SqlContext(user_id=principal.user_id))
        if result.decision == "refused":
            raise ToolError(_error("sql_refused", f"Refused: {result.reason}", {"reason": result.reason}))
        if result.error is not None:
            raise ToolError(_error("sql_failed", result.error, {"error": result.error}))
        return SqlOutcome(**as_table(result).model_dump(), duration_ms=result.duration_ms)

    def _run(self, principal: Principal, sql: str, context: SqlContext) -> SqlResult:
        limits = SqlLimits.from_settings(self.deps.settings, "analyst")
        try:
            return run_sql(self.deps.engines, "analyst", sql, context=context, limits=limits)
        except AuditError as exc:
            raise ToolError(_error("audit_unavailable", str(exc))) from exc

    async def list_sessions(
        self,
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=200, description="Most sessions to return.")] = 20,
        cursor: Annotated[
            str | None, Field(max_length=500, description="next_cursor of the previous page.")
        ] = None,
    ) -> SessionPage:
        """List your sessions (conversations), most recently active first, one page at a time."""
        principal = caller(ctx)
        with tool_errors():
            page = await asyncio.to_thread(self.deps.store.list_sessions, principal.user_id, limit, cursor)
        return SessionPage(items=[SessionOut.of(s) for s in page.items], next_cursor=page.next_cursor)

    async def get_run(
        self,
        run_id: Annotated[str, Field(min_length=1, max_length=200, description="The run_id ask returned.")],
        ctx: Context,
    ) -> RunTrace:
        """Read one of your runs: status, question, answer, usage and its full trace of events
        (delegations, tool calls, SQL)."""
        principal = caller(ctx)
        with tool_errors():
            run = await asyncio.to_thread(self.deps.store.get_run, principal.user_id, run_id)
            if run is None:
                raise RunNotFound(run_id)
            events = await asyncio.to_thread(self.deps.store.events_of_runs, principal.user_id, [run.id])
            return run_trace(run, events[run.id])


def _error(code: str, message: str, detail: dict[str, Any] | None = None) -> str:
    return json.dumps(error_body(code, message, detail))
