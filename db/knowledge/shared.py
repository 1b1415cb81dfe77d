"""Knowledge every question reads the same way, kept in memory until the knowledge changes.

`ai.knowledge_version` (migration 111) is one number that triggers bump whenever what the context
reads changes: the documents (not their use counters), the company profile, the data coverage.
A context assembly asks for it first (one tiny query, `current()`); while it is unchanged the table
lists, business rules, company profile and coverage come from memory. Another replica's change
bumps the same number, so this process sees it on its next question. Only what is the same for
everyone is kept: a user's memory, proposals and learnings are read per question.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, text

T = TypeVar("T")
VERSION = text("SELECT version FROM ai.knowledge_version")


@dataclass
class Snapshot:
    """What was read while the knowledge stood at `version` (read after it, so never older)."""

    version: int
    values: dict[str, Any] = field(default_factory=dict)

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

    def current(self) -> Snapshot:
        """The snapshot for the knowledge as it stands now: the kept one unless the version moved."""
        with self.service.connect() as conn:
            version = conn.execute(VERSION).scalar()
        if version is None:  # the row is gone (a hand-edited database): keep nothing, read everything
            return Snapshot(-1)
        with self._lock:
            if self._snapshot.version != version:
                self._snapshot = Snapshot(version)
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
