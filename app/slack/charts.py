"""A chartable answer's chart in its Slack thread: one PNG, uploaded like long answers are.

Best effort, after the answer: if the chart cannot be rendered or Slack refuses the file, the
answer stands and the reason is logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from app.chart_png import render_png
from app.slack.delivery import Attachment, upload
from app.slack.progress import ThreadMessage

log = logging.getLogger(__name__)
FILENAME = "chart.png"


async def post_chart(message: ThreadMessage, spec: dict[str, Any], title: str = "Chart") -> bool:
    """Upload `spec` as one PNG into the message's thread; True when it is there."""
    try:
        png = await asyncio.to_thread(render_png, spec)
    except ValueError as exc:
        log.warning("Slack: no chart for %s: %s", message.channel, exc)
        return False
    return await upload(message, Attachment(FILENAME, png, "chart", title)) is None
