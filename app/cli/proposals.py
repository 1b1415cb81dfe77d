"""`dash proposals list|show|approve|reject`: review the knowledge agents proposed for everyone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import cli_user, fail, on_service

if TYPE_CHECKING:
    from db.knowledge.proposals import Proposal

IdArgument = Annotated[int, typer.Argument(help="Id from `dash proposals list`.")]
NoteOption = Annotated[str, typer.Option("--note", help="Why (kept with the decision).")]
group = typer.Typer(help="Approve or reject learnings and queries the agents proposed.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.add_typer(group, name="proposals")


@group.command("list")
def list_(
    status: Annotated[
        str, typer.Option("--status", help="proposed, approved, rejected or all.")
    ] = "proposed",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
) -> None:
    """Newest first: id, kind, status, proposer, title."""
    from db.knowledge.proposals import list_proposals

    if status not in ("proposed", "approved", "rejected", "all"):
        fail(f"unknown status {status!r}: use proposed, approved, rejected or all")
    items = on_service(list_proposals, status=None if status == "all" else status, limit=limit)
    for p in items:
        typer.echo(f"{p.id:>6}  {p.item_kind:<8} {p.status:<8} by {p.created_by_user or '-':<12} {p.title}")
    if not items:
        typer.echo("no proposals" if status == "all" else f"no {status} proposals")


@group.command("show")
def show(proposal_id: IdArgument) -> None:
    """Every field of one proposal: the text, the SQL, who proposed it from which run, who decided."""
    from db.knowledge.proposals import get_proposal

    item = on_service(get_proposal, proposal_id)
    if item is None:
        fail(f"no proposal with id {proposal_id}")
        return
    typer.echo(describe(item))


@group.command("approve")
def approve(proposal_id: IdArgument, note: NoteOption = "") -> None:
    """Make the proposed item live for everyone."""
    _decide(proposal_id, "approve", note)


@group.command("reject")
def reject(proposal_id: IdArgument, note: NoteOption = "") -> None:
    """Reject it: kept as a trace, found by no one's search (approve later to undo)."""
    _decide(proposal_id, "reject", note)


def _decide(proposal_id: int, decision: str, note: str) -> None:
    from db.knowledge.proposals import decide

    item = on_service(decide, proposal_id, decision, reviewer=cli_user(), note=note)
    if item is None:
        fail(f"no proposal with id {proposal_id}")
        return
    typer.echo(f"{item.status} proposal {item.id} ({item.item_kind} #{item.item_id}: {item.title})")


def describe(p: Proposal) -> str:
    by = ", ".join(f"{k} {v}" for k, v in (("agent", p.created_by_agent), ("user", p.created_by_user)) if v)
    decided = f"{p.status} by {p.reviewed_by} at {p.reviewed_at}" if p.reviewed_by else p.status
    lines = [
        f"#{p.id} {p.item_kind} #{p.item_id}: {p.title}",
        f"proposed by: {by or 'unknown'} in run {p.created_by_run or '-'} at {p.created_at.isoformat()}",
        f"status: {decided}" + (f" ({p.note})" if p.note else ""),
        f"used: {p.use_count} times",
        "",
        p.body,
    ]
    return "\n".join(lines + (["", p.sql] if p.sql else []))
