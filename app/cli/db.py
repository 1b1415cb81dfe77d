"""`dash db ...`: initialise, inspect, stop and load the database."""

from __future__ import annotations

from pathlib import Path

import typer

from app.cli.common import fail, friendly_errors, ready_target, settings
from db.embedded import EmbeddedPostgres
from db.engines import DatabaseTarget, libpq_url, resolve_target
from db.loader import LoadError, load_file

group = typer.Typer(help="Initialise, inspect, stop and load the database.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    cli.add_typer(group, name="db")


@group.command("init")
def init() -> None:
    """Create schemas, extensions, roles and grants (idempotent; also runs on start-up)."""
    s = settings()
    with friendly_errors():
        target = ready_target(s)
    typer.echo(
        f"bootstrapped {target.admin_url.host}:{target.admin_url.port}/{target.database}: schemas "
        f"public, dash, ai; roles {target.service.role}, {target.analyst.role}, {target.engineer.role}"
    )


@group.command("status")
def status() -> None:
    """Show whether the embedded server runs, on which port, and where its log is."""
    s = settings()
    if not s.embedded_database:
        target = resolve_target(s, start=False)
        typer.echo(f"external database at {target.admin_url.host}:{target.admin_url.port}")
        return
    st = EmbeddedPostgres(s.dash_home).status()
    state = f"running (pid {st.pid}, port {st.port})" if st.running else "stopped"
    typer.echo(f"embedded PostgreSQL: {state}\ndata: {st.data_dir}\nlog:  {st.log_file}")


@group.command("stop")
def stop() -> None:
    """Stop the embedded server (fast shutdown, by PID)."""
    s = settings()
    if not s.embedded_database:
        fail("DATABASE_URL is set: Dash does not manage that server.")
    with friendly_errors():
        stopped = EmbeddedPostgres(s.dash_home).stop()
    typer.echo("stopped" if stopped else "not running")


@group.command("url")
def url(
    role: str = typer.Option(
        "admin", "--role", help="admin, service, analyst or engineer", show_default=True
    ),
) -> None:
    """Print a connection URL for psql, pg_restore, dbt or any loader."""
    if role not in ("admin", "service", "analyst", "engineer"):
        fail(f"unknown role {role!r}: use admin, service, analyst or engineer")
    s = settings()
    with friendly_errors():
        target = ready_target(s)
    typer.echo(libpq_url(target.url_for(role)))


@group.command("load")
def load(
    file: Path = typer.Argument(..., help="A .sql / .dump file, or a .csv file (with --table)."),
    table: str = typer.Option(None, "--table", help="Target table in `public` for a CSV file."),
) -> None:
    """Load a SQL dump or a CSV file into `public`, all or nothing."""
    s = settings()
    with friendly_errors():
        target = ready_target(s)
        try:
            report = load_file(target, file, table=table)
        except LoadError as exc:
            fail(str(exc))
        ready_target(s)  # re-grant SELECT on whatever the load created
    typer.echo(report)
    typer.echo(_refresh_profiles(target))


def _refresh_profiles(target: DatabaseTarget) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    from app.cli.drafting import refresh_after_load

    try:
        done = refresh_after_load(target)
    except SQLAlchemyError as exc:  # the data is loaded; a stale profile is no reason to fail
        return f"warning: profiles not refreshed: {exc}"
    return f"{done}; they reach the agents with the next `dash knowledge load` (or the nightly refresh)"
