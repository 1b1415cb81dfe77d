"""Learnings: near-duplicates merge, namespaces isolate users, use is counted, edits and deletes work."""

from __future__ import annotations

from sqlalchemy import Engine, text

from db.embeddings import LocalEmbedder
from db.knowledge.learnings import (
    CreatedBy,
    delete_learning,
    edit_learning,
    get_learning,
    list_learnings,
    namespace_for,
    record_use,
    save_learning,
)
from db.knowledge.search import search, visible_namespaces
from db.knowledge.vectors import create_vector_index
from db.migrate import MIGRATIONS_DIR


def test_saving_a_near_duplicate_updates_the_existing_learning(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    first = save_learning(
        engine,
        embedder,
        title="Trials are not revenue",
        learning="Exclude trial subscriptions (is_trial = true) when computing MRR.",
        tags=["mrr"],
        created_by=CreatedBy(agent="analyst", user="u1", run="r1"),
    )
    paraphrase = save_learning(
        engine,
        embedder,
        title="Trials aren't revenue",
        learning="Exclude trial subscriptions (is_trial = true) when computing the MRR.",
    )
    again = save_learning(
        engine,
        embedder,
        title="TRIALS AREN'T REVENUE",
        learning="Always exclude trials (is_trial) from MRR and ARR.",
        tags=["arr"],
    )
    assert first.created and not again.created and not paraphrase.created
    assert again.learning.id == first.learning.id == paraphrase.learning.id
    stored = list_learnings(engine)
    assert len(stored) == 1
    assert stored[0].tags == ("arr", "mrr")
    assert stored[0].created_by_agent == "analyst"  # who created it is kept through updates


def test_different_learnings_are_kept_apart(engine: Engine, embedder: LocalEmbedder) -> None:
    save_learning(
        engine, embedder, title="Usage is sampled", learning="Average usage_metrics, never sum them."
    )
    save_learning(engine, embedder, title="Data ends 2025-12-31", learning="Last week has no data; say so.")
    assert len(list_learnings(engine)) == 2


def test_a_users_learnings_are_invisible_to_other_users(engine: Engine, embedder: LocalEmbedder) -> None:
    mine = save_learning(
        engine,
        embedder,
        title="Alice's fiscal year",
        learning="Alice's team counts fiscal quarters from February.",
        namespace=namespace_for("alice"),
    ).learning
    assert [item.id for item in list_learnings(engine, user_id="alice")] == [mine.id]
    assert list_learnings(engine, user_id="bob") == []
    assert get_learning(engine, mine.id, namespaces=visible_namespaces("bob")) is None
    assert not delete_learning(engine, mine.id, namespaces=visible_namespaces("bob"))
    for_bob = search(engine, embedder, "fiscal quarter February", user_id="bob", kinds=["learning"])
    for_alice = search(engine, embedder, "fiscal quarter February", user_id="alice", kinds=["learning"])
    assert for_bob == [] and [hit.metadata["id"] for hit in for_alice] == [mine.id]


def test_use_is_recorded(engine: Engine, embedder: LocalEmbedder) -> None:
    saved = save_learning(
        engine, embedder, title="Open tickets", learning="Open tickets have no resolved_at."
    )
    record_use(engine, [saved.learning.id])
    record_use(engine, [saved.learning.id])
    item = get_learning(engine, saved.learning.id)
    assert item is not None and item.use_count == 2 and item.last_used_at is not None


def test_edit_changes_what_search_finds_and_delete_removes_it(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    saved = save_learning(engine, embedder, title="Invoices", learning="Refunded invoices have no paid_at.")
    edited = edit_learning(
        engine, embedder, saved.learning.id, learning="Failed and pending invoices lack paid_at."
    )
    assert edited is not None and "pending" in edited.learning and edited.title == "Invoices"
    hits = search(engine, embedder, "pending invoices", kinds=["learning"])
    assert hits and "pending" in hits[0].content
    assert delete_learning(engine, saved.learning.id)
    assert get_learning(engine, saved.learning.id) is None


def test_vector_search_sees_global_and_own_learnings_among_many_users(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    """Global learnings come from the HNSW index (global rows only), a user's own are read exactly."""
    ids = {}
    for who in ["global", "alice", *(f"user{i}" for i in range(12))]:
        namespace = "global" if who == "global" else namespace_for(who)
        ids[who] = save_learning(
            engine,
            embedder,
            title=f"Fiscal year for {who}",
            learning=f"{who} counts fiscal quarters from February.",
            namespace=namespace,
        ).learning.id
    with engine.begin() as conn:
        create_vector_index(conn, "learnings")
        index = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'learnings_embedding_idx'")
        )
        assert "WHERE (namespace = 'global'::text)" in index.scalar_one()
    found = search(engine, embedder, "fiscal quarters", user_id="alice", kinds=["learning"], mode="vector")
    assert sorted(hit.metadata["id"] for hit in found) == sorted([ids["global"], ids["alice"]])
    anonymous = search(engine, embedder, "fiscal quarters", kinds=["learning"], mode="vector")
    assert [hit.metadata["id"] for hit in anonymous] == [ids["global"]]


def test_migration_replaces_an_index_over_all_learnings(engine: Engine, embedder: LocalEmbedder) -> None:
    save_learning(engine, embedder, title="Data ends 2025-12-31", learning="Last week has no data.")
    full = "CREATE INDEX learnings_embedding_idx ON ai.learnings USING hnsw (embedding vector_cosine_ops)"
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS ai.learnings_embedding_idx"))
        conn.execute(text(full))
        conn.exec_driver_sql((MIGRATIONS_DIR / "070_search_indexes.sql").read_text())
        index = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'learnings_embedding_idx'")
        )
        assert index.scalar_one().endswith("WHERE (namespace = 'global'::text)")
        options = conn.execute(
            text(
                "SELECT reloptions FROM pg_class WHERE relname IN ('documents_tsv_idx', 'learnings_tsv_idx')"
            )
        )
        assert [row[0] for row in options] == [["fastupdate=off"], ["fastupdate=off"]]
