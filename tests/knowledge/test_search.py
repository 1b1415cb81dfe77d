"""Hybrid search: finds by exact words and by meaning, filters by kind, includes agent documents."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from db.embed_batching import BatchingEmbedder
from db.embeddings import LocalEmbedder
from db.knowledge.documents import DocumentConflict, save_query, save_view_note
from db.knowledge.loader import load_knowledge
from db.knowledge.search import search


@pytest.fixture
def loaded(engine: Engine, embedder: LocalEmbedder, knowledge_dir: Path) -> Engine:
    load_knowledge(engine, embedder, knowledge_dir)
    return engine


@pytest.mark.parametrize("mode", ["hybrid", "fts", "vector"])
def test_each_mode_finds_the_obvious_document(loaded: Engine, embedder: LocalEmbedder, mode: str) -> None:
    hits = search(loaded, embedder, "current MRR of paying subscriptions", mode=mode, limit=3)  # type: ignore[arg-type]
    assert ("query", "current_mrr") in [(h.kind, h.name) for h in hits]


def test_paraphrase_finds_by_meaning(loaded: Engine, embedder: LocalEmbedder) -> None:
    hits = search(loaded, embedder, "which company is which client", limit=3)
    assert hits[0].name == "customers"


def test_kind_filter_and_hit_shape(loaded: Engine, embedder: LocalEmbedder) -> None:
    hits = search(loaded, embedder, "usage sampled", kinds=["business"], limit=5)
    assert hits and {h.kind for h in hits} == {"business"}
    top = hits[0]
    assert top.name.startswith("gotcha:") and "usage" in top.snippet.lower() and top.score > 0
    with pytest.raises(ValueError, match="unknown kind"):
        search(loaded, embedder, "x", kinds=["tables"])


def test_agent_saved_query_and_view_note_are_searchable(loaded: Engine, embedder: LocalEmbedder) -> None:
    save_query(
        loaded,
        embedder,
        name="seats_by_plan",
        description="Total licensed seats per plan",
        sql="SELECT plan, sum(seats) FROM subscriptions WHERE ended_at IS NULL GROUP BY plan",
    )
    save_view_note(
        loaded,
        embedder,
        name="dash.monthly_mrr",
        description="MRR per month, trials excluded",
        columns={"month": "first day of the month", "mrr": "paying MRR"},
    )
    assert search(loaded, embedder, "how many seats per plan", kinds=["query"])[0].name == "seats_by_plan"
    hit = search(loaded, embedder, "monthly MRR view", kinds=["view"])[0]
    assert hit.name == "dash.monthly_mrr" and hit.metadata["origin"] == "agent"
    with pytest.raises(DocumentConflict):
        save_query(loaded, embedder, name="current_mrr", description="clash", sql="SELECT 1")


@pytest.mark.usefixtures("cli_env")
def test_search_command_prints_kind_name_score_snippet(loaded: Engine) -> None:
    from app.cli import cli

    result = CliRunner().invoke(cli, ["knowledge", "search", "summing usage", "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert '"kind": "business"' in result.output and '"snippet"' in result.output
    plain = CliRunner().invoke(cli, ["knowledge", "search", "current mrr", "--kind", "query"])
    assert plain.exit_code == 0 and "query    current_mrr" in plain.output


def test_concurrent_searches_find_what_they_find_one_by_one(loaded: Engine, embedder: LocalEmbedder) -> None:
    questions = [
        "current MRR of paying subscriptions",
        "which company is which client",
        "usage sampled",
        "annual billing discount",
        "tickets without satisfaction score",
        "customers who churned in January",
    ] * 2
    alone = [[(h.kind, h.name) for h in search(loaded, embedder, q, limit=5)] for q in questions]
    merging = BatchingEmbedder(embedder)
    with ThreadPoolExecutor(len(questions)) as pool:
        hits = list(pool.map(lambda q: search(loaded, merging, q, limit=5), questions))
    assert [[(h.kind, h.name) for h in found] for found in hits] == alone
