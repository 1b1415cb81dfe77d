"""The shared-knowledge cache trusts its snapshot while the process's listener hears knowledge
changes (NOTIFY `dash_knowledge_changed`), and reads the version before every context when it
does not: another process's change always reaches the next question.

A hand edit of `ai.knowledge_version` (no trigger, so no announcement) shows which rule applies:
a trusting cache does not see it, a doubting one does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import text

from db.embeddings import local_embedder
from db.engines import DatabaseTarget, Engines, service_conninfo
from db.knowledge.documents import save_view_note
from db.knowledge.shared import SharedKnowledge
from db.notifications import Listener

WAIT_S = 10.0


@pytest.fixture
def engines(db: DatabaseTarget) -> Iterator[Engines]:
    built = Engines(db, pool_size=1)
    yield built
    built.dispose()


def hand_edit(engines: Engines) -> None:
    """Move the version the way no writer does: without the trigger, so nobody is told."""
    with engines.service.begin() as conn:
        conn.execute(text("UPDATE ai.knowledge_version SET version = version + 100"))


async def until_version_moves(cache: SharedKnowledge, version: int) -> int:
    deadline = time.monotonic() + WAIT_S
    while (now := (await cache.current_async()).version) == version:
        assert time.monotonic() < deadline, "the change was not seen"
        await asyncio.sleep(0.02)
    return now


async def hearing(cache: SharedKnowledge, db: DatabaseTarget) -> Listener:
    listener = Listener(partial(service_conninfo, db), retry_s=0.1)
    cache.hear(listener)
    listener.start()
    await asyncio.wait_for(listener.listening.wait(), WAIT_S)
    return listener


def test_while_the_listener_hears_the_version_is_not_read_and_an_announced_change_is_seen(
    db: DatabaseTarget, engines: Engines
) -> None:
    other = Engines(db, pool_size=1)  # another replica, same database

    async def scenario() -> None:
        cache = SharedKnowledge(engines.service)
        listener = await hearing(cache, db)
        try:
            first = await cache.current_async()
            hand_edit(engines)
            assert (await cache.current_async()) is first, "trusted: the version was not read"
            assert cache.current() is first
            await asyncio.to_thread(
                save_view_note, other.service, local_embedder(), name="dash.v", description="a view"
            )
            assert await until_version_moves(cache, first.version) > first.version + 100
        finally:
            await listener.close()

    try:
        asyncio.run(scenario())
    finally:
        other.dispose()


def test_with_the_listener_down_or_absent_every_context_reads_the_version(
    db: DatabaseTarget, engines: Engines
) -> None:
    async def scenario() -> None:
        cache = SharedKnowledge(engines.service)
        listener = await hearing(cache, db)
        first = await cache.current_async()
        await listener.close()  # the listener stops hearing: nothing may be trusted any more
        hand_edit(engines)
        assert (await cache.current_async()).version == first.version + 100

    asyncio.run(scenario())
    cache = SharedKnowledge(engines.service)  # no listener at all (the CLI, a test)
    before = cache.current().version
    hand_edit(engines)
    assert cache.current().version == before + 100
