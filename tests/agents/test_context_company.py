"""The company and today-and-coverage context steps, each alone, and where the agents get them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from agents.context import ANALYST_STEPS, Request, Sources, assemble, company, today_and_coverage
from agents.leader import leader_context
from agents.prompts import ANALYST, LEADER
from agents.team import Deps
from db.embeddings import local_embedder
from db.knowledge.coverage import refresh_coverage
from tests.agents import harness

agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)
QUESTION = Request("How much usage did we see last week?", "alice", "INSTRUCTIONS")


def sources(deps: Deps) -> Sources:
    return Sources(deps.engines.service, local_embedder(), deps.settings)


def test_the_company_step_describes_the_company_of_the_loaded_knowledge(deps: Deps) -> None:
    section = company(sources(deps), QUESTION)
    assert section is not None and section.title == "The company"
    assert section.text.startswith("Acme Analytics: ") and "USD" in section.text


def test_a_company_setting_wins_over_the_file(make_deps: Callable[..., Deps]) -> None:
    section = company(sources(make_deps(company_name="Globex")), QUESTION)
    assert section is not None and section.text.startswith("Globex: Acme Analytics is a B2B SaaS")


def test_today_is_given_in_the_company_time_zone(make_deps: Callable[..., Deps]) -> None:
    zone = "Pacific/Kiritimati"  # UTC+14: most days its date differs from UTC's for hours
    section = today_and_coverage(sources(make_deps(company_timezone=zone)), QUESTION)
    today = datetime.now(ZoneInfo(zone)).date()
    assert section.text.startswith(f"Today is {today:%A %Y-%m-%d} ({zone})")


def test_coverage_lines_come_from_the_measurement_with_the_named_table_first(deps: Deps) -> None:
    before = today_and_coverage(sources(deps), QUESTION).text
    assert "No table or view has been measured yet" in before
    refresh_coverage(deps.engines)
    lines = today_and_coverage(sources(deps), QUESTION).text.splitlines()
    assert lines[2].startswith("- public.usage_metrics: ")
    assert "metric_date 2024-01-" in lines[2] and lines[2].endswith(".. 2025-12-31")
    assert any(line.startswith("- public.customers: ") for line in lines)


def test_the_leader_and_the_analyst_get_company_today_and_coverage_but_no_fixed_dates(deps: Deps) -> None:
    refresh_coverage(deps.engines)
    leader = leader_context(sources(deps), Request(QUESTION.question, "alice", LEADER)).system
    analyst = assemble(sources(deps), Request(QUESTION.question, "alice", ANALYST), ANALYST_STEPS).system
    for system in (leader, analyst):
        assert "## The company\nAcme Analytics" in system
        assert "## Today and the data's coverage\nToday is " in system
        assert "public.invoices" in system
    assert "2025-12-31" not in LEADER + ANALYST
