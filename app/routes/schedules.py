"""`/v1/schedules` (admin): CRUD, enable/disable, run now, run history and reports.

Who acts: the admin who saves a schedule is its `updated_by`, on whose word its cron firings
run; the admin who runs it now is that run's `acting_user`. Both reach the SQL audit trail.

Changes are saved in `ai.schedules` and this process re-syncs at once; other replicas pick them
up within SCHEDULER_SYNC_S. An invalid cron or time zone is a 422 naming the field.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from app.deps import Admin
from app.routes.models import documented_errors
from app.scheduling import ScheduleExists, SchedulerService, first_run
from app.scheduling.cron import parse_cron, upcoming
from app.scheduling.forms import CronPreview, ScheduleChanges, ScheduleForm
from core.errors import Conflict, NotFound
from db.store.schedule_records import Schedule

router = APIRouter(prefix="/v1/schedules", tags=["schedules"])
NOT_FOUND = documented_errors(e404="No such schedule.")
TAKEN = documented_errors(e409="A schedule with this name already exists.")


async def _scheduler(request: Request) -> SchedulerService:
    return request.app.state.scheduler  # type: ignore[no-any-return]


class Preview(BaseModel):
    cron: str = Field(examples=["0 8 * * 1"], description="Normalized: single spaces")
    timezone: str = Field(examples=["Europe/Berlin"])
    next: list[str] = Field(description="ISO 8601 times with the time zone's offset, soonest first")


SchedulerDep = Annotated[SchedulerService, Depends(_scheduler)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("")
async def list_schedules(_: Admin, scheduler: SchedulerDep) -> list[dict[str, Any]]:
    """Every schedule, by name."""
    return [asdict(s) for s in await asyncio.to_thread(scheduler.store.list_schedules)]


@router.post("", status_code=201, responses=TAKEN)
async def create_schedule(form: ScheduleForm, caller: Admin, scheduler: SchedulerDep) -> dict[str, Any]:
    """Save a new schedule; 409 when the name is taken."""
    next_run = first_run(form.cron, form.timezone, scheduler.clock()) if form.enabled else None
    try:
        created = await asyncio.to_thread(scheduler.store.create, form.spec(), caller.user_id, next_run)
    except ScheduleExists:
        raise Conflict(f"A schedule named {form.name!r} already exists.", detail={"field": "name"}) from None
    await scheduler.changed()
    return asdict(created)


@router.get(
    "/preview",
    responses=documented_errors(e422="The cron or time zone is invalid (the message a create would give)."),
)
async def preview_schedule(
    check: Annotated[CronPreview, Query()], _: Admin, scheduler: SchedulerDep
) -> Preview:
    """The next firing times of a cron in a time zone, to check it before saving a schedule."""
    times = upcoming(parse_cron(check.cron, check.timezone), scheduler.clock(), check.count)
    return Preview(cron=check.cron, timezone=check.timezone, next=[t.isoformat() for t in times])


@router.get("/{schedule_id}", responses=NOT_FOUND)
async def read_schedule(schedule_id: int, _: Admin, scheduler: SchedulerDep) -> dict[str, Any]:
    return asdict(await _get(scheduler, schedule_id))


@router.patch("/{schedule_id}", responses=NOT_FOUND)
async def update_schedule(
    schedule_id: int, changes: ScheduleChanges, caller: Admin, scheduler: SchedulerDep
) -> dict[str, Any]:
    """Change cron, timezone, payload, enabled or description; the next run is recomputed."""
    current = await _get(scheduler, schedule_id)
    form = _validated(changes.merged(_form_fields(current)))
    return await _save(scheduler, schedule_id, form, caller.user_id)


@router.post("/{schedule_id}/enable", responses=NOT_FOUND)
async def enable_schedule(schedule_id: int, caller: Admin, scheduler: SchedulerDep) -> dict[str, Any]:
    current = await _get(scheduler, schedule_id)
    form = _validated(_form_fields(current) | {"enabled": True})
    return await _save(scheduler, schedule_id, form, caller.user_id)


@router.post("/{schedule_id}/disable", responses=NOT_FOUND)
async def disable_schedule(schedule_id: int, caller: Admin, scheduler: SchedulerDep) -> dict[str, Any]:
    current = await _get(scheduler, schedule_id)
    # Not re-validated: switching off must work even for a schedule saved before a check existed.
    form = ScheduleForm.model_construct(**_form_fields(current) | {"enabled": False})
    return await _save(scheduler, schedule_id, form, caller.user_id)


@router.delete("/{schedule_id}", status_code=204, responses=NOT_FOUND)
async def delete_schedule(schedule_id: int, _: Admin, scheduler: SchedulerDep) -> Response:
    if not await asyncio.to_thread(scheduler.store.delete, schedule_id):
        raise NotFound(f"Schedule {schedule_id} does not exist.")
    await scheduler.changed()
    return Response(status_code=204)


@router.post("/{schedule_id}/run", status_code=202, responses=NOT_FOUND)
async def run_schedule(schedule_id: int, caller: Admin, scheduler: SchedulerDep) -> dict[str, Any]:
    """Start the schedule now (in the background), as you; poll its history for the outcome."""
    return asdict(await scheduler.run_now(await _get(scheduler, schedule_id), caller.user_id))


@router.get("/{schedule_id}/runs", responses=NOT_FOUND)
async def schedule_runs(
    schedule_id: int, _: Admin, scheduler: SchedulerDep, limit: Limit = 50
) -> list[dict[str, Any]]:
    """Run history, newest first: scheduled time, start, end, status, output or error."""
    await _get(scheduler, schedule_id)
    return [asdict(r) for r in await asyncio.to_thread(scheduler.store.runs, schedule_id, limit)]


@router.get("/{schedule_id}/reports", responses=NOT_FOUND)
async def schedule_reports(
    schedule_id: int, _: Admin, scheduler: SchedulerDep, limit: Limit = 50
) -> list[dict[str, Any]]:
    """Reports (answers and alerts) the schedule produced, newest first."""
    await _get(scheduler, schedule_id)
    return [asdict(r) for r in await asyncio.to_thread(scheduler.store.reports, schedule_id, limit)]


async def _get(scheduler: SchedulerService, schedule_id: int) -> Schedule:
    found = await asyncio.to_thread(scheduler.store.get, schedule_id)
    if found is None:
        raise NotFound(f"Schedule {schedule_id} does not exist.")
    return found


async def _save(scheduler: SchedulerService, schedule_id: int, form: ScheduleForm, by: str) -> dict[str, Any]:
    next_run = first_run(form.cron, form.timezone, scheduler.clock()) if form.enabled else None
    changes = form.model_dump(exclude={"name", "task"})
    updated = await asyncio.to_thread(scheduler.store.update, schedule_id, changes, next_run, by)
    if updated is None:
        raise NotFound(f"Schedule {schedule_id} does not exist.")
    await scheduler.changed()
    return asdict(updated)


def _form_fields(schedule: Schedule) -> dict[str, Any]:
    return {name: getattr(schedule, name) for name in ScheduleForm.model_fields}


def _validated(data: dict[str, Any]) -> ScheduleForm:
    """The merged schedule as a form; the same 422 (field named) as a bad request body."""
    try:
        return ScheduleForm.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
