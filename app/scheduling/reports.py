"""Turn a task's result into history: store its report and post it where the schedule says."""

from __future__ import annotations

import asyncio
from typing import Any

from app.scheduling.delivery import Deliverer
from app.scheduling.tasks import TaskResult
from db.store.schedule_records import ScheduleRun
from db.store.schedules import ScheduleStore


async def publish(
    store: ScheduleStore, deliverer: Deliverer | None, run: ScheduleRun, result: TaskResult
) -> dict[str, Any]:
    """Deliver (when a channel and a deliverer exist), store the report; the run's output.

    The report is stored even when delivery fails; the failure then fails the run.
    """
    draft = result.report
    if draft is None:
        return result.output
    target = draft.channel if deliverer is not None else None
    failure: Exception | None = None
    if target is not None and deliverer is not None:
        try:
            await deliverer.deliver(target, f"**{draft.title}**\n{draft.body}", chart=draft.data.get("chart"))
        except Exception as exc:
            failure, target = exc, None
    report = await asyncio.to_thread(store.add_report, run, draft.title, draft.body, draft.data, target)
    if failure is not None:
        raise failure
    return result.output | {"report_id": report.id, "delivered_to": target}
