"""Is this Slack event for us? A pure decision, and the ids an accepted event maps to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

IGNORED_SUBTYPES = {"bot_message", "message_changed", "message_deleted", "message_replied"}
MENTION = re.compile(r"<@[A-Z0-9]+>")


class Verdict(StrEnum):
    answer = "answer"  # a question for Dash
    ignore = "ignore"  # bots, edits, deletions, chatter Dash is not part of
    maybe_thread = "maybe_thread"  # a plain reply in a thread: answer only if Dash is in it


@dataclass(frozen=True)
class Question:
    """An accepted message: who asked what, where, and the Dash ids it maps to."""

    team: str
    channel: str
    user: str
    text: str
    thread_ts: str

    @property
    def user_id(self) -> str:
        return f"slack:{self.team}:{self.user}"

    @property
    def thread_session(self) -> str:
        return f"slack:{self.team}:{self.channel}:{self.thread_ts}"

    @property
    def own_session(self) -> str:
        """The session of a person who joins a thread someone else started."""
        return f"{self.thread_session}:{self.user}"


def classify(event: dict[str, Any], bot_user_id: str | None) -> Verdict:
    """What to do with an `app_mention` or `message` event."""
    if event.get("bot_id") or event.get("subtype") in IGNORED_SUBTYPES or not event.get("user"):
        return Verdict.ignore
    if bot_user_id and event.get("user") == bot_user_id:
        return Verdict.ignore
    if event.get("type") == "app_mention" or event.get("channel_type") == "im":
        return Verdict.answer
    mentioned = bool(bot_user_id) and f"<@{bot_user_id}>" in event.get("text", "")
    if event.get("thread_ts") and not mentioned:  # a mention arrives as app_mention too
        return Verdict.maybe_thread
    return Verdict.ignore


def question(event: dict[str, Any], team: str) -> Question:
    """The question an accepted event asks, with the @mention removed."""
    return Question(
        team=team,
        channel=event["channel"],
        user=event["user"],
        text=MENTION.sub("", event.get("text", "")).strip(),
        thread_ts=event.get("thread_ts") or event["ts"],
    )
