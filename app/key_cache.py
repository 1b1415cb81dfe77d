"""Verified API keys remembered for a short while, so a request does not cost a database round trip
(and a committed `last_used_at` write) just to say who is calling.

A revoked key must still stop working at once: `revoke_key` announces the revocation (NOTIFY) and
the process's listener (db/notifications.py) hands it to `revoked`, so every process forgets that
key within milliseconds of the commit. Keys are only remembered while that listener hears (it calls
`listening(True/False)`), so a missed announcement cannot keep a revoked key alive; and never longer than KEY_CACHE_S, so `last_used_at` (written
when a key is checked against the database) is at most that old.
"""

from __future__ import annotations

import threading
import time

from db.api_keys import ApiKey

KEY_CACHE_S = 60.0


class KeyCache:
    """{SHA-256 of a key: the verified key}. Thread-safe: the listener thread evicts, requests read."""

    def __init__(self, ttl_s: float = KEY_CACHE_S) -> None:
        self.ttl_s = ttl_s
        self._keys: dict[str, tuple[ApiKey, float]] = {}
        self._lock = threading.Lock()
        self._listening = False
        self._generation = 0  # moves on every revocation heard and every listener change

    @property
    def generation(self) -> int:
        """Read before checking a key in the database; pass to `remember`."""
        return self._generation

    def get(self, sha: str) -> ApiKey | None:
        with self._lock:
            entry = self._keys.get(sha)
            if entry is None or time.monotonic() > entry[1]:
                return None
            return entry[0]

    def remember(self, sha: str, key: ApiKey, generation: int) -> None:
        """Keep `key`, unless a revocation was heard (or the listener changed) since `generation`:
        the database answer may predate it."""
        with self._lock:
            if self._listening and generation == self._generation:
                self._keys[sha] = (key, time.monotonic() + self.ttl_s)

    def revoked(self, key_id: str) -> None:
        with self._lock:
            self._generation += 1
            self._keys = {sha: entry for sha, entry in self._keys.items() if entry[0].id != key_id}

    def listening(self, on: bool) -> None:
        with self._lock:
            self._generation += 1
            self._listening = on
            self._keys.clear()
