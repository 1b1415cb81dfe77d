"""The stored embedder: a different one at start-up is refused until `--recreate` re-embeds everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from db.embeddings import LocalEmbedder, OpenAIEmbedder
from db.knowledge.learnings import save_learning
from db.knowledge.loader import load_knowledge
from db.knowledge.search import search
from db.knowledge.vectors import EmbedderMismatch, check_embedder
from tests.fakes.model_server import FakeModelServer


def test_dimension_mismatch_is_refused_until_recreate(
    engine: Engine, embedder: LocalEmbedder, knowledge_dir: Path
) -> None:
    load_knowledge(engine, embedder, knowledge_dir)
    save_learning(engine, embedder, title="Annual discount", learning="Annual plans are invoiced at 90%.")
    with FakeModelServer() as server:
        other = OpenAIEmbedder("text-embedding-3-small", 64, api_key="sk-test", base_url=server.base_url)
        with pytest.raises(EmbedderMismatch, match=r"384 dimensions.*64 dimensions.*--recreate"):
            check_embedder(engine, other)
        with pytest.raises(EmbedderMismatch, match="--recreate"):
            load_knowledge(engine, other, knowledge_dir)
        report = load_knowledge(engine, other, knowledge_dir, recreate=True)
        assert report.reembedded == 1  # the kept learning got a new vector
        check_embedder(engine, other)
        assert search(engine, other, "annual plans invoiced", kinds=["learning"], mode="vector")
    with engine.connect() as conn:
        dims = conn.execute(text("SELECT DISTINCT vector_dims(embedding) FROM ai.documents")).scalars().all()
    assert dims == [64]
    with pytest.raises(EmbedderMismatch, match="--recreate"):
        check_embedder(engine, embedder)
