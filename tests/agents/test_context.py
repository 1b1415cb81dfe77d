"""Context assembly steps, each on its own, and the Leader's repeated-question note."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import text

from agents.context import (
    ANALYST_STEPS,
    TABLES,
    Request,
    Sources,
    assemble,
    business_rules,
    learnings,
    table_summaries,
)
from agents.leader import leader_context, repeated_questions
from agents.team import Deps
from db.embeddings import local_embedder
from db.knowledge.learnings import save_learning
from tests.agents import harness

# Fixtures from the harness, looked up by pytest in this module.
agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)


def sources(deps: Deps) -> Sources:
    return Sources(deps.engines.service, local_embedder(), deps.settings)


def test_table_summaries_and_business_rules_come_from_knowledge(deps: Deps) -> None:
    request = Request("What is MRR?", "alice", "be brief")
    tables = table_summaries(sources(deps), request)
    assert tables is not None and "- customers:" in tables.text and "- subscriptions:" in tables.text
    rules = business_rules(sources(deps), request)
    assert rules is not None and "MRR" in rules.text


def test_a_warehouse_of_many_tables_is_listed_up_to_a_cap_with_a_note(deps: Deps) -> None:
    with deps.engines.service.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ai.documents (kind, name, origin, content, content_hash, tsv)"
                " SELECT 'view', 'dash.v' || i, 'agent', E'\\n  View number ' || i || E'\\r\\nmore', md5(i::text),"
                " to_tsvector('english', 'view') FROM generate_series(1, :n) AS i"
            ),
            {"n": TABLES},
        )
    tables = table_summaries(sources(deps), Request("What is MRR?", "alice", ""))
    assert tables is not None
    lines = tables.text.splitlines()
    assert len(lines) == TABLES + 1 and "- dash.v1: View number 1" in lines
    assert lines[-1].startswith("- ... and ") and lines[-1].endswith(
        "more: use search_knowledge to find them"
    )


def test_learnings_step_retrieves_only_what_the_user_may_see(deps: Deps) -> None:
    save_learning(
        deps.engines.service,
        local_embedder(),
        title="mrr in cents",
        learning="invoices.amount is in cents",
        namespace="user:alice",
    )
    request = Request("invoice amount units", "alice", "")
    mine = learnings(sources(deps), request)
    assert mine is not None and "in cents" in mine.text
    assert learnings(sources(deps), Request("invoice amount units", "bob", "")) is None


def test_assemble_puts_instructions_first_and_history_as_messages(deps: Deps) -> None:
    request = Request("hi", "alice", "INSTRUCTIONS", (("user", "earlier"), ("assistant", "reply")))
    context = assemble(sources(deps), request, (table_summaries,))
    assert "## Tables and views" in context.system
    assert context.history == (
        {"role": "user", "content": "earlier"},
        {"role": "assistant", "content": "reply"},
    )


def test_the_leader_notes_a_question_asked_n_times_in_m_days(make_deps: Callable[..., Deps]) -> None:
    deps = make_deps(repeat_question_min_count=3)
    request = Request("What is the MRR by plan?", "alice", "LEAD")
    assert repeated_questions(sources(deps), request) is None
    for user in ("alice", "bob", "carol"):
        session = deps.store.create_or_get_session(user)
        run = deps.store.start_run(user, session.id, "what's the MRR by plan")
        deps.store.mark_run_completed(run.id, "an answer")
    note = repeated_questions(sources(deps), request)
    assert note is not None and "3 times in the last 7 days" in note.text
    assert "ask_engineer" in leader_context(sources(deps), request).system


class CountingEmbedder:
    """The real local embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.inner = local_embedder()
        self.name, self.dimension = self.inner.name, self.inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += list(texts)
        return self.inner.embed(texts)


def test_assembly_embeds_the_question_once_for_knowledge_and_learnings(deps: Deps) -> None:
    counting = CountingEmbedder()
    context = assemble(
        Sources(deps.engines.service, counting, deps.settings),
        Request("What is our MRR?", "alice", "be brief"),
        ANALYST_STEPS,
    )
    assert "Knowledge retrieved for this question" in context.system
    assert counting.texts == ["What is our MRR?"]
