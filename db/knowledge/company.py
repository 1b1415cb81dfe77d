"""Who the company is: `company.json` at the top of the knowledge folder, and the COMPANY_* settings.

    {
      "name": "Northwind Traders",
      "description": "One paragraph: what the company does and for whom.",
      "currency": "EUR",                  optional, ISO 4217
      "fiscal_year_start_month": 4,       optional, 1-12 (default January)
      "timezone": "Europe/Berlin"         optional, IANA name (default UTC)
    }

The file is validated like the other knowledge files (file, line, field) and stored in
`ai.company_profile` by the knowledge load. A COMPANY_* setting that is set wins over the file's field.
With neither, there is no profile and the agents say "the company".
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, text

from core.settings import Settings, known_timezone
from db.knowledge.problems import Problem
from db.knowledge.schema import Checker, parse_json

FILE = "company.json"
COMPANY_SHAPE = {
    "name": str,
    "description": str,
    "currency?": str,
    "fiscal_year_start_month?": int,
    "timezone?": str,
}


@dataclass(frozen=True)
class CompanyProfile:
    name: str | None = None
    description: str | None = None
    currency: str | None = None
    fiscal_year_start_month: int | None = None
    timezone: str | None = None

    @property
    def zone(self) -> str:
        return self.timezone or "UTC"

    def fiscal_year_start(self, today: date) -> date:
        """The first day of the fiscal year `today` falls in."""
        month = self.fiscal_year_start_month or 1
        year = today.year if today.month >= month else today.year - 1
        return date(year, month, 1)


def read_company(text_: str, file: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The validated profile of a company.json (only the known fields), or its problems."""
    value, lines, problems = parse_json(text_, file)
    if problems:
        return None, problems
    checker = Checker(file, lines)
    checker.check(value, COMPANY_SHAPE)
    if isinstance(value, dict):
        _check_values(checker, value)
    if checker.problems:
        return None, checker.problems
    return {f.name: value[f.name] for f in fields(CompanyProfile) if f.name in value}, []


def _check_values(checker: Checker, value: dict[str, Any]) -> None:
    """What the shape cannot say; fields of the wrong type were reported by the shape already."""
    currency, month, zone = (value.get(k) for k in ("currency", "fiscal_year_start_month", "timezone"))
    if isinstance(currency, str) and not re.fullmatch(r"[A-Z]{3}", currency):
        checker.fail(("currency",), "must be an ISO 4217 code of three capital letters, e.g. EUR")
    if isinstance(month, int) and not 1 <= month <= 12:
        checker.fail(("fiscal_year_start_month",), "must be a month number from 1 to 12")
    if isinstance(zone, str) and zone.strip() and not known_timezone(zone):
        checker.fail(("timezone",), "unknown time zone: use an IANA name such as Europe/Berlin or UTC")


def store_company(conn: Connection, profile: dict[str, Any] | None) -> None:
    """Replace the stored profile (inside the knowledge load's transaction); None removes it."""
    conn.execute(text("DELETE FROM ai.company_profile"))
    if profile is not None:
        conn.execute(
            text("INSERT INTO ai.company_profile (profile) VALUES (CAST(:p AS jsonb))"),
            {"p": json.dumps(profile)},
        )


def company_profile(service: Engine, settings: Settings) -> CompanyProfile | None:
    """The stored file's profile with every COMPANY_* setting that is set on top; None if neither."""
    return with_settings(stored_company(service), settings)


def stored_company(service: Engine) -> dict[str, Any] | None:
    """The profile the knowledge load stored (company.json's fields), None without one."""
    with service.connect() as conn:
        return conn.execute(text("SELECT profile FROM ai.company_profile")).scalar()  # type: ignore[no-any-return]


def with_settings(stored: dict[str, Any] | None, settings: Settings) -> CompanyProfile | None:
    """`stored` with every COMPANY_* setting that is set on top; None if neither says anything."""
    profile = CompanyProfile(**(stored or {}))
    overrides = {f.name: getattr(settings, _setting(f.name)) for f in fields(CompanyProfile)}
    profile = replace(profile, **{k: v for k, v in overrides.items() if v is not None})
    return None if profile == CompanyProfile() else profile


def _setting(field_name: str) -> str:
    return "company_fiscal_year_start" if field_name == "fiscal_year_start_month" else f"company_{field_name}"


def describe_company(profile: CompanyProfile) -> str:
    """The profile as a few lines of prompt text."""
    lines = [f"{profile.name or 'The company'}: {profile.description or 'no description given.'}"]
    if profile.currency:
        lines.append(f"Money amounts are in {profile.currency} unless a column says otherwise.")
    month = calendar.month_name[profile.fiscal_year_start_month or 1]
    lines.append(f"The fiscal year starts in {month}. Time zone: {profile.zone}.")
    return "\n".join(lines)
