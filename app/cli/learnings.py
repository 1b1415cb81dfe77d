"""`dash learnings list|show|delete|restore|curate`: inspect, remove and un-curate what the agents learned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, on_service, settings

if TYPE_CHECKING:
    from db.knowledge.learnings import Learning

IdArgument = Annotated[int, typer.Argument(help="Id from `dash learnings list`.")]
group = typer.Typer(help="List, show and delete learnings the agents saved.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.add_typer(group, name="learnings")


@group.command("list")
def list_(
    user: Annotated[str | None, typer.Option("--user", help="Include this user's own learnings.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
) -> None:
    """Newest first: id, namespace, uses, title."""
    from db.knowledge.learnings import list_learnings

    items = on_service(list_learnings, user_id=user, limit=limit)
    for item in items:
        flag = "  [flagged]" if item.flag else ""
        typer.echo(
            f"{item.id:>6}  {item.namespace:<16} {item.status:<9} used {item.use_count:>3}x  {item.title}{flag}"
        )
    if not items:
        typer.echo("no learnings yet")


@group.command("show")
def show(learning_id: IdArgument) -> None:
    """Every field of one learning, including who created it and when it was last used."""
    from db.knowledge.learnings import get_learning

    item = on_service(get_learning, learning_id)
    if item is None:
        fail(f"no learning with id {learning_id}")
        return
    typer.echo(describe(item))


@group.command("delete")
def delete(
    learning_id: IdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete one learning (a bad learning is one delete away)."""
    if not yes:
        typer.confirm(f"Delete learning {learning_id}?", abort=True)
    from db.knowledge.learnings import delete_learning

    deleted = on_service(delete_learning, learning_id)
    if not deleted:
        fail(f"no learning with id {learning_id}")
    typer.echo(f"deleted learning {learning_id}")


@group.command("restore")
def restore(learning_id: IdArgument) -> None:
    """Undo curation: an archived or merged learning is live again; a contradiction flag is cleared."""
    from db.knowledge.curation import restore_learning

    item = on_service(restore_learning, learning_id)
    if item is None:
        fail(f"learning {learning_id} does not exist or was not archived, merged or flagged")
        return
    typer.echo(f"restored learning {learning_id}: {item.status}")


@group.command("curate")
def curate_now(
    days: Annotated[
        int | None, typer.Option("--archive-after-days", min=1, help="Default: LEARNING_ARCHIVE_AFTER_DAYS.")
    ] = None,
) -> None:
    """Run the nightly curation now and print its report (each line undone by `dash learnings restore`)."""
    from db.knowledge.curation import curate, describe_action

    report = on_service(curate, archive_after_days=days or settings().learning_archive_after_days)
    typer.echo(f"report {report.id}: {report.summary()}")
    for action in report.actions:
        typer.echo(describe_action(action))


def describe(item: Learning) -> str:
    by = (
        ", ".join(
            f"{k} {v}"
            for k, v in (
                ("agent", item.created_by_agent),
                ("user", item.created_by_user),
                ("run", item.created_by_run),
            )
            if v
        )
        or "unknown"
    )
    last = item.last_used_at.isoformat() if item.last_used_at else "never"
    return "\n".join(
        [
            f"#{item.id} {item.title}",
            f"namespace: {item.namespace}  status: {item.status}",
            *([f"merged into: #{item.merged_into}"] if item.merged_into else []),
            *([f"flag: {item.flag}"] if item.flag else []),
            *([f"reviewed by: {item.reviewed_by} at {item.reviewed_at}"] if item.reviewed_by else []),
            f"tags: {', '.join(item.tags) or '-'}",
            f"created by: {by}",
            f"created: {item.created_at.isoformat()}  updated: {item.updated_at.isoformat()}",
            f"used: {item.use_count} times, last {last}",
            "",
            item.learning,
            *(["", f"context: {item.context}"] if item.context else []),
        ]
    )
