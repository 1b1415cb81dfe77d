"""Subscription histories: trial, conversion, upgrades/downgrades and cancellation.

Every change closes the current row (ended_at, end_reason) and, unless the customer leaves, opens a
new row starting the same day, so each customer's rows form one gap-free chain with at most one open
row. Churn is decided at billing anniversaries (monthly for monthly plans, yearly for annual plans),
spikes in January (budget reviews) and is far likelier for low-engagement customers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from db.sample.customers import Customer
from db.sample.timeline import DATA_END, add_months, money

TRIAL_DAYS = 30
PLANS = ("starter", "growth", "business", "enterprise")
SEAT_PRICE = {"starter": 12, "growth": 25, "business": 40, "enterprise": 65}
PLAN_WEIGHTS_BY_SIZE = {
    "1-10": (70, 25, 5, 0),
    "11-50": (40, 40, 17, 3),
    "51-200": (15, 40, 35, 10),
    "201-1000": (5, 25, 40, 30),
    "1000+": (0, 10, 35, 55),
}
SEATS_BY_SIZE = {
    "1-10": (2, 8),
    "11-50": (5, 25),
    "51-200": (15, 60),
    "201-1000": (30, 120),
    "1000+": (60, 250),
}
ANNUAL_SHARE = {"starter": 0.15, "growth": 0.3, "business": 0.45, "enterprise": 0.65}
CANCELLATION_REASONS = (
    "too_expensive",
    "missing_features",
    "switched_to_competitor",
    "low_usage",
    "budget_cuts",
    "poor_support",
    "business_closed",
)
JANUARY_CHURN_MULTIPLIER = 4.0


@dataclass(frozen=True)
class Subscription:
    subscription_id: int
    customer_id: int
    plan: str
    billing_cycle: str
    seats: int
    mrr: Decimal
    is_trial: bool
    started_at: date
    ended_at: date | None = None
    end_reason: str | None = None
    cancellation_reason: str | None = None

    def row(self) -> tuple[object, ...]:
        return (
            self.subscription_id,
            self.customer_id,
            self.plan,
            self.billing_cycle,
            self.seats,
            self.mrr,
            self.is_trial,
            self.started_at,
            self.ended_at,
            self.end_reason,
            self.cancellation_reason,
        )

    def close(self, day: date, reason: str, cancellation: str | None = None) -> Subscription:
        return replace(self, ended_at=day, end_reason=reason, cancellation_reason=cancellation)


@dataclass(frozen=True)
class PlanChange:
    change_id: int
    old: Subscription
    new: Subscription

    def row(self) -> tuple[object, ...]:
        kind = "upgrade" if PLANS.index(self.new.plan) > PLANS.index(self.old.plan) else "downgrade"
        return (
            self.change_id,
            self.old.customer_id,
            self.new.started_at,
            kind,
            self.old.subscription_id,
            self.new.subscription_id,
            self.old.plan,
            self.new.plan,
            self.old.mrr,
            self.new.mrr,
        )


class Lifecycle:
    """Simulates every customer's subscription chain; ids are handed out in creation order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.subscriptions: list[Subscription] = []
        self.changes: list[PlanChange] = []

    def run(self, customers: list[Customer]) -> None:
        for customer in customers:
            self._simulate(customer)

    def _open(
        self, customer: Customer, plan: str, cycle: str, seats: int, start: date, trial: bool = False
    ) -> Subscription:
        sub = Subscription(
            len(self.subscriptions) + 1,
            customer.customer_id,
            plan,
            cycle,
            seats,
            money(seats * SEAT_PRICE[plan]),
            trial,
            start,
        )
        self.subscriptions.append(sub)
        return sub

    def _replace(self, old: Subscription, closed: Subscription) -> None:
        self.subscriptions[old.subscription_id - 1] = closed

    def _simulate(self, customer: Customer) -> None:
        rng = self.rng
        plan = rng.choices(PLANS, PLAN_WEIGHTS_BY_SIZE[customer.company_size])[0]
        seats = rng.randint(*SEATS_BY_SIZE[customer.company_size])
        cycle = "annual" if rng.random() < ANNUAL_SHARE[plan] else "monthly"
        trial = self._open(customer, plan, cycle, seats, customer.signup_date, trial=True)
        trial_end = customer.signup_date + timedelta(days=TRIAL_DAYS)
        if trial_end > DATA_END:
            return  # still trialling when the data ends: active, but not paying
        if rng.random() > 0.45 + 0.45 * customer.engagement:
            self._replace(trial, trial.close(trial_end, "trial_expired"))
            return
        self._replace(trial, trial.close(trial_end, "trial_converted"))
        self._paid_life(customer, self._open(customer, plan, cycle, seats, trial_end))

    def _paid_life(self, customer: Customer, sub: Subscription) -> None:
        """Walk billing periods until cancellation or the end of the data."""
        k = 1
        while (anniversary := add_months(sub.started_at, k)) <= DATA_END:
            renewal = sub.billing_cycle == "monthly" or k % 12 == 0
            if renewal and self.rng.random() < self._churn_probability(customer, sub, anniversary):
                reason = self._cancellation_reason(customer, anniversary)
                self._replace(sub, sub.close(anniversary, "cancelled", reason))
                return
            changed = self._maybe_change_plan(customer, sub, anniversary, renewal)
            if changed is not None:
                sub, k = changed, 1
                continue
            k += 1

    def _churn_probability(self, customer: Customer, sub: Subscription, day: date) -> float:
        monthly = 0.004 + 0.1 * (1 - customer.engagement) ** 2
        monthly *= {"starter": 1.3, "growth": 1.0, "business": 0.8, "enterprise": 0.5}[sub.plan]
        if day.month == 1:
            monthly *= JANUARY_CHURN_MULTIPLIER
        if sub.billing_cycle == "monthly":
            return monthly
        # Annual plans decide only at renewal, with a year's worth of (lower: committed) risk at once.
        return 1 - (1 - 0.4 * monthly) ** 12

    def _cancellation_reason(self, customer: Customer, day: date) -> str:
        weights = [18, 14, 14, 8 + 40 * (1 - customer.engagement), 10, 6, 4]
        if day.month == 1:
            weights[4] += 30  # budget cuts explain much of the January spike
        return self.rng.choices(CANCELLATION_REASONS, weights)[0]

    def _maybe_change_plan(
        self, customer: Customer, sub: Subscription, anniversary: date, renewal: bool
    ) -> Subscription | None:
        """Maybe up/downgrade at a renewal: the new row starts on the anniversary."""
        if not renewal:
            return None  # annual plans change only at renewal
        level = PLANS.index(sub.plan)
        roll = self.rng.random()
        scale = 12 if sub.billing_cycle == "annual" else 1
        if roll < (0.01 + 0.04 * customer.engagement) * scale and level < len(PLANS) - 1:
            plan, seats = PLANS[level + 1], round(sub.seats * self.rng.uniform(1.0, 1.4))
        elif roll > 1 - (0.002 + 0.012 * (1 - customer.engagement)) * scale and level > 0:
            plan, seats = PLANS[level - 1], max(1, round(sub.seats * self.rng.uniform(0.6, 1.0)))
        else:
            return None
        # Changes take effect at the start of a billing period, so periods never overlap.
        day = anniversary
        kind = "upgrade" if PLANS.index(plan) > level else "downgrade"
        self._replace(sub, sub.close(day, kind))
        new = self._open(customer, plan, sub.billing_cycle, seats, day)
        self.changes.append(
            PlanChange(len(self.changes) + 1, self.subscriptions[sub.subscription_id - 1], new)
        )
        return new
