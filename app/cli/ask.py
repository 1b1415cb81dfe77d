"""`dash ask "question"`: put a question to the team; progress on stderr, the answer on stdout."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import fail, friendly_errors, ready_target, settings

if TYPE_CHECKING:
    from agents import run_events as rev
    from agents.team import Deps


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.command("ask")(ask_command)


def ask_command(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    session: Annotated[str | None, typer.Option("--session", help="Continue this session.")] = None,
    user: Annotated[str, typer.Option("--user", help="Whose question it is.")] = "local",
) -> None:
    """Ask the data team a question."""
    from agents import run_events as rev
    from agents.questions import refusal
    from agents.team import Deps
    from core.errors import ModelNotConfigured
    from db.embeddings import make_embedder
    from db.engines import Engines
    from db.store import Store

    s = settings()
    if (refused := refusal(question, s.question_max_chars)) is not None:  # the same rules as REST
        fail(refused.message)
    if not s.model_configured:  # before starting any database: say what to set
        fail(ModelNotConfigured().message)
    with friendly_errors():
        engines = Engines(ready_target(s), pool_size=s.db_pool_size)
    deps = Deps(s, engines, Store(engines.service), make_embedder(s))
    try:
        ended = asyncio.run(_print_run(deps, user, question, session))
    finally:
        engines.dispose()
    if isinstance(ended, rev.RunFailed):
        fail(ended.error)


async def _print_run(deps: Deps, user: str, question: str, session: str | None) -> rev.RunEvent | None:
    from agents.runner import Runner, RunRequest

    runner, last = Runner(deps), None  # our own: the CLI is its own process
    try:
        async for event in runner.run(RunRequest(user, question, session, "cli")):
            show(event)
            last = event
    finally:
        await runner.close()
    return last


def show(event: rev.RunEvent) -> None:
    """Progress lines on stderr; answer text on stdout as it streams."""
    from agents import run_events as rev

    if isinstance(event, rev.ContentDelta):
        sys.stdout.write(event.text)
        sys.stdout.flush()
    elif isinstance(event, rev.RunStarted):
        _note(f"session {event.session_id}, run {event.run_id}")
    elif isinstance(event, rev.Delegated):
        _note(f"-> {event.agent}: {event.task}")
    elif isinstance(event, rev.ToolStarted):
        detail = event.arguments.get("sql") or event.arguments.get("query") or ""
        _note(f"   {event.agent} {event.tool} {detail}".rstrip())
    elif isinstance(event, rev.ToolFinished) and event.error:
        _note(f"   {event.agent} {event.tool} failed: {event.error}")
    elif isinstance(event, rev.RunCompleted):
        sys.stdout.write("\n")
        _note(f"done: {len(event.sql)} SQL statement(s), {event.usage.get('total_tokens', 0)} tokens")


def _note(line: str) -> None:
    typer.echo(line, err=True)
