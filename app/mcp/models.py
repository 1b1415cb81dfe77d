"""What the MCP tools return: typed results, so clients get an output schema with each tool."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from db.sql_exec import SqlResult


class Table(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool = Field(description="More rows exist than were returned (MAX_ROWS).")


class Answer(BaseModel):
    run_id: str
    session_id: str = Field(description="Pass it back as session_id to ask a follow-up.")
    answer: str
    sql: list[str] = Field(description="The SQL that ran, in order.")
    table: Table | None = Field(description="The rows of the last query that ran, when there was one.")
    usage: dict[str, Any]


class Hit(BaseModel):
    kind: str
    name: str
    score: float
    snippet: str
    content: str
    metadata: dict[str, Any]


class SqlOutcome(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    duration_ms: float


def as_table(result: SqlResult) -> Table:
    rows = [list(r) for r in result.rows]
    return Table(
        columns=list(result.columns), rows=rows, row_count=result.row_count, truncated=result.truncated
    )
