"""Answer one Slack question in its thread: session, status, the run, the answer and its SQL
(each, when too long for one message, shortened there and attached whole as a file).

Sessions: a thread is one session, `slack:<team>:<channel>:<thread_ts>`, owned by whoever started
it. Someone else replying in the thread gets their own session `...:<thread_ts>:<user>` and runs
as themselves, so every session, run and user-scoped learning stays with one person (their
follow-ups have their own context; they do not read the starter's history).
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.web.async_client import AsyncWebClient

from agents import run_events as rev
from agents.questions import refusal
from agents.runner import Runner, RunRequest
from app.limits import run_limits
from app.slack.charts import post_chart
from app.slack.delivery import Attachment, deliver
from app.slack.events import Question
from app.slack.mrkdwn import sql_block, sql_script, to_mrkdwn
from app.slack.progress import MIN_UPDATE_S, Status, ThreadMessage, status_line
from core.errors import ModelNotConfigured, TooManyRequests
from db.engines import database_unreachable
from db.store import SessionTaken
from db.store.slack_claims import AnswerLedger, AnswerPlace

log = logging.getLogger(__name__)
SORRY = "Sorry, I could not answer that: {reason} Please try again in a moment."
SORRY_RETRY = "the model is busy or unreachable."
SORRY_OTHER = "something went wrong on my side (the details are in the Dash trace)."
EMPTY = "Ask me a question about your data, e.g. _What was revenue last month?_"
SORRY_NO_MODEL = "no model is configured yet (an admin must set OPENAI_API_KEY or OPENAI_BASE_URL)."
SORRY_NO_DATABASE = "my database is not reachable right now (an admin can check `dash db status`)."
STOPPED = "This question was cancelled before I could answer it. Ask again whenever you like."
REFUSED = "Sorry, I can't take that question: {reason}"
BUSY = (
    "You have asked me a lot at once, more than I take from one person. Please ask again in about"
    " {wait} seconds, or once one of your questions has its answer."
)


class Responder:
    def __init__(self, runner: Runner, client: AsyncWebClient, min_update_s: float = MIN_UPDATE_S) -> None:
        self.runner, self.deps, self.client, self.min_update_s = runner, runner.deps, client, min_update_s
        self.answers = AnswerLedger(runner.deps.store.engine)

    async def respond(self, q: Question) -> None:
        """Run the question and leave exactly one answer (or one friendly error) in the thread."""
        status = Status(self.client, q.channel, q.thread_ts, self.min_update_s)
        if not q.text:
            await status.put(EMPTY)
            return
        if (refused := refusal(q.text, self.deps.settings.question_max_chars)) is not None:
            await status.put(REFUSED.format(reason=refused.message))  # before anything is stored
            return
        try:
            await status.start()
            session = await asyncio.to_thread(self._session, q, await self._email(q.user))
            run_id, final = await self._run(q, session, status)
            posted = await self._reply(status, final)
            if run_id is not None and posted:
                await asyncio.to_thread(self._remember, q, run_id, posted)
        except ModelNotConfigured:
            await self._apologise(status, SORRY_NO_MODEL)
        except TooManyRequests as busy:
            await status.put(BUSY.format(wait=busy.retry_after_s))
        except Exception as exc:  # never silence: log the details, tell the user briefly
            log.exception("Slack question in %s/%s failed", q.channel, q.thread_ts)
            await self._apologise(status, SORRY_NO_DATABASE if database_unreachable(exc) else SORRY_OTHER)

    async def unavailable(self, q: Question) -> None:
        """Tell the asker the database is out of reach (the question could not even be taken)."""
        await self._apologise(
            Status(self.client, q.channel, q.thread_ts, self.min_update_s), SORRY_NO_DATABASE
        )

    async def _apologise(self, status: Status, reason: str) -> None:
        try:
            await status.put(SORRY.format(reason=reason))
        except Exception:  # Slack itself is failing: nothing more we can say there
            log.exception("Slack: could not post the error message to %s", status.channel)

    def _session(self, q: Question, email: str | None) -> str:
        meta = {"source": "slack", "channel": q.channel, "thread_ts": q.thread_ts, "email": email}
        title = q.text[:100]
        store = self.deps.store
        try:
            return store.create_or_get_session(q.user_id, q.thread_session, title, meta).id
        except SessionTaken:
            return store.create_or_get_session(q.user_id, q.own_session, title, meta).id

    async def _email(self, user: str) -> str | None:
        """The user's email when the app has users:read.email; None otherwise (best effort)."""
        try:
            info = await self.client.users_info(user=user)
        except Exception:
            return None
        return (info.get("user") or {}).get("profile", {}).get("email")

    async def _run(self, q: Question, session: str, status: Status) -> tuple[str | None, rev.RunEvent | None]:
        run_id, final = None, None
        request = RunRequest(q.user_id, q.text, session, "slack", run_limits(self.deps.settings))
        async for event in self.runner.run(request):
            line = status_line(event)
            if line:
                await status.show(line)
            run_id = event.run_id if isinstance(event, rev.RunStarted) else run_id
            final = event if event.terminal else final
        return run_id, final

    async def _reply(self, status: Status, final: rev.RunEvent | None) -> list[str]:
        """Post the answer (or an apology); the ts of the messages that carry the answer."""
        if isinstance(final, rev.RunCancelled):  # e.g. its asker cancelled it over REST
            await status.put(STOPPED)
            return []
        if not isinstance(final, rev.RunCompleted):
            retryable = isinstance(final, rev.RunFailed) and final.retryable
            log.warning("Slack run ended without an answer: %r", final)
            await status.put(SORRY.format(reason=SORRY_RETRY if retryable else SORRY_OTHER))
            return []
        await deliver(status, to_mrkdwn(final.answer), Attachment("answer.md", final.answer, "answer"))
        if final.chart:
            await post_chart(ThreadMessage(self.client, status.channel, status.thread_ts), final.chart)
        sql_ts = await self._follow_up_sql(status, final.sql) if final.sql else None
        return [ts for ts in (status.ts, sql_ts) if ts]

    async def _follow_up_sql(self, status: Status, sql: tuple[str, ...]) -> str | None:
        """The SQL that ran, after the answer. Best effort: the answer stands even if this fails."""
        message = ThreadMessage(self.client, status.channel, status.thread_ts)
        script = sql_script(sql) + "\n"
        try:
            await deliver(message, sql_block(sql), Attachment("query.sql", script, "SQL"))
        except Exception:
            log.exception("Slack: could not post the SQL that ran to %s", status.channel)
        return message.ts

    def _remember(self, q: Question, run_id: str, posted: list[str]) -> None:
        """Which messages carry this run's answer: a reaction on them, or a reply, finds the run."""
        place = AnswerPlace(q.team, q.channel, q.thread_ts, run_id, q.user_id)
        try:
            self.answers.record(place, *posted)
        except Exception:  # the answer stands; only feedback on it by reaction is lost
            log.exception("Slack: could not record where the answer of run %s is", run_id)
