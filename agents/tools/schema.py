"""Live schema introspection for the agents, always through the analyst's guarded path.

The analyst role has no privilege on `ai`, and `information_schema` lists only what the role may
use, so these tools cannot reveal the service's own tables even if a model asks for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from db.engines import Engines
from db.sql_exec import SqlContext, SqlLimits, run_sql

AGENT_SCHEMAS = ("public", "dash")
TABLES_SQL = (
    "SELECT table_schema, table_name, table_type FROM information_schema.tables"
    " WHERE table_schema IN ('public', 'dash') ORDER BY 1, 2"
)
COLUMNS_SQL = (
    "SELECT column_name, data_type FROM information_schema.columns"
    " WHERE table_schema = '{schema}' AND table_name = '{table}' ORDER BY ordinal_position"
)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_tools(engines: Engines, context: SqlContext) -> list[Callable[..., Any]]:
    """`list_tables` and `describe_table`, audited under the caller's run like any agent SQL."""
    limits = SqlLimits(max_rows=1000)

    def rows(sql: str) -> list[tuple[Any, ...]]:
        result = run_sql(engines, "analyst", sql, context=context, limits=limits)
        if not result.ok:
            raise RuntimeError(result.reason or result.error or "introspection failed")
        return [tuple(r) for r in result.rows]

    def list_tables() -> list[str]:
        """List the tables and views you can query, as schema.name (type)."""
        return [f"{s}.{t} ({kind.lower()})" for s, t, kind in rows(TABLES_SQL)]

    def describe_table(table: str, sample_rows: int = 3) -> dict[str, Any]:
        """Show a table's columns with their types and a few sample rows.

        Args:
            table: The table or view, as schema.name or a bare name (public first, then dash).
            sample_rows: How many example rows to show (0 to 10).
        """
        schema, name = _find(table, {(s, t) for s, t, _ in rows(TABLES_SQL)})
        # The names come from the catalog listing above, so quoting them cannot be abused.
        columns = rows(COLUMNS_SQL.format(schema=schema, table=name.replace("'", "''")))
        count = max(0, min(sample_rows, 10))
        sample = (
            rows(f"SELECT * FROM {quote_ident(schema)}.{quote_ident(name)} LIMIT {count}") if count else []
        )
        return {
            "table": f"{schema}.{name}",
            "columns": [f"{c} {t}" for c, t in columns],
            "sample_rows": sample,
        }

    return [list_tables, describe_table]


def _find(table: str, known: set[tuple[str, str]]) -> tuple[str, str]:
    parts = table.strip().strip('"').split(".", 1)
    candidates = [tuple(parts)] if len(parts) == 2 else [(s, parts[0]) for s in AGENT_SCHEMAS]
    for schema, name in candidates:
        if (schema, name) in known:
            return schema, name
    raise ValueError(f"no table or view {table!r} in public or dash; call list_tables to see them")
