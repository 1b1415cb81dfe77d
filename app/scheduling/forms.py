"""The schedule a person submits (REST body, CLI options), validated field by field.

Errors name the field (`cron`, `timezone`, `payload.sql`) so REST answers 422 with it and the CLI
prints it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.json_schema import SkipJsonSchema

from app.scheduling.cron import check_fires, parse_timezone
from app.scheduling.payloads import validate_payload
from db.store.schedule_records import ScheduleSpec, Task


class When(BaseModel):
    """When a schedule fires: a cron that fires at all, in a real time zone (checked once, here)."""

    cron: str = Field(description="5 fields: minute hour day-of-month month day-of-week (0 or 7 = Sunday).")
    timezone: str = Field(default="UTC", description="IANA name, e.g. Europe/Berlin.")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        check_fires(value)
        return " ".join(value.split())

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        parse_timezone(value)
        return value


class ScheduleForm(When):
    # A misspelt field would otherwise be dropped and the schedule saved without it.
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    task: Task
    payload: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    description: str = Field(default="", max_length=2000)

    @field_validator("payload")
    @classmethod
    def _payload(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        task = info.data.get("task")
        if task is None:  # the task itself was invalid and is reported on its own
            return value
        try:
            return validate_payload(task, value)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"invalid payload for task {task!r}: {problems}") from None

    def spec(self) -> ScheduleSpec:
        return ScheduleSpec(**self.model_dump())


class ScheduleChanges(BaseModel):
    """A partial update: only the fields given change; the merged schedule is validated as a form.

    `name` and `task` are refused (a schedule's history and reports belong to what it was); any
    other unknown field too, rather than answering 200 and changing nothing.
    """

    model_config = ConfigDict(extra="forbid")
    name: SkipJsonSchema[Any] = None
    task: SkipJsonSchema[Any] = None
    cron: str | None = None
    timezone: str | None = None
    payload: dict[str, Any] | None = None
    enabled: bool | None = None
    description: str | None = None

    @field_validator("name", "task", mode="before")
    @classmethod
    def _fixed(cls, value: Any, info: ValidationInfo) -> Any:
        raise ValueError(
            f"a schedule's {info.field_name} cannot be changed: create a new schedule (and delete this one)"
        )

    def merged(self, current: dict[str, Any]) -> dict[str, Any]:
        return current | self.model_dump(exclude_none=True, exclude={"name", "task"})


class CronPreview(When):
    """A cron and time zone to check before saving: the same checks, and messages, as ScheduleForm."""

    count: int = Field(default=5, ge=1, le=50, description="How many firing times to list.")
