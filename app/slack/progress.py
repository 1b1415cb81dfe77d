"""Dash's messages in a thread: the status, posted at once and updated (throttled) while the team
works, then replaced by the answer."""

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


class ThreadMessage:
    """One message of Dash's in one thread (or, with no thread_ts, in the channel itself): the first
    `put` posts it, later ones replace its text."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str | None) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.ts: str | None = None

    async def put(self, text: str) -> None:
        if self.ts is None:
            reply = await self.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=text
            )
            self.ts = reply.get("ts")
        else:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=text)


class Status(ThreadMessage):
    """The status message; `show` updates it at most once per `min_interval_s`, and the answer
    (or an apology) replaces it with `put`."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, min_interval_s: float) -> None:
        super().__init__(client, channel, thread_ts)
        self.min_interval_s = min_interval_s
        self.shown_at = 0.0

    async def start(self) -> None:
        await self.put(WORKING)
        self.shown_at = time.monotonic()

    async def show(self, text: str) -> None:
        if self.ts is None or time.monotonic() - self.shown_at < self.min_interval_s:
            return
        self.shown_at = time.monotonic()
        await self.put(text)
