"""`dash memory list|add|delete --user U`: what Dash remembers about one user (their facts and preferences)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, on_service

if TYPE_CHECKING:
    pass

UserOption = Annotated[str, typer.Option("--user", help="Whose memory (the user id Dash knows them by).")]
group = typer.Typer(help="List, add and delete what Dash remembers about a user.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.add_typer(group, name="memory")


@group.command("list")
def list_(user: UserOption) -> None:
    """Newest first: id, uses, source, fact."""
    from db.knowledge.memory import list_memory

    items = on_service(list_memory, user)
    for m in items:
        typer.echo(f"{m.id:>6}  used {m.use_count:>3}x  {m.source:<7} {m.fact}")
    if not items:
        typer.echo(f"nothing remembered for {user}")


@group.command("add")
def add(user: UserOption, fact: Annotated[str, typer.Argument(help='e.g. "amounts in EUR".')]) -> None:
    """Remember a fact or preference for this user (shown in their context only)."""
    from db.knowledge.memory import remember

    try:
        saved = on_service(remember, user, fact, source="command")
    except ValueError as exc:
        fail(str(exc))
        return
    typer.echo(f"remembered #{saved.id} for {user}: {saved.fact}")


@group.command("delete")
def delete(
    user: UserOption, memory_id: Annotated[int, typer.Argument(help="Id from `dash memory list`.")]
) -> None:
    """Forget one of this user's facts."""
    from db.knowledge.memory import forget

    deleted = on_service(forget, user, memory_id)
    if not deleted:
        fail(f"{user} has no memory #{memory_id}")
    typer.echo(f"forgot memory {memory_id} of {user}")
