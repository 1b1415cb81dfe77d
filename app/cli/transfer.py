"""`dash export FILE` / `dash import FILE [--dry-run]`: move what lives only in `ai` (agent-saved
knowledge, learnings, schedules, API key metadata) between Dash installations, or back it up.

Light at import: the database and embedder code loads only when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from datetime import datetime

    from db.transfer import ImportReport


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.command("export")(export)
    cli.command("import")(import_)


def export(
    file: Annotated[Path, typer.Argument(help="The JSON file to write (replaced if it exists).")],
) -> None:
    """Write agent-saved knowledge, learnings, schedules and API key metadata (never secrets) to FILE."""
    from sqlalchemy import create_engine

    from app.cli.common import friendly_errors, ready_target, settings
    from db.transfer import export_bundle, write_bundle

    with friendly_errors():
        engine = create_engine(ready_target(settings()).service_url)
        try:
            bundle = export_bundle(engine)
        finally:
            engine.dispose()
        write_bundle(bundle, file)
    counts = {
        name: len(getattr(bundle, name)) for name in ("documents", "learnings", "schedules", "api_keys")
    }
    typer.echo(
        f"exported to {file}: " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
    )


def import_(
    file: Annotated[Path, typer.Argument(help="A file written by `dash export`.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would change; change nothing.")
    ] = False,
) -> None:
    """Import FILE: add what is missing, update what differs, all or nothing; twice changes nothing."""
    from sqlalchemy import create_engine

    from app.cli.common import friendly_errors, ready_target, settings
    from db.embeddings import make_embedder
    from db.transfer import import_bundle, read_bundle

    s = settings()
    with friendly_errors():
        bundle = read_bundle(file)
        engine = create_engine(ready_target(s).service_url)
        try:
            report = import_bundle(engine, make_embedder(s), bundle, next_run=_next_run, dry_run=dry_run)
        finally:
            engine.dispose()
    _print(report)


def _next_run(cron: str, timezone: str) -> datetime | None:
    from datetime import UTC, datetime

    from app.scheduling.cron import first_run

    return first_run(cron, timezone, datetime.now(UTC))


def _print(report: ImportReport) -> None:
    for change in report.changes:
        typer.echo(f"{'would ' if report.dry_run else ''}{change.action} {change.section[:-1]}: {change.key}")
    keys = [c.key for c in report.changes if c.section == "api_keys" and c.action == "add"]
    if keys and not report.dry_run:
        typer.echo(
            "API keys arrive revoked (their secrets never leave the source): `dash keys create` new ones."
        )
    typer.echo(report.summary())
