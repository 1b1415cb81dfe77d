"""Per-user limits on starting runs, counted in PostgreSQL (the state every replica shares).

The count and the new run are one transaction under a per-user advisory lock, so two replicas
starting runs for the same user at once cannot both slip under the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, func, select

from core.errors import TooManyRequests
from db.store.records import ACTIVE
from db.store.tables import runs

WINDOW_S = 60
LOCK_NAMESPACE = 0x0DA5_0090  # two-key advisory locks: (this, hashtext(user_id))
BUSY_RETRY_S = 5  # a run in flight usually ends within seconds to a minute


@dataclass(frozen=True)
class RunLimits:
    """0 means no limit."""

    max_active: int = 0
    per_minute: int = 0


NO_LIMITS = RunLimits()


@dataclass(frozen=True)
class Usage:
    """What a user has going on now: runs in flight, runs started within the window."""

    active: int
    recent: int
    oldest_recent_age_s: float

    def refusal(self, limits: RunLimits) -> TooManyRequests | None:
        if limits.max_active and self.active >= limits.max_active:
            return TooManyRequests(
                f"You already have {self.active} question(s) being answered, the most at once "
                f"(USER_MAX_ACTIVE_RUNS={limits.max_active}). Ask again when one has finished.",
                retry_after_s=BUSY_RETRY_S,
                detail={"limit": "USER_MAX_ACTIVE_RUNS", "active": self.active},
            )
        if limits.per_minute and self.recent >= limits.per_minute:
            wait = max(1, math.ceil(WINDOW_S - self.oldest_recent_age_s))
            return TooManyRequests(
                f"You asked {self.recent} questions within a minute, the most allowed "
                f"(USER_QUESTIONS_PER_MINUTE={limits.per_minute}). Ask again in {wait} s.",
                retry_after_s=wait,
                detail={"limit": "USER_QUESTIONS_PER_MINUTE", "recent": self.recent},
            )
        return None


def check_limits(conn: Connection, user_id: str, limits: RunLimits) -> None:
    """Raise TooManyRequests when `user_id` may not start another run now (inside the caller's
    transaction, which then holds the user's lock until it commits the new run)."""
    if not (limits.max_active or limits.per_minute):
        return
    conn.execute(select(func.pg_advisory_xact_lock(LOCK_NAMESPACE, func.hashtext(user_id))))
    refused = usage(conn, user_id).refusal(limits)
    if refused is not None:
        raise refused


def usage(conn: Connection, user_id: str) -> Usage:
    window_start = func.now() - timedelta(seconds=WINDOW_S)
    active = select(func.count()).where(runs.c.user_id == user_id, runs.c.status.in_(ACTIVE))
    recent = select(
        func.count(), func.coalesce(func.extract("epoch", func.now() - func.min(runs.c.created_at)), 0)
    ).where(runs.c.user_id == user_id, runs.c.created_at > window_start)
    count, age = conn.execute(recent).one()
    return Usage(int(conn.execute(active).scalar_one()), int(count), float(age))
