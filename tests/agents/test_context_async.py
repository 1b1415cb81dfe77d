"""A run's contexts (`assemble_async`: the reads on the asyncio pool, the sections built in the
event loop once the shared knowledge is kept) say exactly what `assemble` says."""

from __future__ import annotations

import asyncio

from agents.context import (
    ANALYST_STEPS,
    ENGINEER_STEPS,
    KNOWLEDGE,
    Request,
    Sources,
    assemble,
    assemble_async,
)
from agents.leader import leader_context, leader_context_async
from agents.team import Deps
from db.aio import async_pool
from db.embeddings import RecentEmbeddings, local_embedder
from db.knowledge.learnings import save_learning
from db.knowledge.memory import remember
from db.knowledge.search import search_groups_async
from tests.agents import harness

agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)
REQUEST = Request("What is our MRR by plan, and are invoice amounts in cents?", "alice", "INSTRUCTIONS")


def test_the_async_contexts_equal_the_sync_ones_cold_and_warm(deps: Deps) -> None:
    sources = Sources(deps.engines.service, RecentEmbeddings(local_embedder()), deps.settings)
    save_learning(sources.service, local_embedder(), title="amounts", learning="invoices.amount is in cents")
    remember(sources.service, "alice", "Works on EMEA accounts")

    async def contexts() -> list[str]:
        return [
            (await assemble_async(sources, REQUEST, steps)).system
            for steps in (ANALYST_STEPS, ANALYST_STEPS, ENGINEER_STEPS)  # the second one warm
        ] + [(await leader_context_async(sources, REQUEST)).system]

    analyst, warm, engineer, leader = asyncio.run(contexts())
    assert analyst == warm == assemble(sources, REQUEST, ANALYST_STEPS).system
    assert engineer == assemble(sources, REQUEST, ENGINEER_STEPS).system
    assert leader == leader_context(sources, REQUEST).system
    assert "in cents" in analyst and "[query: " in analyst and "Works on EMEA accounts" in analyst


def test_the_search_on_the_pool_runs_with_the_hnsw_settings(deps: Deps) -> None:
    """The settings are kept for the pooled connection's session: the next search sees them."""
    pool = async_pool(deps.engines.service)

    async def settings_after_a_search() -> tuple[str, str]:
        await search_groups_async(pool, local_embedder(), "invoice amounts", [KNOWLEDGE], ef_search=77)
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan')"
            )
            row = await cur.fetchone()
        assert row is not None
        return str(row[0]), str(row[1])

    assert asyncio.run(settings_after_a_search()) == ("77", "relaxed_order")
