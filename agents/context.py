"""Context assembly: a pipeline of named steps, each turning the sources into one prompt section.

    instructions -> table summaries -> business rules -> retrieved knowledge -> learnings -> history

Each step is a plain function `(sources, request) -> Section | None`, so each can be tested alone.
Steps read the database in short transactions; call `assemble` from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from app.settings import Settings
from db.embeddings import Embedder
from db.knowledge.learnings import record_use
from db.knowledge.search import SearchHit, search

Message = dict[str, Any]
RETRIEVED = 6
LEARNINGS = 5
RULES = 40


@dataclass(frozen=True)
class Sources:
    service: Engine  # the only role that reads `ai` (documents, learnings)
    embedder: Embedder
    settings: Settings


@dataclass(frozen=True)
class Request:
    question: str
    user_id: str
    instructions: str
    history: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    text: str


@dataclass(frozen=True)
class Context:
    system: str
    history: tuple[Message, ...] = ()
    learning_ids: tuple[int, ...] = field(default=())


Step = Callable[[Sources, Request], Section | None]


def instructions(sources: Sources, request: Request) -> Section:
    return Section("", request.instructions)


def table_summaries(sources: Sources, request: Request) -> Section | None:
    """One line per curated table and per view the engineer built, so the agent knows what exists."""
    rows = _documents(sources.service, ("table", "view"))
    lines = [f"- {name}: {_first_line(content)}" for name, content in rows]
    return Section("Tables and views", "\n".join(lines)) if lines else None


def business_rules(sources: Sources, request: Request) -> Section | None:
    rows = _documents(sources.service, ("business",))[:RULES]
    lines = [f"- {_first_line(content)}" for _, content in rows]
    return Section("Metrics, business rules and gotchas", "\n".join(lines)) if lines else None


def retrieved_knowledge(sources: Sources, request: Request) -> Section | None:
    kinds = ["table", "query", "business", "view", "doc"]
    hits = _search(sources, request, kinds, RETRIEVED)
    return _hits_section("Knowledge retrieved for this question", hits)


def learnings(sources: Sources, request: Request) -> Section | None:
    hits = _search(sources, request, ["learning"], LEARNINGS)
    record_use(sources.service, [int(h.metadata["id"]) for h in hits])
    return _hits_section("Learnings from earlier runs (apply them)", hits)


def history_messages(request: Request) -> tuple[Message, ...]:
    """The session's earlier questions and answers, as chat messages (a step of its own)."""
    return tuple({"role": role, "content": content} for role, content in request.history)


ANALYST_STEPS: tuple[Step, ...] = (
    instructions,
    table_summaries,
    business_rules,
    retrieved_knowledge,
    learnings,
)
ENGINEER_STEPS: tuple[Step, ...] = (instructions, table_summaries, retrieved_knowledge, learnings)


def assemble(sources: Sources, request: Request, steps: Sequence[Step]) -> Context:
    """Run the steps in order; empty sections are left out."""
    # Knowledge and learnings both search the question: embed it once for the whole assembly.
    sources = replace(sources, embedder=EmbedOnce(sources.embedder))
    sections = [s for s in (step(sources, request) for step in steps) if s is not None]
    system = "\n\n".join(f"## {s.title}\n{s.text}" if s.title else s.text for s in sections)
    return Context(system, history_messages(request))


class EmbedOnce:
    """An embedder that remembers what it embedded (for one short-lived context assembly)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            self.vectors.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self.vectors[t] for t in texts])


def _documents(service: Engine, kinds: Sequence[str]) -> list[tuple[str, str]]:
    query = text(
        "SELECT name, content FROM ai.documents WHERE kind = ANY(:kinds) AND namespace = 'global'"
        " ORDER BY kind, name"
    )
    with service.connect() as conn:
        return [(r.name, r.content) for r in conn.execute(query, {"kinds": list(kinds)})]


def _search(sources: Sources, request: Request, kinds: list[str], limit: int) -> list[SearchHit]:
    return search(
        sources.service,
        sources.embedder,
        request.question,
        kinds=kinds,
        user_id=request.user_id,
        limit=limit,
        ef_search=sources.settings.search_ef_search,
    )


def _hits_section(title: str, hits: list[SearchHit]) -> Section | None:
    if not hits:
        return None
    return Section(title, "\n\n".join(f"[{h.kind}: {h.name}]\n{h.content}" for h in hits))


def _first_line(content: str) -> str:
    return content.strip().splitlines()[0] if content.strip() else ""
