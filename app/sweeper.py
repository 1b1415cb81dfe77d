"""Housekeeping every minute on each replica: close runs whose process died; prune Slack claims.

Every run heartbeats while it is driven (RunRecorder, every 15 s) and records the process that
drives it. A process that dies mid-run leaves its runs `running`: start-up (and each round) closes
at once the ones a dead process on this same host left (its pid is gone, or the pid is now ours),
and closes any other once its heartbeat is older than STALE_RUN_S — a replica on another host
that died, or a run whose final write failed while the database was away — so a run never stays
`running` once nothing drives it. Each closed run
gets a final `run_failed` event (retryable), so a client following its stream stops waiting.
With Slack on, event claims older than the retention (db/store/slack_claims.py) go in the same round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from db.store import Store
from db.store.slack_claims import SlackLedger

log = logging.getLogger(__name__)
STALE_RUN_S = 120.0  # eight missed heartbeats: only a run nobody drives is this quiet
SWEEP_S = 60.0


class Sweeper:
    def __init__(
        self,
        store: Store,
        ledger: SlackLedger | None = None,
        every_s: float = SWEEP_S,
        stale_after_s: float = STALE_RUN_S,
    ) -> None:
        self.store, self.ledger = store, ledger
        self.every_s, self.stale_after_s = every_s, stale_after_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def sweep(self) -> list[str]:
        """One round (blocking: run it in a thread); the ids of the runs it closed."""
        closed = self.store.recover_interrupted_runs(stale_after_s=self.stale_after_s)
        if closed:
            log.warning("closed %d run(s) that nothing drives any more: %s", len(closed), ", ".join(closed))
        if self.ledger is not None and (pruned := self.ledger.prune()):
            log.info("pruned %d old Slack event claims", pruned)
        return closed

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await asyncio.to_thread(self.sweep)
            except Exception:  # the database may be away: try again at the next round
                log.warning(
                    "could not look for abandoned runs; retrying in %g s", self.every_s, exc_info=True
                )
