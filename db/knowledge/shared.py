"""Knowledge every question reads the same way, kept in memory until the knowledge changes.

`ai.knowledge_version` (migration 111) is one number that triggers bump whenever what the context
reads changes: the documents (not their use counters), the company profile, the data coverage.
While it is unchanged the table lists, business rules, company profile and coverage come from
memory. Every bump is also announced (NOTIFY `dash_knowledge_changed`, migration 112), so a process
whose listener hears (db/notifications.py, wired with `hear`) trusts its snapshot without asking:
it reads the version again only after an announcement, or while its listener does not hear — the
same rule as the API-key cache (app/key_cache.py). Without a listener (the CLI, tests) every
context asks for the version first (one tiny query, `current()`). Only what is the same for
everyone is kept: a user's memory, proposals and learnings are read per question.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, text

from db.aio import async_pool
from db.notifications import KNOWLEDGE_CHANNEL, Listener

T = TypeVar("T")
VERSION_SQL = "SELECT version FROM ai.knowledge_version"
VERSION = text(VERSION_SQL)


@dataclass
class Snapshot:
    """What was read while the knowledge stood at `version` (read after it, so never older)."""

    version: int
    values: dict[str, Any] = field(default_factory=dict)
    # The step lists whose shared values are all kept: assembling them again reads nothing shared.
    warm: set[object] = field(default_factory=set)

    def get(self, key: str, load: Callable[[], T]) -> T:
        """The value under `key`, loaded once per version (two threads may both load it: harmless)."""
        if key not in self.values:
            self.values[key] = load()
        return self.values[key]  # type: ignore[no-any-return]


class SharedKnowledge:
    """The shared-knowledge cache of one database (one per service engine: see `shared_knowledge`)."""

    def __init__(self, service: Engine) -> None:
        self.service = service
        self._snapshot = Snapshot(-1)
        self._lock = threading.Lock()
        self._listening = False
        self._trusted = False  # the snapshot is current until an announcement says otherwise
        self._generation = 0  # moves on every announcement heard and every listener change

    def hear(self, listener: Listener) -> None:
        """Trust the snapshot while `listener` hears knowledge changes; doubt it when one is heard."""
        listener.on(KNOWLEDGE_CHANNEL, self.changed)
        listener.on_state(self.listening)

    def changed(self, payload: str = "") -> None:
        with self._lock:
            self._generation += 1
            self._trusted = False

    def listening(self, on: bool) -> None:
        with self._lock:
            self._generation += 1
            self._listening, self._trusted = on, False

    def current(self) -> Snapshot:
        """The snapshot for the knowledge as it stands now: the kept one unless the version moved."""
        if (trusted := self._trusted_snapshot()) is not None:
            return trusted
        generation = self._generation
        with self.service.connect() as conn:
            version = conn.execute(VERSION).scalar()
        return self._at(version, generation)

    async def current_async(self) -> Snapshot:
        """`current`, reading the version (when it must) on the asyncio pool."""
        if (trusted := self._trusted_snapshot()) is not None:
            return trusted
        generation = self._generation
        async with async_pool(self.service).connection() as conn:
            row = await (await conn.execute(VERSION_SQL)).fetchone()
        return self._at(row[0] if row else None, generation)

    def _trusted_snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot if self._trusted else None

    def _at(self, version: int | None, generation: int) -> Snapshot:
        if version is None:  # the row is gone (a hand-edited database): keep nothing, read everything
            return Snapshot(-1)
        with self._lock:
            if self._snapshot.version != version:
                self._snapshot = Snapshot(version)
            # Trust it only if nothing was announced while the version was read: it may predate that.
            self._trusted = self._listening and generation == self._generation
            return self._snapshot


_caches: weakref.WeakKeyDictionary[Engine, SharedKnowledge] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def shared_knowledge(service: Engine) -> SharedKnowledge:
    """The cache of the database behind `service`; it lives as long as the engine does."""
    with _caches_lock:
        cache = _caches.get(service)
        if cache is None:
            cache = _caches[service] = SharedKnowledge(service)
        return cache
