"""The work behind `dash knowledge draft` and the profile refresh after `dash db load`.

Kept out of app/cli/knowledge.py so the profiler (and, with --describe, the model client) load only
when a command needs them.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import create_engine

from app.cli.common import friendly_errors, ready_target, settings
from core.errors import DashError
from core.settings import Settings
from db.engines import DatabaseTarget, Engines
from db.knowledge.draft import draft_knowledge
from db.knowledge.profile import DEFAULT_SCHEMAS, ProfileOptions
from db.knowledge.profile_store import refresh_profiles, stored_profiles


def run_draft(schemas: list[str], tables: list[str], path: Path | None, *, describe: bool) -> int:
    """Draft table files, print one line per table and a summary; returns the exit code."""
    s = settings()
    root = path or s.knowledge_path
    describer = None
    if describe:
        from agents.describe import make_describer

        if not s.model_configured:
            typer.echo("error: --describe needs a model: set OPENAI_API_KEY (or OPENAI_BASE_URL)", err=True)
            return 1

        describer = make_describer(s)
    with friendly_errors():
        target = ready_target(s)
        reader, store = create_engine(target.analyst_url), create_engine(target.service_url)
        try:
            report = draft_knowledge(
                reader,
                root,
                schemas=schemas or DEFAULT_SCHEMAS,
                tables=tables,
                options=ProfileOptions.from_settings(s),
                describe=describer,
                store=store,
            )
        except DashError as exc:  # the model could not be reached or is not configured
            typer.echo(f"error: {exc}", err=True)
            return 1
        finally:
            reader.dispose()
            store.dispose()
    for outcome in report.tables:
        typer.echo(outcome.line())
    typer.echo(f"{root}: {report.summary()}")
    if not report.tables:
        typer.echo("nothing to draft: no table or view found (check --schema/--table)", err=True)
    return 1 if report.count("failed") or not report.tables else 0


def profile_if_never(engines: Engines, s: Settings) -> str:
    """`dash up`: measure the tables once if nothing was ever profiled (a new database, the sample)."""
    with engines.service.connect() as conn:
        if stored_profiles(conn):
            return "table profiles: stored (refreshed by `dash db load` and nightly)"
    profiles = refresh_profiles(engines.analyst, engines.service, ProfileOptions.from_settings(s))
    return f"table profiles: measured {len(profiles)} table(s)"


def refresh_after_load(target: DatabaseTarget) -> str:
    """Re-profile every table after a load, so the agents see current keys, values and dates."""
    s = settings()
    reader, store = create_engine(target.analyst_url), create_engine(target.service_url)
    try:
        profiles = refresh_profiles(reader, store, ProfileOptions.from_settings(s))
    finally:
        reader.dispose()
        store.dispose()
    failed = [p.name for p in profiles if p.error]
    note = f" ({len(failed)} failed: {', '.join(failed)})" if failed else ""
    return f"profiles refreshed for {len(profiles) - len(failed)} table(s){note}"
