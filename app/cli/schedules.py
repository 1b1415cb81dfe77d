"""`dash schedules list|add|run|history`: manage cron schedules from the shell."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from app.cli.common import cli_user, fail, friendly_errors, ready_target, settings

if TYPE_CHECKING:
    from app.scheduling import SchedulerService
    from db.store.schedule_records import Schedule

group = typer.Typer(help="List, add, run and inspect cron schedules.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.add_typer(group, name="schedules")


def _scheduler() -> SchedulerService:
    # The scheduler brings the agent stack along: imported when a command runs, not at `dash` start.
    from app.scheduling import build_scheduler
    from db.engines import Engines
    from db.store import Store

    s = settings()
    with friendly_errors():
        engines = Engines(ready_target(s), pool_size=2)
    return build_scheduler(s, engines, Store(engines.service))


def _find(scheduler: SchedulerService, name: str) -> Schedule:
    found = scheduler.store.get_by_name(name)
    if found is None:
        fail(f"no schedule named {name!r} (see `dash schedules list`)")
    assert found is not None
    return found


@group.command("list")
def list_schedules() -> None:
    """Every schedule: name, cron, time zone, task, enabled, next run."""
    schedules = _scheduler().store.list_schedules()
    if not schedules:
        typer.echo("no schedules yet (the built-in knowledge-refresh is added when the API starts)")
    for s in schedules:
        state = "on " if s.enabled else "off"
        typer.echo(f"{s.name:<24} {state} {s.cron:<16} {s.timezone:<16} {s.task:<18} next {s.next_run_at}")


@group.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Unique name, e.g. nightly-revenue.")],
    cron: Annotated[str, typer.Option("--cron", help="5 fields, e.g. '0 7 * * 1-5'.")],
    task: Annotated[
        str, typer.Option("--task", help="knowledge_refresh, ask, sql_check or learning_curation.")
    ],
    payload: Annotated[str, typer.Option("--payload", help="Task options as JSON.")] = "{}",
    timezone: Annotated[str, typer.Option("--timezone", help="IANA name.")] = "UTC",
    disabled: Annotated[bool, typer.Option("--disabled", help="Save it switched off.")] = False,
    description: Annotated[str, typer.Option("--description")] = "",
) -> None:
    """Save a new schedule (validated: cron, time zone and the task's payload)."""
    from app.scheduling import ScheduleExists, first_run, utcnow
    from app.scheduling.forms import ScheduleForm

    try:
        data = {"name": name, "cron": cron, "task": task, "timezone": timezone, "enabled": not disabled}
        form = ScheduleForm.model_validate(
            data | {"payload": json.loads(payload), "description": description}
        )
    except (ValidationError, json.JSONDecodeError) as exc:
        fail(_problems(exc))
        return
    scheduler = _scheduler()
    next_run = first_run(form.cron, form.timezone, utcnow()) if form.enabled else None
    try:
        created = scheduler.store.create(form.spec(), cli_user(), next_run)
    except ScheduleExists:
        fail(f"a schedule named {name!r} already exists")
        return
    typer.echo(f"added {created.name} (id {created.id}); next run {created.next_run_at}")


@group.command("run")
def run(name: Annotated[str, typer.Argument(help="The schedule to run now.")]) -> None:
    """Run a schedule once, now, in this process; prints the outcome (exit 1 when it failed)."""
    from app.scheduling import utcnow

    scheduler = _scheduler()
    schedule = _find(scheduler, name)
    claim = scheduler.store.claim(
        schedule.id,
        utcnow(),
        trigger="manual",
        replica=f"cli@{scheduler.replica}",
        next_run_at=None,
        acting_user=cli_user(),
    )
    assert claim is not None
    result = asyncio.run(scheduler.execute(schedule, claim))
    typer.echo(
        json.dumps({"status": result.status, "output": result.output, "error": result.error}, default=str)
    )
    if result.status != "succeeded":
        raise typer.Exit(1)


@group.command("history")
def history(
    name: Annotated[str, typer.Argument(help="The schedule.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 20,
) -> None:
    """Recent runs, newest first: scheduled time, status, start, end, error."""
    scheduler = _scheduler()
    for r in scheduler.store.runs(_find(scheduler, name).id, limit):
        typer.echo(
            f"{r.scheduled_for}  {r.status:<11} {r.trigger:<6} {r.started_at} -> {r.finished_at}  {r.error or ''}"
        )


def _problems(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return f"--payload is not JSON: {exc}"
