"""`dash feedback RUN_ID up|down [--comment ...]` rates an answer; `dash feedback list` reviews them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, friendly_errors, ready_target, settings

if TYPE_CHECKING:
    from agents.feedback import Outcome
    from db.store.feedback import Feedback

RATINGS = ("up", "down")


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.command("feedback")(feedback_command)


def feedback_command(
    target: Annotated[str, typer.Argument(help="A run id (from `dash ask`), or `list`.")],
    rating: Annotated[str | None, typer.Argument(help="up or down (not with `list`).")] = None,
    comment: Annotated[str, typer.Option("--comment", help="What was wrong: with down, it is learned.")] = "",
    user: Annotated[
        str | None, typer.Option("--user", help="Whose run it is (default local); with list, whose feedback.")
    ] = None,
    only: Annotated[str | None, typer.Option("--rating", help="list: only up or only down.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="list: ISO date or time, e.g. 2026-01-31.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="list: at most this many.")] = 50,
) -> None:
    """Rate an answer (a 👍 proposes its SQL, a 👎 with a comment becomes a learning), or list feedback."""
    if target == "list":
        list_feedback_command(only, user, since, limit)
        return
    if rating not in RATINGS:
        fail(
            "rate the answer up or down: `dash feedback RUN_ID up`, or `dash feedback RUN_ID down --comment ...`"
        )
    rate(target, str(rating), comment, user or "local")


def rate(run_id: str, rating: str, comment: str, user: str) -> None:
    from agents.feedback import give_feedback
    from agents.scope import Deps
    from db.embeddings import make_embedder
    from db.engines import Engines
    from db.store import Store
    from db.store.feedback import Rating

    s = settings()
    with friendly_errors():
        engines = Engines(ready_target(s), pool_size=2)
    deps = Deps(s, engines, Store(engines.service), make_embedder(s))
    try:
        outcome = asyncio.run(give_feedback(deps, user, run_id, Rating(rating), comment, "cli"))
    finally:
        engines.dispose()
    if outcome is None:
        fail(f"no run {run_id!r} of user {user!r} (pass --user when it was someone else's question)")
        return
    typer.echo(describe_outcome(outcome))


def describe_outcome(outcome: Outcome) -> str:
    f = outcome.feedback
    lines = [f"feedback {f.id}: {f.rating.value} on run {f.run_id} ({len(f.sql)} SQL statement(s) ran)"]
    if outcome.proposal_id is not None:
        lines.append(f"proposal {outcome.proposal_id}: the query serves {f.user_id} until approved")
    elif outcome.query_id is not None:
        lines.append(f"validated query {outcome.query_id} saved, live for everyone")
    if outcome.learning is not None:
        lines.append(f"learning {outcome.learning.id} for {f.user_id}: {outcome.learning.learning}")
    return "\n".join(lines)


def list_feedback_command(only: str | None, user: str | None, since: str | None, limit: int) -> None:
    from datetime import datetime

    from sqlalchemy import create_engine

    from db.store.feedback import FeedbackFilter, Rating, list_feedback

    if only is not None and only not in RATINGS:
        fail("--rating must be up or down")
    try:
        after = datetime.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since {since!r} is not an ISO date or time (e.g. 2026-01-31 or 2026-01-31T09:00)")
        return
    s = settings()
    with friendly_errors():
        engine = create_engine(ready_target(s).service_url)
    items = list_feedback(engine, FeedbackFilter(Rating(only) if only else None, user, after, limit))
    engine.dispose()
    for item in items:
        typer.echo(line(item))
    if not items:
        typer.echo("no feedback yet")


def line(item: Feedback) -> str:
    made = f" learning {item.learning_id}" if item.learning_id else ""
    made += f" query {item.query_id}" if item.query_id else ""
    said = f" — {item.comment}" if item.comment else ""
    when = item.created_at.isoformat(timespec="seconds")
    return f"{item.id:>6}  {when}  {item.rating.value:<4} {item.user_id:<20} run {item.run_id}{made}{said}"
