"""`dash up`: run Dash locally with no Docker: embedded database, sample data, API server."""

from __future__ import annotations

import time
from pathlib import Path

import typer
import uvicorn

from app.cli.common import friendly_errors, ready_target, settings
from app.settings import Settings
from db.bootstrap import public_is_empty
from db.engines import DatabaseTarget, Engines


def register(cli: typer.Typer) -> None:
    cli.command("up")(up)


def _load_knowledge(s: Settings, target: DatabaseTarget) -> None:
    """Upsert the curated knowledge so a first-day user's agents know the data (unchanged = cheap)."""
    from db.embeddings import make_embedder
    from db.knowledge.loader import load_knowledge

    engines = Engines(target, pool_size=1)
    try:
        report = load_knowledge(engines.service, make_embedder(s), Path(s.knowledge_path))
    finally:
        engines.dispose()
    typer.echo(f"knowledge ({s.knowledge_path}): {report.summary()}")


def _preflight(s: Settings, target: DatabaseTarget, listen_host: str) -> None:
    """Refuse here, in one readable line, what the app's start-up would refuse with a traceback."""
    from app.auth import check_listen
    from db.embeddings import make_embedder
    from db.knowledge.vectors import check_embedder

    engines = Engines(target, pool_size=1)
    try:
        check_listen(s, listen_host, engines.service)
        check_embedder(engines.service, make_embedder(s))
    finally:
        engines.dispose()


def up(
    port: int = typer.Option(None, "--port", envvar="PORT", help="HTTP port (default 8000)."),
    host: str = typer.Option(None, "--host", help="Interface to listen on (default 127.0.0.1)."),
    sample_data: bool = typer.Option(True, help="Load the sample dataset when `public` is empty."),
    knowledge: bool = typer.Option(True, help="Load (upsert) the knowledge files before serving."),
) -> None:
    """Start the database (embedded unless DATABASE_URL is set), bootstrap it, and serve the API."""
    from app.main import create_app

    s = settings()
    with friendly_errors():
        started = time.perf_counter()
        target = ready_target(s)
        kind = "embedded" if target.embedded else "external"
        url = target.admin_url
        typer.echo(f"database: {kind} PostgreSQL at {url.host}:{url.port}/{url.database}")
        if sample_data and public_is_empty(target):
            from db.sample_data import generate

            typer.echo("public is empty: generating the sample dataset (Acme Analytics)...")
            report = generate(target, seed=s.sample_data_seed)
            typer.echo(report.summary())
            ready_target(s)  # grant the agents SELECT on the new tables
        if knowledge:
            _load_knowledge(s, target)
        listen_host = host or s.host
        _preflight(s, target, listen_host)
        typer.echo(f"ready in {time.perf_counter() - started:.1f}s")
    # create_app refuses a non-loopback HOST without auth: check the interface actually used.
    app = create_app(s.model_copy(update={"host": listen_host}), target)
    listen_port = port or s.port
    typer.echo(f"serving on http://{listen_host}:{listen_port} (docs at /docs); Ctrl-C stops")
    try:
        uvicorn.run(app, host=listen_host, port=listen_port, log_level=s.log_level.lower())
    finally:
        if target.embedded is not None:
            target.embedded.stop()
            typer.echo("embedded PostgreSQL stopped")
