"""Companies that signed up: distinct names, firmographics, channel and a hidden engagement level."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta

from db.sample.timeline import add_months, month_starts

_NAME_HEADS = (
    "Blue",
    "North",
    "Bright",
    "Silver",
    "Summit",
    "Cedar",
    "Harbor",
    "Iron",
    "Nova",
    "Pioneer",
    "Quantum",
    "Red",
    "River",
    "Stone",
    "Swift",
    "Terra",
    "Urban",
    "Vector",
    "Willow",
    "Zenith",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Horizon",
    "Juniper",
    "Keystone",
)
_NAME_TAILS = (
    "Logistics",
    "Health",
    "Retail",
    "Foods",
    "Energy",
    "Media",
    "Capital",
    "Robotics",
    "Software",
    "Freight",
    "Bio",
    "Outdoors",
    "Learning",
    "Security",
    "Travel",
    "Apparel",
    "Analytics",
    "Foundry",
    "Networks",
    "Clinics",
)
_NAME_SUFFIXES = ("Inc", "LLC", "Ltd", "Group", "Co", "GmbH")

INDUSTRIES = (
    "software",
    "ecommerce",
    "healthcare",
    "fintech",
    "manufacturing",
    "education",
    "media",
    "logistics",
)
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
SIZE_WEIGHTS = (30, 35, 20, 10, 5)
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "AU", "NL", "IN", "BR", "SE")
COUNTRY_WEIGHTS = (40, 12, 10, 7, 8, 5, 4, 6, 4, 4)
CHANNELS = ("organic_search", "paid_search", "referral", "partner", "outbound_sales", "events")
CHANNEL_WEIGHTS = (30, 22, 15, 10, 15, 8)


@dataclass(frozen=True)
class Customer:
    customer_id: int
    company_name: str
    industry: str
    company_size: str
    country: str
    acquisition_channel: str
    signup_date: date
    # Not stored: drives usage, conversion, plan changes and churn (low usage -> more churn).
    engagement: float

    def row(self) -> tuple[object, ...]:
        return (
            self.customer_id,
            self.company_name,
            self.industry,
            self.company_size,
            self.country,
            self.acquisition_channel,
            self.signup_date,
        )


def signups_per_month(first: date, last: date) -> list[tuple[date, int]]:
    """A launch cohort in Jan 2024, then steadily growing monthly sign-ups (~900 in total)."""
    months = month_starts(first, last)
    return [(start, 28 + round(0.9 * i) + (30 if i == 0 else 0)) for i, start in enumerate(months)]


def company_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct names: drawn without replacement from every head/tail/suffix combination."""
    combos = list(itertools.product(_NAME_HEADS, _NAME_TAILS, _NAME_SUFFIXES))
    return [f"{head} {tail} {suffix}" for head, tail, suffix in rng.sample(combos, count)]


def generate_customers(rng: random.Random, first: date, last: date) -> list[Customer]:
    plan = signups_per_month(first, last)
    names = iter(company_names(rng, sum(n for _, n in plan)))
    customers: list[Customer] = []
    for month, count in plan:
        days_in_month = (add_months(month, 1) - month).days
        for day_offset in sorted(rng.randrange(days_in_month) for _ in range(count)):
            customers.append(
                _customer(rng, len(customers) + 1, next(names), month + timedelta(days=day_offset))
            )
    return customers


def _customer(rng: random.Random, customer_id: int, name: str, signup: date) -> Customer:
    size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
    channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
    # Referral and partner customers arrive better qualified: a little more engaged on average.
    boost = 0.6 if channel in ("referral", "partner") else 0.0
    return Customer(
        customer_id=customer_id,
        company_name=name,
        industry=rng.choice(INDUSTRIES),
        company_size=size,
        country=rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
        acquisition_channel=channel,
        signup_date=signup,
        engagement=rng.betavariate(2.0 + boost, 2.0),
    )
