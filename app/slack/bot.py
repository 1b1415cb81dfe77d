"""The slack-bolt app: verifies Slack's signature, acks at once, answers in background tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from agents.runner import Runner
from app import metrics
from app.slack.events import Question, Verdict, classify, question
from app.slack.feedback import SlackFeedback, reaction
from app.slack.memory_commands import forget_reply, is_forget
from app.slack.progress import MIN_UPDATE_S
from app.slack.responder import Responder
from app.slack.review import APPROVE, REJECT, on_review_action
from db.engines import database_unreachable
from db.store.slack_claims import SlackLedger

log = logging.getLogger(__name__)


class SlackBot:
    """Holds the Bolt app and the tasks answering questions (kept so they are not collected)."""

    def __init__(self, runner: Runner, token: str, signing_secret: str, api_url: str, **kw: Any) -> None:
        deps = runner.deps
        self.client = AsyncWebClient(token=token, base_url=api_url)
        self.signing_secret = signing_secret  # the route verifies requests before Bolt (verify.py)
        self.ledger = SlackLedger(deps.store.engine)
        self.responder = Responder(runner, self.client, kw.get("min_update_s", MIN_UPDATE_S))
        self.tasks: set[asyncio.Task[None]] = set()
        # process_before_response: our listener only starts a task, so the ack still goes out at
        # once, and no work is left to Bolt's own untracked futures.
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret, process_before_response=True)
        self.app.event("app_mention")(self._on_event)
        self.app.event("message")(self._on_event)
        self.feedback = SlackFeedback(deps, self.client, self.responder.answers)
        self.app.event("reaction_added")(self._on_reaction)
        self.app.action(APPROVE)(self._on_review)
        self.app.action(REJECT)(self._on_review)
        self.deps = deps

    async def _on_review(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await on_review_action(self.deps.settings, self.deps.engines.service, self.client, body)

    async def _on_event(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        self._background(self.handle(body, event, context.bot_user_id))

    async def _on_reaction(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        self._background(self.react(body, event))

    def _background(self, work: Awaitable[None]) -> None:
        task = asyncio.create_task(self._logged(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def react(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A 👍/👎 on an answer is feedback on its run, stored once however often Slack delivers it."""
        r = reaction(event, body.get("team_id") or event.get("team") or "T")
        event_id = body.get("event_id") or f"reaction:{event.get('event_ts')}:{event.get('user')}"
        if r is not None and await asyncio.to_thread(self.ledger.claim, event_id):
            await self.feedback.on_reaction(r)

    async def handle(self, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None) -> None:
        """Answer the event once, however often Slack delivers it."""
        verdict = classify(event, bot_user_id)
        if verdict is Verdict.ignore:
            return
        team = body.get("team_id") or event.get("team") or "T"
        q = question(event, team)
        try:
            if not await self._take(q, verdict, body.get("event_id") or f"{q.channel}:{event['ts']}"):
                return
        except Exception as exc:
            # A question put to Dash gets told why there is no answer; a thread reply Dash may not
            # even be part of does not.
            if verdict is Verdict.maybe_thread or not database_unreachable(exc):
                raise
            log.warning("Slack: the database is unreachable, question in %s not taken", q.channel)
            await self.responder.unavailable(q)
            return
        if event.get("channel_type") == "im" and is_forget(q.text):
            reply = await asyncio.to_thread(forget_reply, self.deps.engines.service, q.user_id, q.text)
            await self.client.chat_postMessage(channel=q.channel, thread_ts=q.thread_ts, text=reply)
            return
        await self._learn_from(q)
        await self.responder.respond(q)

    async def _learn_from(self, q: Question) -> None:
        """A reply correcting Dash's answer becomes a learning before it is answered (so the answer
        already uses it). Best effort: the reply is answered whatever happens here."""
        try:
            await self.feedback.correct(q)
        except Exception:
            log.exception("Slack: could not learn from a reply in %s", q.channel)

    async def _take(self, q: Question, verdict: Verdict, event_id: str) -> bool:
        """Claim the event for this replica (False: not ours to answer) and join its thread."""
        if verdict is Verdict.maybe_thread and not await self._in_thread(q):
            return False
        if not await asyncio.to_thread(self.ledger.claim, event_id):
            metrics.slack_duplicate()
            return False  # a retry of an event already taken (here or on another replica)
        await asyncio.to_thread(self.ledger.join_thread, q.team, q.channel, q.thread_ts, q.user)
        return True

    @staticmethod
    async def _logged(work: Awaitable[None]) -> None:
        try:
            await work
        except Exception:  # e.g. the database is down before a status could be posted
            log.exception("Slack: an event could not be handled")

    async def _in_thread(self, q: Question) -> bool:
        return await asyncio.to_thread(self.ledger.in_thread, q.team, q.channel, q.thread_ts)

    async def idle(self) -> None:
        """Wait for every question in flight (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def close(self, timeout_s: float = 10.0) -> None:
        try:
            await asyncio.wait_for(self.idle(), timeout_s)
        except TimeoutError:
            for task in list(self.tasks):
                task.cancel()
            log.warning("Slack: %d answers were cut off by shutdown", len(self.tasks))
