"""Shared knowledge in the context is read once per knowledge version, and every change is seen next time;
an assembly searches knowledge and learnings in one statement.

Statements are observed with a SQLAlchemy event listener on the service engine (observing, not mocking).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from agents.context import ANALYST_STEPS, Request, Sources, assemble, learnings, retrieved_knowledge
from agents.leader import leader_context
from agents.team import Deps
from db.embeddings import local_embedder
from db.engines import Engines
from db.knowledge.coverage import refresh_coverage
from db.knowledge.documents import record_query_use, save_view_note
from db.knowledge.learnings import CreatedBy, save_learning
from db.knowledge.loader import load_knowledge
from db.knowledge.proposals import approve_proposal, propose_query
from tests.agents import harness
from tests.statements import statements

agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)
QUESTION = Request("What is our MRR by plan?", "alice", "INSTRUCTIONS")
GOTCHA = (
    '"common_gotchas": [{"issue": "MRR is quoted in kEUR", "tables_affected": [], "solution": "Divide."},'
)
SHARED_READS = ("FROM ai.documents WHERE kind = ANY", "FROM ai.company_profile", "FROM ai.data_coverage")


def shared_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if any(read in s for read in SHARED_READS)]


def analyst_system(deps: Deps, user: str = "alice") -> str:
    sources = Sources(deps.engines.service, local_embedder(), deps.settings)
    return assemble(sources, Request(QUESTION.question, user, QUESTION.instructions), ANALYST_STEPS).system


def test_a_second_question_with_nothing_changed_reads_no_shared_knowledge_again(deps: Deps) -> None:
    sources = Sources(deps.engines.service, local_embedder(), deps.settings)
    with statements(deps.engines.service) as first:
        before = analyst_system(deps)
    with statements(deps.engines.service) as second:
        after = analyst_system(deps)
        leader_context(sources, QUESTION)
    assert len(shared_reads(first)) == 4, "tables, rules, company, coverage"
    assert shared_reads(second) == []
    assert sum("FROM ai.knowledge_version" in s for s in second) == 2, "one look per assembly"
    assert after == before and "- customers: " in after and "## The company\nAcme Analytics" in after


def test_retrieval_counters_do_not_count_as_a_change(deps: Deps) -> None:
    analyst_system(deps)  # its retrieval bumps the use counters of the queries it found
    record_query_use(deps.engines.service, [1, 2, 3])
    with statements(deps.engines.service) as seen:
        analyst_system(deps)
    assert shared_reads(seen) == []


def test_another_replicas_view_note_load_and_measurement_show_in_the_next_context(
    deps: Deps, tmp_path: Path
) -> None:
    assert "dash.mrr_by_plan" not in analyst_system(deps)
    other = Engines(deps.engines.target, pool_size=1)  # another replica's engines, same database
    try:
        save_view_note(
            other.service, local_embedder(), name="dash.mrr_by_plan", description="MRR per plan, daily"
        )
        assert "- dash.mrr_by_plan: View dash.mrr_by_plan: MRR per plan, daily" in analyst_system(deps)

        folder = shutil.copytree(harness.KNOWLEDGE, tmp_path / "knowledge")
        rules = folder / "business" / "revenue.json"
        rules.write_text(rules.read_text().replace('"common_gotchas": [', GOTCHA, 1))
        company = folder / "company.json"
        company.write_text(company.read_text().replace('"Acme Analytics"', '"Acme Analytics GmbH"', 1))
        load_knowledge(other.service, local_embedder(), folder)
        system = analyst_system(deps)
        assert (
            "- Gotcha: MRR is quoted in kEUR" in system and "## The company\nAcme Analytics GmbH: " in system
        )

        assert "No table or view has been measured yet" in system
        refresh_coverage(other)
        assert "- public.subscriptions: " in analyst_system(deps)
    finally:
        other.dispose()


def test_an_approved_query_is_found_by_everyone_at_the_next_question(deps: Deps) -> None:
    analyst_system(deps, "bob")
    proposal = propose_query(
        deps.engines.service,
        local_embedder(),
        name="mrr_by_plan_quarterly",
        description="MRR by plan for each quarter",
        sql="SELECT 1",
        created_by=CreatedBy(agent="analyst", user="alice"),
    )
    assert "mrr_by_plan_quarterly" not in analyst_system(deps, "bob")
    approve_proposal(deps.engines.service, proposal.id, reviewer="admin")
    assert "[query: mrr_by_plan_quarterly]" in analyst_system(deps, "bob")


def test_one_search_finds_knowledge_and_learnings_as_the_steps_alone_would(deps: Deps) -> None:
    sources = Sources(deps.engines.service, local_embedder(), deps.settings)
    save_learning(sources.service, local_embedder(), title="amounts", learning="invoices.amount is in cents")
    request = Request("invoice amount units", "alice", "")
    alone = [retrieved_knowledge(sources, request), learnings(sources, request)]
    with statements(deps.engines.service) as seen:
        together = assemble(sources, request, (retrieved_knowledge, learnings)).system
    assert sum("UNION ALL" in s for s in seen) == 1
    assert together == "\n\n".join(f"## {s.title}\n{s.text}" for s in alone if s is not None)
    assert "in cents" in together and "[table: invoices]" in together
