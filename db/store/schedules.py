"""`ai.schedules`, `ai.schedule_runs` and `ai.reports` on the service engine; each method one transaction.

`claim()` is the exactly-once point: the INSERT ... ON CONFLICT DO NOTHING on (schedule_id,
scheduled_for) lets one replica win a firing; the others get None and do nothing. `recover_lost()`
is the same for runs whose replica died: one UPDATE, so exactly one replica marks each of them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from db.store.schedule_records import Report, Schedule, ScheduleRun, ScheduleSpec, record

COLUMNS = "name, cron, timezone, task, payload, enabled, description, created_by, updated_by"
VALUES = ":name, :cron, :timezone, :task, :payload, :enabled, :description, :by, :by"
LAST_SIGN_OF_LIFE = "coalesce(heartbeat_at, started_at)"  # matches the index of migration 075
EDITABLE = ("cron", "timezone", "task", "payload", "enabled", "description")


@dataclass(frozen=True)
class Mark:
    """How a firing is recorded: by which trigger and replica, for whom, with what status."""

    trigger: str
    replica: str
    acting_user: str | None
    status: str
    error: str | None = None


class ScheduleExists(Exception):
    """A schedule with this name already exists."""


class ScheduleStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, spec: ScheduleSpec, created_by: str, next_run_at: datetime | None) -> Schedule:
        """Insert a new schedule; ScheduleExists when the name is taken."""
        try:
            row = self._one(
                f"INSERT INTO ai.schedules ({COLUMNS}, next_run_at) VALUES ({VALUES}, :next) RETURNING *",
                _spec_params(spec) | {"by": created_by, "next": next_run_at},
            )
        except IntegrityError:
            raise ScheduleExists(spec.name) from None
        assert row is not None
        return row

    def ensure(self, spec: ScheduleSpec, created_by: str, next_run_at: datetime | None) -> bool:
        """Insert the schedule unless one with its name exists (idempotent); True when inserted."""
        sql = (
            f"INSERT INTO ai.schedules ({COLUMNS}, next_run_at) VALUES ({VALUES}, :next)"
            " ON CONFLICT (name) DO NOTHING RETURNING id"
        )
        with self.engine.begin() as conn:
            params = _spec_params(spec) | {"by": created_by, "next": next_run_at}
            return conn.execute(text(sql), params).first() is not None

    def get(self, schedule_id: int) -> Schedule | None:
        return self._one("SELECT * FROM ai.schedules WHERE id = :id", {"id": schedule_id})

    def get_by_name(self, name: str) -> Schedule | None:
        return self._one("SELECT * FROM ai.schedules WHERE name = :name", {"name": name})

    def list_schedules(self, *, enabled_only: bool = False) -> list[Schedule]:
        where = " WHERE enabled" if enabled_only else ""
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT * FROM ai.schedules{where} ORDER BY name"))
            return [record(Schedule, row) for row in rows]

    def update(
        self, schedule_id: int, changes: dict[str, Any], next_run_at: datetime | None, updated_by: str
    ) -> Schedule | None:
        """Apply `changes` (keys from EDITABLE) and set the next run; None when there is no such schedule."""
        sets = ", ".join(f"{key} = :{key}" for key in changes if key in EDITABLE)
        params = {key: _db_value(key, value) for key, value in changes.items() if key in EDITABLE}
        sql = (
            f"UPDATE ai.schedules SET {sets + ', ' if sets else ''}next_run_at = :next, updated_at = now(),"
            " updated_by = :by"
        )
        params |= {"id": schedule_id, "next": next_run_at, "by": updated_by}
        return self._one(sql + " WHERE id = :id RETURNING *", params)

    def delete(self, schedule_id: int) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(text("DELETE FROM ai.schedules WHERE id = :id"), {"id": schedule_id})
            return result.rowcount > 0

    def claim(
        self,
        schedule_id: int,
        scheduled_for: datetime,
        *,
        trigger: str,
        replica: str,
        next_run_at: datetime | None,
        acting_user: str | None,
    ) -> ScheduleRun | None:
        """Win the firing (a 'running' run) or None when another replica already has it."""
        mark = Mark(trigger, replica, acting_user, "running")
        return self._mark(schedule_id, scheduled_for, next_run_at, mark)

    def skip(
        self,
        schedule_id: int,
        scheduled_for: datetime,
        *,
        reason: str,
        replica: str,
        next_run_at: datetime | None,
        acting_user: str | None,
    ) -> ScheduleRun | None:
        """Record a firing that will not run (missed beyond the grace); None when already recorded."""
        mark = Mark("cron", replica, acting_user, "skipped", reason)
        return self._mark(schedule_id, scheduled_for, next_run_at, mark)

    def finish(self, run_id: int, status: str, output: Any = None, error: str | None = None) -> ScheduleRun:
        sql = (
            "UPDATE ai.schedule_runs SET status = :status, output = :output, error = :error,"
            " finished_at = now() WHERE id = :id RETURNING *"
        )
        params = {"id": run_id, "status": status, "output": _json(output), "error": error}
        with self.engine.begin() as conn:
            return record(ScheduleRun, conn.execute(text(sql), params).one())  # type: ignore[no-any-return]

    def heartbeat(self, run_id: int) -> bool:
        """Renew a running run's lease; False when it is no longer running (e.g. recovered elsewhere)."""
        sql = "UPDATE ai.schedule_runs SET heartbeat_at = now() WHERE id = :id AND status = 'running'"
        with self.engine.begin() as conn:
            return conn.execute(text(sql), {"id": run_id}).rowcount > 0

    def recover_lost(self, lease_s: float) -> list[ScheduleRun]:
        """Mark 'interrupted' the running runs with no sign of life for `lease_s` (their replica died).

        Time is the database's, so replicas with skewed clocks agree. A row another replica is
        marking at the same moment is re-checked after its lock and no longer matches.
        """
        sql = (
            "UPDATE ai.schedule_runs SET status = 'interrupted', finished_at = now(),"
            " error = format('replica %s stopped while running this (no heartbeat since %s);"
            " the next firing runs as scheduled', coalesce(replica, 'unknown'),"
            f" to_char({LAST_SIGN_OF_LIFE} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'))"
            f" WHERE status = 'running' AND {LAST_SIGN_OF_LIFE} < now() - make_interval(secs => :lease)"
            " RETURNING *"
        )
        with self.engine.begin() as conn:
            return [record(ScheduleRun, row) for row in conn.execute(text(sql), {"lease": lease_s})]

    def runs(self, schedule_id: int, limit: int = 50) -> list[ScheduleRun]:
        """The schedule's runs, newest first."""
        sql = "SELECT * FROM ai.schedule_runs WHERE schedule_id = :id ORDER BY started_at DESC, id DESC LIMIT :n"
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), {"id": schedule_id, "n": limit})
            return [record(ScheduleRun, row) for row in rows]

    def add_report(
        self, run: ScheduleRun, title: str, body: str, data: dict[str, Any], delivered_to: str | None
    ) -> Report:
        sql = (
            "INSERT INTO ai.reports (schedule_id, run_id, title, body, data, delivered_to)"
            " VALUES (:sid, :rid, :title, :body, :data, :to) RETURNING *"
        )
        params = {"sid": run.schedule_id, "rid": run.id, "title": title, "body": body}
        with self.engine.begin() as conn:
            row = conn.execute(text(sql), params | {"data": _json(data), "to": delivered_to}).one()
            return record(Report, row)  # type: ignore[no-any-return]

    def reports(self, schedule_id: int, limit: int = 50) -> list[Report]:
        """The schedule's reports, newest first."""
        sql = "SELECT * FROM ai.reports WHERE schedule_id = :id ORDER BY created_at DESC, id DESC LIMIT :n"
        with self.engine.connect() as conn:
            return [record(Report, row) for row in conn.execute(text(sql), {"id": schedule_id, "n": limit})]

    def _mark(self, sid: int, due: datetime, nxt: datetime | None, mark: Mark) -> ScheduleRun | None:
        finished = "now()" if mark.status != "running" else "NULL"
        sql = (
            "INSERT INTO ai.schedule_runs (schedule_id, scheduled_for, trigger, replica, acting_user, status,"
            f" error, finished_at) VALUES (:sid, :due, :trigger, :replica, :acting_user, :status, :error,"
            f" {finished}) ON CONFLICT (schedule_id, scheduled_for) DO NOTHING RETURNING *"
        )
        with self.engine.begin() as conn:
            row = conn.execute(text(sql), {"sid": sid, "due": due, **asdict(mark)}).first()
            if row is not None and mark.trigger == "cron":
                _advance(conn, sid, nxt)
        return record(ScheduleRun, row) if row is not None else None

    def _one(self, sql: str, params: dict[str, Any]) -> Schedule | None:
        with self.engine.begin() as conn:
            row = conn.execute(text(sql), params).first()
        return record(Schedule, row) if row is not None else None


def _advance(conn: Any, schedule_id: int, next_run_at: datetime | None) -> None:
    """Move the expected next firing forward (never back: a slower replica must not rewind it)."""
    if next_run_at is None:
        return
    conn.execute(
        text(
            "UPDATE ai.schedules SET next_run_at = :next WHERE id = :id"
            " AND (next_run_at IS NULL OR next_run_at < CAST(:next AS timestamptz))"
        ),
        {"id": schedule_id, "next": next_run_at},
    )


def _spec_params(spec: ScheduleSpec) -> dict[str, Any]:
    return {key: _db_value(key, getattr(spec, key)) for key in ("name", *EDITABLE)}


def _db_value(key: str, value: Any) -> Any:
    return _json(value) if key == "payload" else value


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)
