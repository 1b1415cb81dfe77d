"""`dash sql`: run one statement as the analyst or the engineer, through the agents' own path.

Same guard, role, transaction, limits and audit as the agents' SQL tools (`db.sql_exec.run_sql`).
Exit status: 0 when the statement ran, 1 when the guard refused it, 2 when it failed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from app.cli.common import cli_user, fail, friendly_errors, ready_target, settings

if TYPE_CHECKING:
    from db.sql_exec import SqlResult

EXIT_REFUSED = 1
EXIT_FAILED = 2
MAX_CELL_WIDTH = 40


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.command("sql")(sql)


def sql(
    statement: str = typer.Argument(..., help="One SQL statement."),
    role: str = typer.Option("analyst", "--as", help="Run as the analyst (read-only) or the engineer."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
    user: str = typer.Option(
        None, "--user", help="User id recorded in the audit log (default: cli:<login>)."
    ),
) -> None:
    """Run one SQL statement with the same guard, role, limits and audit as the agents."""
    from db.audit import AuditError
    from db.engines import Engines
    from db.sql_exec import ROLES, SqlContext, SqlLimits, run_sql

    if role not in ROLES:
        fail(f"unknown role {role!r}: use --as analyst or --as engineer")
    s = settings()
    with friendly_errors():
        engines = Engines(ready_target(s), pool_size=1)
        try:
            result = run_sql(
                engines,
                role,
                statement,
                context=SqlContext(user_id=user or cli_user()),
                limits=SqlLimits.from_settings(s, role),
            )
        except AuditError as exc:
            fail(str(exc), EXIT_FAILED)
        finally:
            engines.dispose()
    typer.echo(json.dumps(result.as_dict(), default=str) if as_json else render(result))
    if not result.ok:
        raise typer.Exit(EXIT_REFUSED if result.decision == "refused" else EXIT_FAILED)


def render(result: SqlResult) -> str:
    """A readable table, or the refusal / error with its reason."""
    if result.decision == "refused":
        return f"refused: {result.reason}"
    if result.error:
        return f"error: {result.error}"
    if not result.columns:
        return f"ok ({result.row_count} rows affected, {result.duration_ms:.1f} ms)"
    lines = _table(result.columns, result.rows)
    more = " (truncated: more rows exist)" if result.truncated else ""
    lines.append(f"({len(result.rows)} rows, {result.duration_ms:.1f} ms){more}")
    return "\n".join(lines)


def _table(columns: tuple[str, ...], rows: tuple[tuple[Any, ...], ...]) -> list[str]:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]

    def line(values: tuple[str, ...] | list[str]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return [line(columns), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)]


def _cell(value: Any) -> str:
    text = "NULL" if value is None else json.dumps(value) if isinstance(value, dict | list) else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_CELL_WIDTH else text[: MAX_CELL_WIDTH - 1] + "…"
