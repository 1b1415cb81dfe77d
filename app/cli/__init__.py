"""The `dash` command. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import typer

from app.cli import ask, db, keys, knowledge, learnings, schedules, sql, up

cli = typer.Typer(
    name="dash",
    help="Dash: a self-hosted, self-learning data agent.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for module in (up, db, sql, knowledge, learnings, ask, keys, schedules):
    module.register(cli)


def main() -> None:
    cli()
