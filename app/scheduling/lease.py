"""The lease of a running schedule run: heartbeats while it runs, recovery once they stop.

The process executing a run renews `ai.schedule_runs.heartbeat_at` every SCHEDULER_HEARTBEAT_S.
A replica that dies mid-task (killed, machine gone) stops renewing; once a run has shown no sign
of life for `LEASE_HEARTBEATS` heartbeats, any replica's sync marks it 'interrupted'
(`ScheduleStore.recover_lost`). Nothing is re-run: the next firing happens as scheduled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from db.store.schedule_records import ScheduleRun
from db.store.schedules import ScheduleStore

log = logging.getLogger("dash.scheduler")
LEASE_HEARTBEATS = 3  # missed in a row before a run counts as lost: one slow beat is not death


def lease_s(heartbeat_s: float) -> float:
    """How long a run may stay silent before another replica declares it lost."""
    return LEASE_HEARTBEATS * heartbeat_s


class Heartbeats:
    """Keeps the leases of this process's running runs.

    Beats go through a thread of their own: the default thread pool, busy with the very tasks
    whose leases these are (slow queries, knowledge loads), must not make a live run look dead.
    """

    def __init__(self, store: ScheduleStore, every_s: float) -> None:
        self.store, self.every_s = store, every_s
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="dash-heartbeat")

    @asynccontextmanager
    async def held(self, run: ScheduleRun) -> AsyncIterator[None]:
        """Renew `run`'s lease while the body runs."""
        beating = asyncio.create_task(self._beat(run))
        try:
            yield
        finally:
            beating.cancel()

    def close(self) -> None:
        self._thread.shutdown(wait=False)

    async def _beat(self, run: ScheduleRun) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.every_s)
            try:
                alive = await loop.run_in_executor(self._thread, self.store.heartbeat, run.id)
            except Exception:  # the database may be back at the next beat
                log.warning("heartbeat of schedule run %s failed", run.id, exc_info=True)
                continue
            if not alive:
                log.warning(
                    "schedule run %s was marked interrupted by another replica (no heartbeat within "
                    "%g s); its outcome is still recorded when it ends",
                    run.id,
                    lease_s(self.every_s),
                )
                return
