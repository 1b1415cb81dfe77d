"""Curation: near-duplicates merge into the more used one, contradictions are flagged, stale ones archived;
every action is in the stored report and undone by restore_learning."""

from __future__ import annotations

from sqlalchemy import Engine, text

from db.embeddings import LocalEmbedder
from db.knowledge.curation import curate, list_reports, restore_learning
from db.knowledge.learnings import get_learning, record_use, save_learning
from db.knowledge.search import search


def _save(engine: Engine, embedder: LocalEmbedder, title: str, learning: str, ns: str = "global") -> int:
    return save_learning(engine, embedder, title=title, learning=learning, namespace=ns).learning.id


def _age(engine: Engine, learning_id: int, days: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai.learnings SET created_at = now() - make_interval(days => :d),"
                " updated_at = now() - make_interval(days => :d) WHERE id = :id"
            ),
            {"d": days, "id": learning_id},
        )


def test_curation_merges_near_duplicates_archives_stale_ones_and_each_is_restorable(
    engine: Engine, embedder: LocalEmbedder
) -> None:
    kept = _save(engine, embedder, "Signup dates are UTC", "Customer signup dates are stored in UTC.")
    # Saved apart (different titles, added to the same namespace by a user) so save-time dedup let it in.
    with engine.begin() as conn:
        conn.execute(text("UPDATE ai.learnings SET namespace = 'user:x' WHERE id = :id"), {"id": kept})
    copy = _save(engine, embedder, "Signup timezone", "Customer signup dates are stored in UTC time.")
    with engine.begin() as conn:
        conn.execute(text("UPDATE ai.learnings SET namespace = 'global' WHERE id = :id"), {"id": kept})
    record_use(engine, [kept])
    stale = _save(engine, embedder, "Legacy plans", "Plans named legacy_* were retired in an old migration.")
    _age(engine, stale, 200)

    report = curate(engine, archive_after_days=90)
    assert (report.merged, report.archived) == (1, 1)
    merged, archived = get_learning(engine, copy), get_learning(engine, stale)
    assert merged is not None and (merged.status, merged.merged_into) == ("merged", kept)
    assert archived is not None and archived.status == "archived"
    assert {
        h.metadata["id"]
        for h in search(engine, embedder, "signup dates UTC legacy plans", kinds=["learning"])
    } == {kept}
    assert list_reports(engine)[0].actions[0] == {
        "action": "merged",
        "id": copy,
        "into": kept,
        "similarity": report.actions[0]["similarity"],
    }

    restored = restore_learning(engine, copy)
    assert restored is not None and (restored.status, restored.merged_into) == ("live", None)
    assert restore_learning(engine, stale) is not None
    assert curate(engine, archive_after_days=90).archived == 0  # a restored learning starts a new period


def test_contradicting_learnings_are_flagged_not_merged(engine: Engine, embedder: LocalEmbedder) -> None:
    a = _save(engine, embedder, "MRR and trials", "MRR includes trial subscriptions.")
    with engine.begin() as conn:
        conn.execute(text("UPDATE ai.learnings SET namespace = 'user:x' WHERE id = :id"), {"id": a})
    b = _save(engine, embedder, "Trials in MRR", "MRR does not include trial subscriptions.")
    with engine.begin() as conn:
        conn.execute(text("UPDATE ai.learnings SET namespace = 'global' WHERE id = :id"), {"id": a})
    report = curate(engine, archive_after_days=90)
    assert (report.merged, report.flagged) == (0, 1)
    first, second = get_learning(engine, a), get_learning(engine, b)
    assert first is not None and first.status == "live" and f"#{b}" in (first.flag or "")
    assert second is not None and f"#{a}" in (second.flag or "")
    cleared = restore_learning(engine, a)
    assert cleared is not None and cleared.flag is None
