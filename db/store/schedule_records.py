"""What the scheduler reads and writes: schedules, their runs and reports, as frozen records."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

Task = Literal["knowledge_refresh", "ask", "sql_check", "learning_curation"]
TASKS: tuple[Task, ...] = ("knowledge_refresh", "ask", "sql_check", "learning_curation")


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule as a person defines it (validated before it gets here)."""

    name: str
    cron: str
    task: Task
    timezone: str = "UTC"
    payload: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True)
class Schedule:
    id: int
    name: str
    cron: str
    timezone: str
    task: Task
    payload: dict[str, Any]
    enabled: bool
    description: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    next_run_at: datetime | None
    updated_by: str | None  # who last saved it: its cron firings act on their word


@dataclass(frozen=True)
class ScheduleRun:
    id: int
    schedule_id: int
    scheduled_for: datetime
    trigger: str
    replica: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None  # last renewal of a running run's lease (see app/scheduling/lease.py)
    output: Any
    error: str | None
    # Who made it run: the admin who ran it now, or for a cron firing the schedule's updated_by.
    acting_user: str | None


@dataclass(frozen=True)
class Report:
    id: int
    schedule_id: int
    run_id: int
    title: str
    body: str
    data: dict[str, Any]
    delivered_to: str | None
    created_at: datetime


def record(cls: Any, row: Any) -> Any:
    """Build the dataclass `cls` from a result row with (at least) its fields."""
    mapping = row._mapping
    return cls(**{f.name: mapping[f.name] for f in fields(cls)})
