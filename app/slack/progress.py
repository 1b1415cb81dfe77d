"""The status message in a thread: posted at once, updated (throttled) while the team works."""

from __future__ import annotations

import time

from slack_sdk.web.async_client import AsyncWebClient

from agents import run_events as rev

WORKING = "Working on it…"
MIN_UPDATE_S = 1.0


def status_line(event: rev.RunEvent) -> str | None:
    """What the status message says after `event`, or None when it does not change it."""
    if isinstance(event, rev.Delegated):
        return f"Working on it… asked the {event.agent}: _{event.task[:120]}_"
    if isinstance(event, rev.ToolStarted) and event.tool == "run_sql":
        return f"Working on it… the {event.agent} is running SQL"
    if isinstance(event, rev.ToolStarted):
        return f"Working on it… the {event.agent} is using {event.tool}"
    return None


class Status:
    """One status message in one thread; `show` updates it at most once per `min_interval_s`."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, min_interval_s: float) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.min_interval_s = min_interval_s
        self.ts: str | None = None
        self.shown_at = 0.0

    async def start(self) -> None:
        reply = await self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=WORKING
        )
        self.ts = reply.get("ts")
        self.shown_at = time.monotonic()

    async def show(self, text: str) -> None:
        if self.ts is None or time.monotonic() - self.shown_at < self.min_interval_s:
            return
        self.shown_at = time.monotonic()
        await self.client.chat_update(channel=self.channel, ts=self.ts, text=text)

    async def finish(self, text: str) -> None:
        """Replace the status with the final text (or post it when the status never appeared)."""
        if self.ts is None:
            await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text)
        else:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=text)
