"""Proposals: a proposed item is found only by its proposer until approved; rejection hides it from all."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine

from db.embeddings import LocalEmbedder
from db.engines import DatabaseTarget
from db.knowledge.learnings import CreatedBy, get_learning, save_learning
from db.knowledge.proposals import (
    approve_proposal,
    edit_proposal,
    list_proposals,
    propose_learning,
    propose_query,
    reject_proposal,
)
from db.knowledge.search import search
from db.transfer import export_bundle, import_bundle
from tests.conftest import fresh_database

ALICE = CreatedBy(agent="analyst", user="alice", run="run-1")


def _names(engine: Engine, embedder: LocalEmbedder, query: str, user: str | None) -> set[str]:
    return {hit.name for hit in search(engine, embedder, query, user_id=user)}


def test_a_proposed_learning_is_visible_only_to_its_proposer_until_approved(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    saved, proposal = propose_learning(
        engine,
        embedder,
        title="Refunds are negative",
        learning="Refund rows carry negative amounts.",
        created_by=ALICE,
    )
    assert saved.learning.status == "proposed"
    assert (proposal.status, proposal.created_by_user, proposal.created_by_run) == (
        "proposed",
        "alice",
        "run-1",
    )
    assert "Refunds are negative" in _names(engine, embedder, "refund amounts negative", "alice")
    assert "Refunds are negative" not in _names(engine, embedder, "refund amounts negative", "bob")
    assert "Refunds are negative" not in _names(engine, embedder, "refund amounts negative", None)

    approved = approve_proposal(engine, proposal.id, reviewer="admin")
    assert approved is not None and (approved.status, approved.reviewed_by) == ("approved", "admin")
    assert "Refunds are negative" in _names(engine, embedder, "refund amounts negative", "bob")
    assert list_proposals(engine) == []


def test_rejecting_keeps_a_trace_and_removes_it_from_everyones_search(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    _, proposal = propose_learning(
        engine,
        embedder,
        title="Churn counts pauses",
        learning="Paused accounts count as churned.",
        created_by=ALICE,
    )
    approve_proposal(engine, proposal.id, reviewer="admin")
    rejected = reject_proposal(engine, proposal.id, reviewer="admin", note="pauses are not churn")
    assert rejected is not None and rejected.note == "pauses are not churn"
    for user in ("alice", "bob"):
        assert "Churn counts pauses" not in _names(engine, embedder, "paused accounts churn", user)
    kept = get_learning(engine, proposal.item_id)
    assert kept is not None and (kept.status, kept.reviewed_by) == ("rejected", "admin")


def test_a_proposed_query_never_overwrites_a_live_one_and_can_be_edited(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    proposal = propose_query(
        engine,
        embedder,
        name="weekly_signups",
        description="Signups per week",
        sql="SELECT 1",
        created_by=ALICE,
    )
    assert "weekly_signups" not in _names(engine, embedder, "signups per week", "bob")
    edited = edit_proposal(engine, embedder, proposal.id, {"sql": "SELECT 2"})
    assert edited is not None and edited.sql == "SELECT 2" and edited.status == "proposed"
    approve_proposal(engine, proposal.id, reviewer="admin")
    assert "weekly_signups" in _names(engine, embedder, "signups per week", "bob")


def test_a_live_save_is_not_merged_into_someone_elses_proposal(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    saved, _ = propose_learning(
        engine,
        embedder,
        title="Fiscal year",
        learning="The fiscal year starts in February.",
        created_by=ALICE,
    )
    live = save_learning(
        engine, embedder, title="Fiscal year", learning="The fiscal year starts in February."
    )
    assert live.created and live.learning.id != saved.learning.id


def test_an_export_keeps_proposals_waiting_and_rejections_rejected_in_the_target(
    engine: Engine, embedder: LocalEmbedder, server: DatabaseTarget
) -> None:
    propose_learning(engine, embedder, title="Pending rule", learning="Waiting for review.", created_by=ALICE)
    _, gone = propose_learning(engine, embedder, title="Bad rule", learning="Was rejected.", created_by=ALICE)
    reject_proposal(engine, gone.id, reviewer="admin")
    bundle = export_bundle(engine)
    with fresh_database(server) as target:
        other = create_engine(target.service_url)
        try:
            import_bundle(other, embedder, bundle, next_run=lambda cron, tz: None)
            (waiting,) = list_proposals(other)
            assert (waiting.title, waiting.created_by_user) == ("Pending rule", "alice")
            assert "Bad rule" not in _names(other, embedder, "bad rule rejected", "alice")
        finally:
            other.dispose()
