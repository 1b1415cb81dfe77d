"""Feedback in Slack: a 👍/👎 reaction on Dash's answer, and a reply in the thread that corrects it.

A reaction counts when it is on a message carrying an answer (the answer itself or the SQL that
ran) and comes from the person whose run it is; anyone else's reaction is left alone. A reply in
the thread is a correction candidate when it opens like one ("no", "wrong", "actually, ...") or
follows the person's own 👎 on that answer; the fixed model call then decides (agents/feedback.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from agents.corrections import looks_like_correction
from agents.feedback import correct_in_thread, give_feedback
from agents.scope import Deps
from app.slack.events import Question
from db.store.feedback import Rating, feedback_on
from db.store.slack_claims import AnswerLedger

log = logging.getLogger(__name__)
RATINGS = {"+1": Rating.up, "thumbsup": Rating.up, "-1": Rating.down, "thumbsdown": Rating.down}
ASK_WHY = (
    "Thanks for the feedback. Reply in this thread with what was wrong (e.g. _no, revenue must"
    " exclude refunds_) and I will remember it for your next questions."
)
NOTED = "Noted for your next questions: _{learning}_ (learning {id}, kept for you only)."


@dataclass(frozen=True)
class Reaction:
    team: str
    channel: str
    message_ts: str
    user: str
    rating: Rating

    @property
    def user_id(self) -> str:
        return f"slack:{self.team}:{self.user}"


def reaction(event: dict[str, Any], team: str) -> Reaction | None:
    """The 👍/👎 a `reaction_added` event gives a message; None for any other reaction or item."""
    item = event.get("item") or {}
    name = str(event.get("reaction", "")).split("::")[0]  # "+1::skin-tone-3" is a 👍 too
    rating = RATINGS.get(name)
    if rating is None or item.get("type") != "message" or not event.get("user") or not item.get("ts"):
        return None
    return Reaction(team, str(item.get("channel", "")), str(item["ts"]), str(event["user"]), rating)


class SlackFeedback:
    def __init__(self, deps: Deps, client: AsyncWebClient, answers: AnswerLedger) -> None:
        self.deps, self.client, self.answers = deps, client, answers

    async def on_reaction(self, r: Reaction) -> None:
        """Store the rating of the person's own answer; after a 👎, ask them what was wrong."""
        place = await asyncio.to_thread(self.answers.answer_at, r.team, r.channel, r.message_ts)
        if place is None or place.user_id != r.user_id:
            return  # not an answer, or someone else's
        await give_feedback(self.deps, r.user_id, place.run_id, r.rating, "", "slack")
        if r.rating is Rating.down:
            await self.client.chat_postMessage(channel=r.channel, thread_ts=place.thread_ts, text=ASK_WHY)

    async def correct(self, q: Question) -> bool:
        """Learn from a reply that corrects the person's latest answer in the thread; True if it did."""
        run_id = await asyncio.to_thread(self.answers.latest_run, q.team, q.channel, q.thread_ts, q.user_id)
        if run_id is None or not (looks_like_correction(q.text) or await self._asked_why(q, run_id)):
            return False
        outcome = await correct_in_thread(self.deps, q.user_id, run_id, q.text)
        if outcome is None or outcome.learning is None:
            return False
        text = NOTED.format(learning=outcome.learning.learning, id=outcome.learning.id)
        await self.client.chat_postMessage(channel=q.channel, thread_ts=q.thread_ts, text=text)
        return True

    async def _asked_why(self, q: Question, run_id: str) -> bool:
        """Did the person 👎 this answer without saying why yet? Then their reply is the why."""
        given = await asyncio.to_thread(feedback_on, self.deps.store.engine, q.user_id, run_id)
        return given is not None and given.rating is Rating.down and not given.comment
