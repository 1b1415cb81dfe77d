"""The Engineer: builds views and summary tables in `dash`, and the system records each one.

Recording is not left to the model: after every successful CREATE / ALTER / COMMENT of a view,
materialized view or table in `dash`, `record_change` has db/knowledge/objects.py write a knowledge
document with its name, columns (from the catalog), definition, purpose and an example query; a
DROP removes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import sqlglot
from sqlalchemy import Engine
from sqlglot import exp

from agents.context import ENGINEER_STEPS, Request, assemble
from agents.loop import initial_messages
from agents.prompts import ENGINEER
from agents.scope import RunScope, run_specialist
from agents.tools.knowledge import search_tool
from agents.tools.schema import schema_tools
from agents.tools.sql import sql_tool
from db.embeddings import Embedder
from db.knowledge.learnings import CreatedBy
from db.knowledge.objects import forget_object, record_object
from db.sql_guard import Refused, engineer_statement

AGENT = "engineer"


def engineer_tools(scope: RunScope) -> list[Callable[..., Any]]:
    deps = scope.deps

    def record(sql: str, purpose: str) -> None:
        try:
            record_change(deps.engines.service, deps.embedder, sql, purpose, scope.created_by(AGENT))
        except Exception as exc:  # the statement did run: say so, and what is missing
            raise RuntimeError(
                f"the statement ran, but recording it in the knowledge base failed: {exc}"
            ) from exc

    run_sql = sql_tool(deps.engines, AGENT, scope.sql_context, scope.ledger, scope.sql_limits(AGENT), record)
    search = search_tool(deps.engines, deps.embedder, deps.settings, scope.user_id)
    return [search, *schema_tools(deps.engines, scope.sql_context), run_sql]


async def ask_engineer(scope: RunScope, task: str, purpose: str) -> str:
    question = f"{task}\n\nPurpose: {purpose}"
    request = Request(question, scope.user_id, ENGINEER)
    context = await asyncio.to_thread(assemble, scope.sources(), request, ENGINEER_STEPS)
    messages = initial_messages(context.system, question)
    return await run_specialist(scope, AGENT, messages, scope.toolset(engineer_tools(scope)))


def changed_object(sql: str) -> tuple[str, str] | None:
    """("recorded" | "dropped", name) for a statement that defines or drops a dash relation.

    Parsed the way the guard parsed it, so forms plain sqlglot cannot read (view options, WITH
    [NO] DATA, CHECK OPTION) are recorded too.
    """
    try:
        tree = engineer_statement(sql)
    except (Refused, sqlglot.errors.SqlglotError):
        return None
    if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() in ("VIEW", "TABLE"):
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return "recorded", target.name
    if isinstance(tree, exp.Alter | exp.Comment) and isinstance(tree.this, exp.Table):
        return "recorded", tree.this.name
    if isinstance(tree, exp.Drop) and str(tree.args.get("kind") or "").upper() in ("VIEW", "TABLE"):
        tables = tree.args.get("tables") or [tree.this]
        return "dropped", tables[0].name
    return None


def record_change(service: Engine, embedder: Embedder, sql: str, purpose: str, by: CreatedBy) -> None:
    """Write (or remove) the knowledge document of the dash object `sql` defined (or dropped)."""
    change = changed_object(sql)
    if change is None:
        return
    action, name = change
    if action == "dropped":
        forget_object(service, name)
    else:
        record_object(service, embedder, name, sql, purpose, by)
