"""Helpers shared by CLI commands: settings, database target, and error reporting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from app.auth import AuthNotConfigured
from app.settings import Settings, get_settings
from db.bootstrap import RoleLimits, bootstrap
from db.embedded import EmbeddedPostgresError
from db.embeddings import EmbedderError
from db.engines import DatabaseTarget, resolve_target
from db.knowledge.vectors import EmbedderMismatch


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn known failures into one readable line and a non-zero exit instead of a traceback."""
    try:
        yield
    except (EmbeddedPostgresError, AuthNotConfigured, EmbedderMismatch, EmbedderError) as exc:
        fail(str(exc))
    except ValueError as exc:  # pydantic settings validation, bad arguments
        fail(str(exc))


def settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        typer.echo(f"error: invalid settings: {exc}", err=True)
        sys.exit(2)


def ready_target(s: Settings) -> DatabaseTarget:
    """Start the embedded server if needed and make sure schemas, roles and grants exist."""
    target = resolve_target(s)
    if target.embedded is not None:  # on stderr: `dash db url` output stays one URL
        for note in target.embedded.placement_notes():
            typer.echo(note, err=True)
    bootstrap(target, RoleLimits.from_settings(s))
    return target
