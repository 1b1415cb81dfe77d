"""The data window and date arithmetic shared by every generation step."""

from __future__ import annotations

import calendar
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

DATA_START = date(2024, 1, 1)
# The data ends here: "last week" relative to today has no rows, and the knowledge says so.
DATA_END = date(2025, 12, 31)
DATA_END_TS = datetime.combine(DATA_END, time(23, 59, 59), tzinfo=UTC)

CENT = Decimal("0.01")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (Jan 31 + 1 -> Feb 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_starts(first: date, last: date) -> list[date]:
    """First day of every calendar month from `first`'s month to `last`'s month, inclusive."""
    starts, current = [], first.replace(day=1)
    while current <= last:
        starts.append(current)
        current = add_months(current, 1)
    return starts


def days_between(first: date, end_exclusive: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((end_exclusive - first).days)]


def money(value: float | Decimal) -> Decimal:
    """Round to cents the way an invoice does (half up), so SQL `round(x, 2)` agrees."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def moment(rng: random.Random, day: date, *, business_hours: bool = False) -> datetime:
    """A random instant on `day` in UTC; business hours skew towards 08:00-18:00."""
    seconds = rng.randint(8 * 3600, 18 * 3600) if business_hours else rng.randint(0, 86_399)
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=seconds)


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's Poisson sampler: small means only, which is all we need."""
    limit, count, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
