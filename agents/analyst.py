"""The Analyst: answers data questions with read-only SQL, after searching knowledge and learnings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.context import ANALYST_STEPS, Request, assemble_async
from agents.loop import initial_messages
from agents.prompts import ANALYST
from agents.scope import RunScope, run_specialist
from agents.tools.knowledge import save_query_tool, search_tool
from agents.tools.learnings import learning_tool
from agents.tools.schema import schema_tools
from agents.tools.sql import sql_tool

AGENT = "analyst"


def analyst_tools(scope: RunScope) -> list[Callable[..., Any]]:
    """Search, introspection, guarded read-only SQL, and saving learnings and validated queries."""
    deps, by = scope.deps, scope.created_by(AGENT)
    settings = deps.settings
    return [
        search_tool(deps.engines, deps.embedder, deps.settings, scope.user_id),
        *schema_tools(deps.engines, scope.sql_context),
        sql_tool(deps.engines, AGENT, scope.sql_context, scope.ledger, scope.sql_limits(AGENT)),
        learning_tool(deps.engines, deps.embedder, by, settings.learning_mode_learnings, deps.on_proposed),
        save_query_tool(
            deps.engines, deps.embedder, scope.ledger, by, settings.learning_mode_queries, deps.on_proposed
        ),
    ]


async def ask_analyst(scope: RunScope, question: str) -> str:
    """The Analyst's answer to one question; context is assembled for this question first."""
    request = Request(question, scope.user_id, ANALYST)
    context = await assemble_async(scope.sources(), request, ANALYST_STEPS)
    messages = initial_messages(context.system, question)
    return await run_specialist(scope, AGENT, messages, scope.toolset(analyst_tools(scope)))
