"""The `dash` command. Each command group lives in its own module and registers itself here.

The command modules import only typer and the settings at load time; what a command needs (the
database layer, the agent stack, FastAPI, the embedder) is imported in its body, so `dash --help`
and every command start without loading the rest.
"""

from __future__ import annotations

import sys

import typer

from app.cli import (
    ask,
    db,
    feedback,
    keys,
    knowledge,
    learnings,
    memory,
    proposals,
    schedules,
    sql,
    transfer,
    up,
)

cli = typer.Typer(
    name="dash",
    help="Dash: a self-hosted, self-learning data agent.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs more than the rest of the start
)

for module in (
    up,
    db,
    sql,
    knowledge,
    learnings,
    proposals,
    memory,
    feedback,
    ask,
    keys,
    schedules,
    transfer,
):
    module.register(cli)


def main() -> None:
    """Run the command; a database out of reach, wherever a command meets it, is one line, exit 1."""
    try:
        cli()
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        from db.engines import database_unreachable

        if not database_unreachable(exc):
            raise
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        typer.echo(
            f"error: the database is not reachable ({reason}). Check DATABASE_URL and that the server"
            " is running (`dash db status` for the embedded one).",
            err=True,
        )
        sys.exit(1)
