"""Context assembly: a pipeline of named steps, each turning the sources into one prompt section.

    instructions -> company -> this user's memory -> today and data coverage -> table summaries -> business rules
    -> retrieved knowledge -> learnings -> history

Each step is a plain function `(sources, request) -> Section | None`, so each can be tested alone.
Steps read the database in short transactions; call `assemble` from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, text

from core.settings import Settings
from db.embeddings import Embedder
from db.knowledge.company import CompanyProfile, company_profile, describe_company
from db.knowledge.coverage import read_coverage
from db.knowledge.coverage_render import coverage_lines
from db.knowledge.documents import record_query_use
from db.knowledge.learnings import record_use
from db.knowledge.memory import list_memory, record_memory_use
from db.knowledge.search import SearchHit, search

Message = dict[str, Any]
RETRIEVED = 6
MEMORY = 30  # the newest facts of one user; more crowd out the knowledge
LEARNINGS = 5
RULES = 40
TABLES = 150  # a warehouse with more gets a note instead: the list would crowd out everything else
COVERAGE_LINES = 40  # the same for the coverage lines: those the question names and the largest first


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


def company(sources: Sources, request: Request) -> Section | None:
    """Who the company is (knowledge/company.json, COMPANY_* settings); nothing when neither says."""
    profile = company_profile(sources.service, sources.settings)
    return Section("The company", describe_company(profile)) if profile else None


def user_memory(sources: Sources, request: Request) -> Section | None:
    """What this user told Dash about themselves (ai.user_memory): read for this user only."""
    facts = list_memory(sources.service, request.user_id, limit=MEMORY)
    if not facts:
        return None
    record_memory_use(sources.service, [m.id for m in facts])
    lines = [f"- {m.fact} (memory #{m.id})" for m in facts]
    return Section("What this user told you about themselves (apply it)", "\n".join(lines))


def today_and_coverage(sources: Sources, request: Request) -> Section:
    """Today's date in the company's time zone, and what the data covers (measured, not written)."""
    profile = company_profile(sources.service, sources.settings) or CompanyProfile()
    today = datetime.now(ZoneInfo(profile.zone)).date()
    fiscal = profile.fiscal_year_start(today)
    lines = [f"Today is {today:%A %Y-%m-%d} ({profile.zone}); the current fiscal year began {fiscal}."]
    lines += coverage_lines(read_coverage(sources.service), request.question, COVERAGE_LINES)
    return Section("Today and the data's coverage", "\n".join(lines))


def table_summaries(sources: Sources, request: Request) -> Section | None:
    """One line per curated table and per view the engineer built, so the agent knows what exists
    (the first TABLES of them, then a note that search_knowledge finds the rest)."""
    rows, total = _first_lines(sources.service, ("table", "view"), TABLES)
    lines = [f"- {name}: {line}" for name, line in rows]
    if total > len(rows):
        lines.append(f"- ... and {total - len(rows)} more: use search_knowledge to find them")
    return Section("Tables and views", "\n".join(lines)) if lines else None


def business_rules(sources: Sources, request: Request) -> Section | None:
    rows, _ = _first_lines(sources.service, ("business",), RULES)
    lines = [f"- {line}" for _, line in rows]
    return Section("Metrics, business rules and gotchas", "\n".join(lines)) if lines else None


def retrieved_knowledge(sources: Sources, request: Request) -> Section | None:
    kinds = ["table", "query", "business", "view", "doc"]
    hits = _search(sources, request, kinds, RETRIEVED)
    record_query_use(sources.service, [int(h.metadata["id"]) for h in hits if h.kind == "query"])
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
    company,
    user_memory,
    today_and_coverage,
    table_summaries,
    business_rules,
    retrieved_knowledge,
    learnings,
)
ENGINEER_STEPS: tuple[Step, ...] = (
    instructions,
    company,
    user_memory,
    table_summaries,
    retrieved_knowledge,
    learnings,
)


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


def _first_lines(service: Engine, kinds: Sequence[str], limit: int) -> tuple[list[tuple[str, str]], int]:
    """(name, first line of content) of up to `limit` global documents of `kinds`, and how many exist."""
    query = text(
        "SELECT name, rtrim(split_part(btrim(content, E' \\t\\r\\n'), E'\\n', 1), E' \\r') AS line,"
        " count(*) OVER () AS total FROM ai.documents WHERE kind = ANY(:kinds) AND namespace = 'global'"
        " AND status = 'live'"
        " ORDER BY kind, name LIMIT :limit"
    )
    with service.connect() as conn:
        rows = conn.execute(query, {"kinds": list(kinds), "limit": limit}).all()
    return [(r.name, r.line) for r in rows], (rows[0].total if rows else 0)


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
