"""Per-user limits on starting runs, counted in PostgreSQL (the state every replica shares).

The count and the new run are one transaction under a per-user advisory lock, so two replicas
starting runs for the same user at once cannot both slip under the limit (the statement that
counts and opens is `OPEN` in db/store/run_writes.py; `Usage.refusal` says why it refused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import TooManyRequests

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
