"""Helpers shared by CLI commands: settings, database target, and error reporting."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.settings import Settings
    from db.engines import DatabaseTarget

T = TypeVar("T")


def cli_user() -> str:
    """Who is at this terminal, as the audit trail names them (`cli:<login>`)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "cli"


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn known failures into one readable line and a non-zero exit instead of a traceback."""
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, _known_failures()):
            raise
        fail(str(exc))


def _known_failures() -> tuple[type[Exception], ...]:
    # Imported only once something failed: these modules are heavy (FastAPI, numpy) for a CLI start.
    from app.auth import AuthNotConfigured
    from db.embedded import EmbeddedPostgresError
    from db.embeddings import EmbedderError
    from db.knowledge.vectors import EmbedderMismatch

    # ValueError: pydantic settings validation, bad arguments.
    return (EmbeddedPostgresError, AuthNotConfigured, EmbedderMismatch, EmbedderError, ValueError)


def settings() -> Settings:
    from core.settings import get_settings  # pydantic: not needed for `--help`

    try:
        return get_settings()
    except ValueError as exc:
        typer.echo(f"error: invalid settings: {exc}", err=True)
        sys.exit(2)


def ready_target(s: Settings) -> DatabaseTarget:
    """Start the embedded server if needed and make sure schemas, roles and grants exist."""
    from db.bootstrap import RoleLimits, bootstrap
    from db.engines import resolve_target

    target = resolve_target(s)
    if target.embedded is not None:  # on stderr: `dash db url` output stays one URL
        for note in target.embedded.placement_notes():
            typer.echo(note, err=True)
    bootstrap(target, RoleLimits.from_settings(s))
    return target


def on_service(action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`action(engine, *args, **kwargs)` on a service-role engine made for it and disposed after."""
    engine = service_engine()
    try:
        return action(engine, *args, **kwargs)
    finally:
        engine.dispose()


def service_engine() -> Engine:
    """An engine on the service role (it owns `ai`), the database started and bootstrapped first."""
    from sqlalchemy import create_engine

    s = settings()
    with friendly_errors():
        return create_engine(ready_target(s).service_url)
