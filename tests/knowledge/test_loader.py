"""Loading knowledge: upsert by content hash, file edits and removals, --recreate keeps agent work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from db.embeddings import LocalEmbedder
from db.knowledge.documents import save_query
from db.knowledge.learnings import list_learnings, save_learning
from db.knowledge.loader import LoadReport, load_knowledge
from db.knowledge.problems import KnowledgeInvalid
from tests.knowledge.conftest import FIXTURES


def counts(report: LoadReport) -> tuple[int, int, int, int]:
    return report.added, report.updated, report.unchanged, report.removed


def names(engine: Engine, origin: str | None = None) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT kind, name FROM ai.documents WHERE CAST(:o AS text) IS NULL OR origin = :o"),
            {"o": origin},
        )
        return {(r.kind, r.name) for r in rows}


def test_first_load_adds_every_document_and_second_load_changes_nothing(
    engine: Engine, embedder: LocalEmbedder, knowledge_dir: Path
) -> None:
    first = load_knowledge(engine, embedder, knowledge_dir)
    assert counts(first) == (9, 0, 0, 0)
    assert ("query", "current_mrr") in names(engine) and ("query", "mrr_by_plan") in names(engine)
    assert counts(load_knowledge(engine, embedder, knowledge_dir)) == (0, 0, 9, 0)


def test_editing_one_file_updates_only_its_documents(
    engine: Engine, embedder: LocalEmbedder, knowledge_dir: Path
) -> None:
    load_knowledge(engine, embedder, knowledge_dir)
    path = knowledge_dir / "tables" / "customers.json"
    path.write_text(path.read_text().replace("Industry segment", "Industry segment (SIC based)"))
    assert counts(load_knowledge(engine, embedder, knowledge_dir)) == (0, 1, 8, 0)
    with engine.connect() as conn:
        content = conn.execute(text("SELECT content FROM ai.documents WHERE name = 'customers'")).scalar_one()
    assert "SIC based" in content


def test_removing_a_file_removes_its_documents(
    engine: Engine, embedder: LocalEmbedder, knowledge_dir: Path
) -> None:
    load_knowledge(engine, embedder, knowledge_dir)
    (knowledge_dir / "queries" / "revenue.sql").unlink()
    assert counts(load_knowledge(engine, embedder, knowledge_dir)) == (0, 0, 7, 2)
    assert ("query", "current_mrr") not in names(engine)


def test_recreate_rebuilds_curated_documents_and_keeps_what_agents_saved(
    engine: Engine, embedder: LocalEmbedder, knowledge_dir: Path
) -> None:
    load_knowledge(engine, embedder, knowledge_dir)
    save_learning(engine, embedder, title="Trials have mrr", learning="Filter NOT is_trial for revenue.")
    save_query(
        engine,
        embedder,
        name="paying_customers",
        description="Paying customers now",
        sql="SELECT count(DISTINCT customer_id) FROM subscriptions WHERE ended_at IS NULL",
    )
    (knowledge_dir / "docs" / "glossary.md").unlink()
    report = load_knowledge(engine, embedder, knowledge_dir, recreate=True)
    assert (report.added, report.removed) == (8, 9)
    assert names(engine, "agent") == {("query", "paying_customers")}
    assert [item.title for item in list_learnings(engine)] == ["Trials have mrr"]
    # Removing files never removes agent documents either.
    (knowledge_dir / "queries" / "revenue.sql").unlink()
    load_knowledge(engine, embedder, knowledge_dir)
    assert ("query", "paying_customers") in names(engine)


def test_invalid_files_load_nothing(engine: Engine, embedder: LocalEmbedder, tmp_path: Path) -> None:
    with pytest.raises(KnowledgeInvalid) as caught:
        load_knowledge(engine, embedder, FIXTURES / "broken")
    assert len(caught.value.problems) == 4
    assert names(engine) == set()
