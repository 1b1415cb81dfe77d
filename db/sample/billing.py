"""Invoices: monthly plans every month at mrr, annual plans once a year at mrr * 12 * 0.9.

Trials are never invoiced. An invoice is issued on each period start while the subscription row is
active (period start < ended_at) and on or before the last day of data. Only paid invoices carry
paid_at; failed, pending and refunded ones have it NULL.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from db.sample.lifecycle import Subscription
from db.sample.timeline import DATA_END, DATA_END_TS, add_months, moment, money

ANNUAL_DISCOUNT = Decimal("0.9")
STATUS_WEIGHTS = {"paid": 94.0, "failed": 3.5, "refunded": 1.5, "pending": 1.0}


def invoice_amount(sub: Subscription) -> Decimal:
    return money(sub.mrr * 12 * ANNUAL_DISCOUNT) if sub.billing_cycle == "annual" else sub.mrr


def billing_periods(sub: Subscription) -> Iterator[tuple[date, date]]:
    """(period_start, period_end inclusive) for every period the row was billed for."""
    step = 12 if sub.billing_cycle == "annual" else 1
    k = 0
    while (start := add_months(sub.started_at, k * step)) <= DATA_END and (
        sub.ended_at is None or start < sub.ended_at
    ):
        yield start, add_months(sub.started_at, (k + 1) * step) - timedelta(days=1)
        k += 1


def generate_invoices(rng: random.Random, subscriptions: list[Subscription]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for sub in subscriptions:
        if sub.is_trial:
            continue
        for start, end in billing_periods(sub):
            status, paid_at = _payment(rng, sub, start)
            due = start + timedelta(days=30 if sub.billing_cycle == "annual" else 14)
            rows.append(
                (
                    len(rows) + 1,
                    sub.customer_id,
                    sub.subscription_id,
                    start,
                    due,
                    start,
                    end,
                    invoice_amount(sub),
                    status,
                    paid_at,
                )
            )
    return rows


def _payment(rng: random.Random, sub: Subscription, issued: date) -> tuple[str, object]:
    weights = dict(STATUS_WEIGHTS)
    if sub.plan == "starter":
        weights["failed"] *= 2  # small companies' cards fail more often
    status = rng.choices(list(weights), list(weights.values()))[0]
    if status != "paid":
        return status, None
    paid_at = moment(rng, issued + timedelta(days=rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 12))))
    if paid_at > DATA_END_TS:
        return "pending", None  # payment had not arrived by the end of the data
    return "paid", paid_at
