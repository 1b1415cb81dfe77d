"""One lookup in flight per question asked: concurrent callers asking the same thing share it.

Right after start-up (or after the key cache forgot a key) a burst of requests from one user would
each verify the same API key in the database — 500 requests at once, 500 lookups and 500
`last_used_at` writes — before the first answer could be remembered. Here the first caller starts
the lookup and the others await the same task; a caller that goes away does not cancel it for
the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._flying: dict[str, asyncio.Future[T]] = {}

    async def run(self, key: str, lookup: Callable[[], Awaitable[T]]) -> T:
        """`lookup()`'s result, shared with every caller of the same `key` while it runs."""
        task = self._flying.get(key)
        if task is None:
            task = self._flying[key] = asyncio.ensure_future(lookup())
            task.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(task)

    def _landed(self, key: str, task: asyncio.Future[T]) -> None:
        if self._flying.get(key) is task:
            del self._flying[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every caller went away meanwhile
