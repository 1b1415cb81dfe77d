"""The Engineer: builds views and summary tables in `dash`, and the system records each one.

Recording is not left to the model: after every successful CREATE / ALTER / COMMENT of a view,
materialized view or table in `dash`, `record_object` writes a knowledge document with its name,
columns (from the catalog), definition, purpose and an example query; a DROP removes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import sqlglot
from sqlalchemy import Engine, text
from sqlglot import exp

from agents.context import ENGINEER_STEPS, Request, assemble
from agents.loop import initial_messages
from agents.prompts import ENGINEER
from agents.scope import RunScope, run_specialist
from agents.tools.knowledge import search_tool
from agents.tools.schema import schema_tools
from agents.tools.sql import sql_tool
from db.embeddings import Embedder
from db.knowledge.documents import delete_document, save_document
from db.knowledge.learnings import CreatedBy
from db.knowledge.problems import Document
from db.sql_guard import Refused, engineer_statement

AGENT = "engineer"
KINDS = {"v": "view", "m": "materialized view", "r": "table", "p": "table"}
CATALOG = text(
    "SELECT c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) AS type,"
    " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " WHERE n.nspname = 'dash' AND c.relname = :name ORDER BY a.attnum"
)


def engineer_tools(scope: RunScope) -> list[Callable[..., Any]]:
    deps = scope.deps

    def record(sql: str, purpose: str) -> None:
        try:
            record_object(deps.engines.service, deps.embedder, sql, purpose, scope.created_by(AGENT))
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


def record_object(service: Engine, embedder: Embedder, sql: str, purpose: str, by: CreatedBy) -> None:
    """Write (or remove) the knowledge document of the dash object `sql` defined (or dropped)."""
    change = changed_object(sql)
    if change is None:
        return
    action, name = change
    if action == "dropped":
        delete_document(service, "view", f"dash.{name}")
        return
    with service.connect() as conn:
        rows = list(conn.execute(CATALOG, {"name": name}).all())
    if rows:
        save_document(service, embedder, object_document(name, rows, sql, purpose), created_by=by)


def object_document(name: str, rows: list[Any], sql: str, purpose: str) -> Document:
    kind = KINDS.get(rows[0].relkind, "relation")
    definition = rows[0].definition or sql
    purpose = purpose.strip() or f"built by the engineer with: {sql.strip()[:200]}"
    example = f"SELECT * FROM dash.{name} LIMIT 10;"
    columns = [f"- {r.attname} ({r.type})" for r in rows]
    content = "\n".join(
        [f"{kind.capitalize()} dash.{name}: {purpose}", "Columns:", *columns]
        + ["Example query:", example, "Definition:", definition.strip()]
    )
    metadata = {"description": purpose, "sql": definition, "columns": [r.attname for r in rows], "kind": kind}
    metadata["example"] = example
    return Document("view", f"dash.{name}", f"{kind.capitalize()} dash.{name}: {purpose}", content, metadata)
