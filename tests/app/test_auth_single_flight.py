"""A burst of requests with one API key checks it in the database once, not once per request."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.auth import Authenticator, Role
from db.api_keys import create_key
from db.engines import DatabaseTarget, Engines
from tests.conftest import test_settings
from tests.statements import statements


def test_concurrent_requests_with_one_key_share_one_lookup(db: DatabaseTarget, tmp_path: Path) -> None:
    engines = Engines(db, pool_size=2)
    try:
        _, token = create_key(engines.service, "alice", "analyst")
        _, other = create_key(engines.service, "bob", "viewer")
        authenticator = Authenticator(test_settings(tmp_path), engines.service)

        async def burst() -> list[tuple[str, Role]]:
            calls = [authenticator.principal(f"Bearer {t}") for t in [token] * 40 + [other] * 10]
            return [(p.user_id, p.role) for p in await asyncio.gather(*calls)]

        with statements(engines.service) as seen:
            callers = asyncio.run(burst())
        assert callers == [("alice", Role.analyst)] * 40 + [("bob", Role.viewer)] * 10
        assert sum("EXISTS (SELECT 1 FROM ai.api_keys)" in s for s in seen) == 1
        assert sum("FROM ai.api_keys WHERE id" in s for s in seen) == 2  # one per key
    finally:
        engines.dispose()


def test_a_failed_lookup_reaches_every_waiting_caller_and_the_next_one_asks_again(
    db: DatabaseTarget, tmp_path: Path
) -> None:
    engines = Engines(db, pool_size=2)
    try:
        _, token = create_key(engines.service, "alice", "analyst")
        authenticator = Authenticator(test_settings(tmp_path), engines.service)

        async def burst() -> list[object]:
            return await asyncio.gather(
                *(authenticator.principal(f"Bearer {token}x") for _ in range(5)), return_exceptions=True
            )

        refused = asyncio.run(burst())
        assert all("not valid" in str(r) for r in refused)
        assert asyncio.run(authenticator.principal(f"Bearer {token}")).user_id == "alice"
    finally:
        engines.dispose()
