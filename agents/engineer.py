"""The Engineer: builds views and summary tables in `dash`, and the system records each one.

Recording is not left to the model: after every successful CREATE / ALTER / COMMENT of a view,
materialized view or table in `dash`, `record_change` has db/knowledge/objects.py write a knowledge
document with its name, columns (from the catalog), definition, purpose and an example query; a
DROP removes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from agents.context import ENGINEER_STEPS, Request, assemble_async
from agents.loop import initial_messages
from agents.prompts import ENGINEER
from agents.scope import RunScope, run_specialist
from agents.tools.knowledge import search_tool
from agents.tools.schema import schema_tools
from agents.tools.sql import sql_tool
from db.embeddings import Embedder
from db.knowledge.learnings import CreatedBy
from db.knowledge.objects import forget_object, record_object
from db.sql_guard import Decision, Target

AGENT = "engineer"


def engineer_tools(scope: RunScope) -> list[Callable[..., Any]]:
    deps = scope.deps

    def record(decision: Decision, sql: str, purpose: str) -> None:
        try:
            record_change(
                deps.engines.service, deps.embedder, decision, sql, purpose, scope.created_by(AGENT)
            )
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
    context = await assemble_async(scope.sources(), request, ENGINEER_STEPS)
    messages = initial_messages(context.system, question)
    return await run_specialist(scope, AGENT, messages, scope.toolset(engineer_tools(scope)))


def changed_objects(decision: Decision) -> list[tuple[str, str]]:
    """("recorded" | "dropped", name) for each dash table or view an allowed statement defined,
    changed or dropped: read from the guard's resolved targets, never by parsing the SQL again."""
    return [change for target in decision.targets if (change := _change(target)) is not None]


def _change(target: Target) -> tuple[str, str] | None:
    if target.kind not in ("TABLE", "VIEW"):  # materialized views are VIEWs here; columns, indexes are not
        return None
    if target.action in ("create", "alter", "comment"):
        return "recorded", target.name
    return ("dropped", target.name) if target.action == "drop" else None


def record_change(
    service: Engine, embedder: Embedder, decision: Decision, sql: str, purpose: str, by: CreatedBy
) -> None:
    """Write (or remove) the knowledge documents of the dash objects the statement defined (or dropped)."""
    for action, name in changed_objects(decision):
        if action == "dropped":
            forget_object(service, name)
        else:
            record_object(service, embedder, name, sql, purpose, by)
