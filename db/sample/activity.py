"""What customers do while subscribed: sampled usage metrics and support tickets.

Usage is sampled on 3-5 distinct days per customer-month (never daily), so averages are meaningful
and sums are not. Engagement drives usage; in the two months before a cancellation usage drops, which
is the signal at-risk queries look for. Tickets come more often from struggling customers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from db.sample.customers import Customer
from db.sample.lifecycle import Subscription
from db.sample.timeline import DATA_END, DATA_END_TS, add_months, days_between, moment, month_starts, poisson

PRIORITIES = ("low", "medium", "high", "urgent")
PRIORITY_WEIGHTS = (30, 45, 20, 5)
# Median hours to resolve, by priority.
RESOLUTION_HOURS = {"low": 60.0, "medium": 30.0, "high": 12.0, "urgent": 4.0}
CATEGORIES = ("billing", "bug", "how_to", "feature_request", "integration", "account")
CATEGORY_WEIGHTS = (15, 25, 25, 12, 15, 8)
CHANNELS = ("email", "chat", "phone")
SURVEY_SKIP_RATE = 0.4


@dataclass(frozen=True)
class Tenure:
    """One customer's subscribed time: a gap-free chain of subscription rows."""

    customer: Customer
    subs: list[Subscription]

    @property
    def start(self) -> date:
        return self.subs[0].started_at

    @property
    def end(self) -> date:
        """First day no longer subscribed (exclusive); the day after the data ends if still active."""
        last = self.subs[-1].ended_at
        return last if last is not None else DATA_END + timedelta(days=1)

    @property
    def cancelled_on(self) -> date | None:
        last = self.subs[-1]
        return last.ended_at if last.end_reason == "cancelled" else None

    def monthly_windows(self) -> list[list[date]]:
        """The subscribed days of each calendar month of the tenure (never empty)."""
        last_day = self.end - timedelta(days=1)
        return [
            days_between(max(month, self.start), min(add_months(month, 1), self.end))
            for month in month_starts(self.start, last_day)
        ]

    def seats_on(self, day: date) -> int:
        return next(s.seats for s in reversed(self.subs) if s.started_at <= day)

    def intensity(self, day: date) -> float:
        """Share of seats active on a typical day; fades before a cancellation."""
        level = 0.15 + 0.75 * self.customer.engagement
        cancelled = self.cancelled_on
        if cancelled is not None and (cancelled - day).days <= 60:
            level *= 0.55
        return level


def tenures(customers: list[Customer], subscriptions: list[Subscription]) -> list[Tenure]:
    by_customer: dict[int, list[Subscription]] = {c.customer_id: [] for c in customers}
    for sub in subscriptions:
        by_customer[sub.customer_id].append(sub)
    return [Tenure(c, sorted(by_customer[c.customer_id], key=lambda s: s.started_at)) for c in customers]


def generate_usage(rng: random.Random, spans: list[Tenure]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for tenure in spans:
        total_dashboards = rng.randint(0, 2)
        for day in _sample_days(rng, tenure):
            seats = tenure.seats_on(day)
            share = min(1.0, tenure.intensity(day) * rng.uniform(0.8, 1.2))
            active = max(1, round(seats * share))
            total_dashboards += rng.choice((0, 0, 1, 1, 2, 3))  # cumulative: never decreases
            rows.append(
                (
                    tenure.customer.customer_id,
                    day,
                    active,
                    active * rng.randint(3, 15),
                    active * rng.randint(1, 6),
                    round(active * share * rng.randint(20, 200)),
                    total_dashboards,
                )
            )
    return rows


def _sample_days(rng: random.Random, tenure: Tenure) -> list[date]:
    """3-5 distinct days per month of tenure; months with fewer than 3 subscribed days are skipped."""
    picked: list[date] = []
    for window in tenure.monthly_windows():
        if len(window) >= 3:
            picked += sorted(rng.sample(window, min(len(window), rng.randint(3, 5))))
    return picked


def generate_tickets(rng: random.Random, spans: list[Tenure]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for tenure in spans:
        engagement = tenure.customer.engagement
        for window in tenure.monthly_windows():
            rate = (0.15 + 0.45 * (1 - engagement) + tenure.seats_on(window[0]) / 300) * len(window) / 30
            for _ in range(poisson(rng, rate)):
                created = moment(rng, rng.choice(window), business_hours=True)
                rows.append((len(rows) + 1, tenure.customer.customer_id, created, *_resolution(rng, created)))
    rows.sort(key=lambda r: r[2])  # type: ignore[arg-type, return-value]
    return [(i + 1, *row[1:]) for i, row in enumerate(rows)]


def _resolution(rng: random.Random, created: datetime) -> tuple[object, ...]:
    priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
    category = rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
    channel = rng.choice(CHANNELS)
    hours = RESOLUTION_HOURS[priority] * rng.lognormvariate(0, 0.8)
    resolved = created + timedelta(hours=hours)
    if resolved > DATA_END_TS or rng.random() < 0.01:  # still open when the data ends, or stuck
        status = rng.choice(("open", "in_progress"))
        return None, status, priority, category, channel, None
    return (
        resolved,
        "resolved",
        priority,
        category,
        channel,
        _satisfaction(rng, hours / RESOLUTION_HOURS[priority]),
    )


def _satisfaction(rng: random.Random, slowness: float) -> int | None:
    """CSAT 1-5, worse when resolution was slow for its priority; often the survey goes unanswered."""
    if rng.random() < SURVEY_SKIP_RATE:
        return None
    score = 4.6 - 0.9 * max(0.0, slowness - 1.0) + rng.gauss(0, 0.7)
    return max(1, min(5, round(score)))
