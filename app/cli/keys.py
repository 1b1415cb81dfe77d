"""`dash keys create|list|revoke`: API keys for the REST API (stored hashed, shown once)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, friendly_errors, ready_target, settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

group = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.add_typer(group, name="keys")


@contextmanager
def _engine() -> Iterator[Engine]:
    from sqlalchemy import create_engine

    s = settings()
    with friendly_errors():
        engine = create_engine(ready_target(s).service_url)
    try:
        yield engine
    finally:
        engine.dispose()


@group.command("create")
def create(
    user: Annotated[str, typer.Option("--user", help="The Dash user the key acts as.")],
    role: Annotated[str, typer.Option("--role", help="viewer, analyst or admin.")] = "viewer",
) -> None:
    """Create a key; the key itself is printed on the last line, once (only its hash is kept)."""
    from app.auth import Role  # with FastAPI: imported only when a command runs
    from db.api_keys import create_key

    if role not in Role.__members__:
        fail(f"unknown role {role!r}: use one of {', '.join(Role.__members__)}")
    if not user.strip() or len(user) > 200:
        fail("--user must be 1 to 200 characters")
    with _engine() as engine:
        record, key = create_key(engine, user.strip(), role)
    typer.echo(f"created key {record.id} for {record.user_id} ({record.role}); it is shown only once:")
    typer.echo(key)


@group.command("list")
def list_() -> None:
    """Every key: id, user, role, created, last used, revoked."""
    from db.api_keys import list_keys

    with _engine() as engine:
        keys = list_keys(engine)
    for k in keys:
        used = k.last_used_at.isoformat(timespec="seconds") if k.last_used_at else "never"
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        typer.echo(
            f"{k.id}  {k.user_id:<20} {k.role:<8} created {k.created_at:%Y-%m-%d}  used {used}  {state}"
        )
    if not keys:
        typer.echo("no API keys: the API runs without auth (loopback only)")


@group.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="Key id from `dash keys list` (or the key).")]) -> None:
    """Revoke a key: requests using it get 401 from now on."""
    from db.api_keys import revoke_key

    with _engine() as engine:
        if not revoke_key(engine, key_id):
            fail(f"no active key with id {key_id!r} (see `dash keys list`)")
    typer.echo(f"revoked key {key_id}")
