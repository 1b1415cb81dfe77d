"""`dash up`: run Dash locally with no Docker: embedded database, sample data, API server."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

from app.cli.common import friendly_errors, ready_target, settings

if TYPE_CHECKING:
    from core.settings import Settings
    from db.engines import DatabaseTarget


def register(cli: typer.Typer) -> None:
    cli.command("up")(up)


def _prepare(s: Settings, target: DatabaseTarget, knowledge: bool) -> None:
    """The app's start-up checks, here so a refusal is one readable line, then the knowledge upsert."""
    from app.main import start_checks
    from db.engines import Engines
    from db.knowledge.loader import load_knowledge

    engines = Engines(target, pool_size=1)
    try:
        embedder = start_checks(s, engines)
        if knowledge:  # unchanged files cost a hash comparison, not an embedding
            from app.cli.drafting import profile_if_never

            typer.echo(profile_if_never(engines, s))
            if not Path(s.knowledge_path).is_dir():  # a first run on your own data: nothing to load yet
                typer.echo(
                    f"knowledge: no folder at {s.knowledge_path} yet; `dash knowledge draft` writes one "
                    "from your tables (then review, `dash knowledge validate`, `dash knowledge load`)"
                )
                return
            report = load_knowledge(engines.service, embedder, Path(s.knowledge_path))
            typer.echo(f"knowledge ({s.knowledge_path}): {report.summary()}")
    finally:
        engines.dispose()


def up(
    port: int = typer.Option(None, "--port", envvar="PORT", help="HTTP port (default 8000)."),
    host: str = typer.Option(None, "--host", help="Interface to listen on (default 127.0.0.1)."),
    sample_data: bool = typer.Option(True, help="Load the sample dataset when `public` is empty."),
    knowledge: bool = typer.Option(True, help="Load (upsert) the knowledge files before serving."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="API processes on the one port (use one per core under load)."
    ),
) -> None:
    """Start the database (embedded unless DATABASE_URL is set), bootstrap it, and serve the API."""
    import uvicorn

    from app.logs import logging_config
    from app.main import create_app

    s = settings()
    started = time.perf_counter()
    with friendly_errors():
        target = ready_target(s)
    _stop_like_ctrl_c_on_sigterm()
    try:  # from here on, whatever ends `dash up` also stops the embedded server it started
        with friendly_errors():
            s = _prepare_data(s, target, host, sample_data, knowledge)
        typer.echo(f"ready in {time.perf_counter() - started:.1f}s")
        listen_port = port or s.port
        processes = f" with {workers} worker processes" if workers > 1 else ""
        typer.echo(
            f"serving on http://{s.host}:{listen_port}{processes} (console at /, docs at /docs); Ctrl-C stops"
        )
        if workers > 1:
            from app.cli.workers import serve_workers

            serve_workers(s, target, listen_port, workers)
            return
        app = create_app(s, target, prepared=True)
        uvicorn.run(
            app,
            host=s.host,
            port=listen_port,
            log_level=s.log_level.lower(),
            log_config=logging_config(s),
        )
    finally:
        if target.embedded is not None:
            target.embedded.stop()
            typer.echo("embedded PostgreSQL stopped")


def _stop_like_ctrl_c_on_sigterm() -> None:
    """Containers and process managers stop `dash up` with SIGTERM: end through the `finally` that
    stops the embedded server, as Ctrl-C does. (Once shut down, uvicorn raises the signal it caught
    again; under the default action the process would die there and leave PostgreSQL running.)"""

    def leave(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)  # a requested stop is a clean one

    signal.signal(signal.SIGTERM, leave)


def _prepare_data(
    s: Settings, target: DatabaseTarget, host: str | None, sample_data: bool, knowledge: bool
) -> Settings:
    from db.bootstrap import public_is_empty

    url = target.admin_url
    kind = "embedded" if target.embedded else "external"
    typer.echo(f"database: {kind} PostgreSQL at {url.host}:{url.port}/{url.database}")
    if sample_data and public_is_empty(target):
        from db.sample_data import generate

        typer.echo("public is empty: generating the sample dataset...")
        report = generate(target, seed=s.sample_data_seed)
        typer.echo(report.summary())  # default privileges already let the agents read it
    # The checks look at the interface actually used, which --host may override.
    s = s.model_copy(update={"host": host or s.host})
    _prepare(s, target, knowledge)
    return s
