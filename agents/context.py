"""Context assembly: a pipeline of named steps, each turning the sources into one prompt section.

    instructions -> company -> this user's memory -> today and data coverage -> table summaries -> business rules
    -> retrieved knowledge -> learnings -> history

Each step is a plain function `(sources, request) -> Section | None`, so each can be tested alone.
What is the same for everyone (table lists, business rules, company, coverage) comes from the
shared-knowledge cache (db/knowledge/shared.py): `assemble` checks the knowledge version once and
reads only what changed; a step run alone reads the database. `assemble` is synchronous (a worker
thread, the CLI); a run uses `assemble_async`, which makes the per-question reads on the asyncio
pool (db/aio.py) — the version only when no listener vouches for the kept knowledge, the user's
memory once per run (`RunReads`), one search for both retrieval steps — and then builds the
sections in the event loop when every shared value is kept (a worker thread when not).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine

from core.settings import Settings
from db.aio import async_pool
from db.embeddings import Embedder
from db.knowledge.company import CompanyProfile, describe_company, stored_company, with_settings
from db.knowledge.coverage import Coverage, read_coverage
from db.knowledge.coverage_render import coverage_lines
from db.knowledge.documents import record_query_use
from db.knowledge.learnings import record_use
from db.knowledge.memory import Memory, list_memory, recall_memory, record_memory_use
from db.knowledge.search import Group, SearchHit, count_use, search_groups, search_groups_async
from db.knowledge.shared import Snapshot, shared_knowledge
from db.knowledge.summaries import Summaries, first_lines

Message = dict[str, Any]
T = TypeVar("T")
RETRIEVED = 6
MEMORY = 30  # the newest facts of one user; more crowd out the knowledge
LEARNINGS = 5
RULES = 40
TABLES = 150  # a warehouse with more gets a note instead: the list would crowd out everything else
COVERAGE_LINES = 40  # the same for the coverage lines: those the question names and the largest first
KNOWLEDGE = Group(("table", "query", "business", "view", "doc"), RETRIEVED)  # what retrieval finds
LEARNED = Group(("learning",), LEARNINGS)


@dataclass
class RunReads:
    """What the agents of one run read once and share: the user's memory (read and counted once;
    forgotten when the run remembers a new fact, so the next agent sees it)."""

    memory: list[Memory] | None = None


@dataclass(frozen=True)
class Sources:
    service: Engine  # the only role that reads `ai` (documents, learnings)
    embedder: Embedder
    settings: Settings
    shared: Snapshot | None = None  # set by `assemble`: shared knowledge read once per version
    found: Mapping[Group, list[SearchHit]] = field(default_factory=dict)  # `assemble`'s one search
    run: RunReads | None = None  # the run's shared reads (None: read for this assembly only)
    memory: list[Memory] | None = None  # read ahead (`assemble_async`), already counted
    asked: int | None = None  # the repeated-question count, read ahead (the Leader's context)

    def company(self) -> CompanyProfile | None:
        """Who the company is: the stored profile (kept) with the COMPANY_* settings on top."""
        return with_settings(self._kept("company", lambda: stored_company(self.service)), self.settings)

    def coverage(self) -> Coverage:
        return self._kept("coverage", lambda: read_coverage(self.service))

    def summaries(self, kinds: tuple[str, ...], limit: int) -> Summaries:
        """The first lines of live global documents of `kinds` (tables, views, business rules)."""
        return self._kept(f"summaries:{kinds}:{limit}", lambda: first_lines(self.service, kinds, limit))

    def _kept(self, key: str, load: Callable[[], T]) -> T:
        return self.shared.get(key, load) if self.shared is not None else load()


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
    profile = sources.company()
    return Section("The company", describe_company(profile)) if profile else None


def user_memory(sources: Sources, request: Request) -> Section | None:
    """What this user told Dash about themselves (ai.user_memory): read for this user only."""
    facts = sources.memory
    if facts is None:
        facts = list_memory(sources.service, request.user_id, limit=MEMORY)
        record_memory_use(sources.service, [m.id for m in facts])
    if not facts:
        return None
    lines = [f"- {m.fact} (memory #{m.id})" for m in facts]
    return Section("What this user told you about themselves (apply it)", "\n".join(lines))


def today_and_coverage(sources: Sources, request: Request) -> Section:
    """Today's date in the company's time zone, and what the data covers (measured, not written)."""
    profile = sources.company() or CompanyProfile()
    today = datetime.now(ZoneInfo(profile.zone)).date()
    fiscal = profile.fiscal_year_start(today)
    lines = [f"Today is {today:%A %Y-%m-%d} ({profile.zone}); the current fiscal year began {fiscal}."]
    lines += coverage_lines(sources.coverage(), request.question, COVERAGE_LINES)
    return Section("Today and the data's coverage", "\n".join(lines))


def table_summaries(sources: Sources, request: Request) -> Section | None:
    """One line per curated table and per view the engineer built, so the agent knows what exists
    (the first TABLES of them, then a note that search_knowledge finds the rest)."""
    listed = sources.summaries(("table", "view"), TABLES)
    lines = [f"- {name}: {line}" for name, line in listed.lines]
    if listed.total > len(listed.lines):
        lines.append(f"- ... and {listed.total - len(listed.lines)} more: use search_knowledge to find them")
    return Section("Tables and views", "\n".join(lines)) if lines else None


def business_rules(sources: Sources, request: Request) -> Section | None:
    lines = [f"- {line}" for _, line in sources.summaries(("business",), RULES).lines]
    return Section("Metrics, business rules and gotchas", "\n".join(lines)) if lines else None


def retrieved_knowledge(sources: Sources, request: Request) -> Section | None:
    hits = _search(sources, request, KNOWLEDGE)
    return _hits_section("Knowledge retrieved for this question", hits)


def learnings(sources: Sources, request: Request) -> Section | None:
    hits = _search(sources, request, LEARNED)
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


RETRIEVALS: dict[Step, Group] = {retrieved_knowledge: KNOWLEDGE, learnings: LEARNED}


def assemble(sources: Sources, request: Request, steps: Sequence[Step]) -> Context:
    """Run the steps in order; empty sections are left out. What `sources` already holds (the
    snapshot, the hits, the memory) is not read again."""
    shared = sources.shared or shared_knowledge(sources.service).current()
    sources = replace(sources, embedder=EmbedOnce(sources.embedder), shared=shared)
    # Knowledge and learnings both search the question: one statement (and one embedding) for both.
    groups = [
        RETRIEVALS[step] for step in steps if step in RETRIEVALS and RETRIEVALS[step] not in sources.found
    ]
    if groups:
        found = _search_groups(sources, request, groups)
        _count_use(sources, [hit for hits in found for hit in hits])
        sources = replace(sources, found={**sources.found, **dict(zip(groups, found, strict=True))})
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


async def assemble_async(sources: Sources, request: Request, steps: Sequence[Step]) -> Context:
    """`assemble` for a run: the reads on the asyncio pool (`read_ahead`), then the sections in the
    event loop once this snapshot keeps every shared value these steps use (nothing left to read);
    the first assembly of a snapshot reads them in a worker thread."""
    sources = await read_ahead(sources, request, steps)
    assert sources.shared is not None
    key = tuple(steps)
    if key in sources.shared.warm:
        return assemble(sources, request, steps)
    context = await asyncio.to_thread(assemble, sources, request, steps)
    sources.shared.warm.add(key)
    return context


async def read_ahead(sources: Sources, request: Request, steps: Sequence[Step]) -> Sources:
    """What the steps read per question, read now on the asyncio pool: the shared snapshot (the
    version only when in doubt), the user's memory (once per run) and one search for both
    retrieval steps (the question embedded in a worker thread), counting what they put forward."""
    shared = await shared_knowledge(sources.service).current_async()
    pool = async_pool(sources.service)
    memory = await _run_memory(sources, request) if user_memory in steps else None
    groups = [RETRIEVALS[step] for step in steps if step in RETRIEVALS]
    found: dict[Group, list[SearchHit]] = {}
    if groups:
        settings, user = sources.settings, request.user_id
        hits = await search_groups_async(
            pool,
            sources.embedder,
            request.question,
            groups,
            user_id=user,
            ef_search=settings.search_ef_search,
        )
        found = dict(zip(groups, hits, strict=True))
        async with pool.connection() as conn:
            await count_use(conn, [hit for group in hits for hit in group])
    return replace(sources, shared=shared, memory=memory, found=found)


async def _run_memory(sources: Sources, request: Request) -> list[Memory]:
    """The user's memory: the run's, or read (and counted) now and kept for the run's other agents."""
    if sources.run is not None and sources.run.memory is not None:
        return sources.run.memory
    async with async_pool(sources.service).connection() as conn:
        memory = await recall_memory(conn, request.user_id, MEMORY)
    if sources.run is not None:
        sources.run.memory = memory
    return memory


def _search(sources: Sources, request: Request, group: Group) -> list[SearchHit]:
    """The group's hits: found by the assembly's one search, or searched now (a step run alone)."""
    if group in sources.found:
        return sources.found[group]
    hits = _search_groups(sources, request, [group])[0]
    _count_use(sources, hits)
    return hits


def _count_use(sources: Sources, hits: Sequence[SearchHit]) -> None:
    """Count the validated queries and learnings put in front of an agent."""
    record_query_use(sources.service, [int(h.metadata["id"]) for h in hits if h.kind == "query"])
    record_use(sources.service, [int(h.metadata["id"]) for h in hits if h.kind == "learning"])


def _search_groups(sources: Sources, request: Request, groups: Sequence[Group]) -> list[list[SearchHit]]:
    settings = sources.settings
    question, user = request.question, request.user_id
    return search_groups(
        sources.service, sources.embedder, question, groups, user_id=user, ef_search=settings.search_ef_search
    )


def _hits_section(title: str, hits: list[SearchHit]) -> Section | None:
    if not hits:
        return None
    return Section(title, "\n\n".join(f"[{h.kind}: {h.name}]\n{h.content}" for h in hits))
