"""Cron expressions, time zones and the misfire policy, as pure functions over APScheduler triggers.

Cron is the standard 5-field form (minute hour day-of-month month day-of-week) with Sunday as 0
or 7. APScheduler 3 counts weekday 0 as Monday, so the day-of-week field is translated to names.

Misfire policy (`plan_firing`): a firing is due once its time has passed. If the latest due time
is at most `grace_s` old, it runs once, even when several were missed (coalesced). If every missed
time is older than the grace, the firing is recorded as skipped and the schedule waits for its
next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

# Dates and weekdays of the Gregorian calendar repeat every 400 years (146,097 days, a whole number
# of weeks): a cron with no firing within one cycle never fires.
CALENDAR_CYCLE = timedelta(days=146_097)
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
FIELDS = "minute hour day-of-month month day-of-week"


class Action(StrEnum):
    run = "run"
    skip = "skip"
    wait = "wait"


@dataclass(frozen=True)
class Firing:
    """What to do about a schedule now, and for which scheduled time."""

    action: Action
    scheduled_for: datetime | None = None
    reason: str = ""


def parse_timezone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError with a readable message otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'UTC' or 'Europe/Berlin'"
        ) from None


def parse_cron(expr: str, timezone: str = "UTC", end: datetime | None = None) -> CronTrigger:
    """A trigger for the 5-field cron `expr` in `timezone` (none after `end`); ValueError saying what is wrong."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields ({FIELDS}); {expr!r} has {len(fields)}")
    minute, hour, day, month, weekday = fields
    tz = parse_timezone(timezone)
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=cron_weekdays(weekday),
            timezone=tz,
            end_date=end,
        )
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {expr!r}: {exc}") from None


def check_fires(expr: str, now: datetime | None = None) -> CronTrigger:
    """`parse_cron(expr)`, also refusing a cron no date matches (30 February): it would never run."""
    now = now or datetime.now(UTC)
    if next_fire(parse_cron(expr, end=now + CALENDAR_CYCLE), now) is None:
        raise ValueError(
            f"cron expression {expr!r} never fires: no date matches its day-of-month, month and"
            " day-of-week (e.g. 30 February, or 31 April); check those fields"
        )
    return parse_cron(expr)


def cron_weekdays(field: str) -> str:
    """Standard cron day-of-week (0 or 7 = Sunday, names allowed) as APScheduler weekday names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        days |= _weekday_item(item)
    return ",".join(WEEKDAYS[day] for day in sorted(days))


def _weekday_item(item: str) -> set[int]:
    body, slash, step_text = item.partition("/")
    if slash and not step_text.isdigit() or step_text == "0":
        raise ValueError(f"day-of-week step in {item!r} must be a positive number")
    step = int(step_text) if slash else 1
    first, dash, last = body.partition("-")
    if body == "*":
        low, high = 0, 6
    else:
        low = _weekday(first)
        high = _weekday(last) if dash else (6 if slash else low)
    if low > high:
        raise ValueError(f"day-of-week range {body!r} runs backwards")
    return {day % 7 for day in range(low, high + 1, step)}


def _weekday(token: str) -> int:
    lowered = token.lower()
    if lowered in WEEKDAYS:
        return WEEKDAYS.index(lowered)
    if lowered.isdigit() and int(lowered) <= 7:
        return int(lowered)
    raise ValueError(f"day of week {token!r} is not 0-7 or sun..sat")


def next_fire(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The first fire time strictly after `after`."""
    return trigger.get_next_fire_time(None, after + timedelta(microseconds=1))  # type: ignore[no-any-return]


def latest_fire(trigger: CronTrigger, since: datetime, now: datetime) -> datetime | None:
    """The last fire time in [since, now], or None."""
    latest, candidate = None, trigger.get_next_fire_time(None, since)
    while candidate is not None and candidate <= now:
        latest, candidate = candidate, next_fire(trigger, candidate)
    return latest


def plan_firing(trigger: CronTrigger, next_run_at: datetime | None, now: datetime, grace_s: float) -> Firing:
    """Run, skip or wait, given the firing the schedule expects next (see the module docstring)."""
    if next_run_at is None or next_run_at > now:
        return Firing(Action.wait)
    recent = latest_fire(trigger, max(next_run_at, now - timedelta(seconds=grace_s)), now)
    if recent is not None:
        return Firing(Action.run, recent)
    return Firing(
        Action.skip,
        next_run_at,
        f"missed: due at {next_run_at.isoformat()}, more than {grace_s:g} s ago "
        "(SCHEDULER_MISFIRE_GRACE_S); waiting for the next time",
    )


def first_run(cron: str, timezone: str, now: datetime) -> datetime | None:
    """The next_run_at of a schedule saved (or enabled) at `now`."""
    return next_fire(parse_cron(cron, timezone), now)


def upcoming(trigger: CronTrigger, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times strictly after `after` (fewer only if the trigger ends)."""
    times: list[datetime] = []
    current = next_fire(trigger, after)
    while current is not None and len(times) < count:
        times.append(current)
        current = next_fire(trigger, current)
    return times
