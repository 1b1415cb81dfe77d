"""Cron, time zone and misfire decisions: pure functions, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.scheduling.cron import Action, cron_weekdays, parse_cron, parse_timezone, plan_firing

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # a Monday, 04:00 UTC


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("5-7", "sun,fri,sat"),
        ("sat,1", "mon,sat"),
        ("*/3", "sun,wed,sat"),
    ],
)
def test_standard_weekdays_become_apscheduler_names(field: str, names: str) -> None:
    assert cron_weekdays(field) == names


def test_sunday_is_zero_like_standard_cron() -> None:
    fire = parse_cron("0 9 * * 0").get_next_fire_time(None, T0)
    assert fire is not None and fire.strftime("%A %H:%M") == "Sunday 09:00"


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("61 * * * *", "invalid cron expression"),
        ("0 4 * *", "5 fields"),
        ("* * * * 8", "day of week"),
        ("* * * * 5-1", "backwards"),
        ("x * * * *", "invalid cron"),
    ],
)
def test_invalid_cron_says_what_is_wrong(expr: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_cron(expr)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Europe"])
def test_unknown_timezones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="IANA"):
        parse_timezone(name)


def test_time_zone_applies_to_the_cron() -> None:
    fire = parse_cron("30 6 * * *", "Europe/Berlin").get_next_fire_time(None, T0)
    assert fire is not None and fire.astimezone(UTC).hour == 5  # CET in March


@pytest.mark.parametrize(
    ("case", "now", "action", "scheduled_for"),
    [
        ("not yet due", T0 - timedelta(seconds=1), Action.wait, None),
        ("on time", T0 + timedelta(seconds=1), Action.run, T0),
        ("late within grace", T0 + timedelta(seconds=299), Action.run, T0),
        ("missed beyond grace", T0 + timedelta(hours=3), Action.skip, T0),
        (
            "missed days, coalesced to the latest",
            T0 + timedelta(days=2, seconds=10),
            Action.run,
            T0 + timedelta(days=2),
        ),
    ],
)
def test_misfire_policy(case: str, now: datetime, action: Action, scheduled_for: datetime | None) -> None:
    plan = plan_firing(parse_cron("0 4 * * *"), T0, now, 300)
    assert (plan.action, plan.scheduled_for) == (action, scheduled_for), case
