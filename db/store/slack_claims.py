"""Slack's durable memory in Postgres: which events were taken and which threads Dash is in.

Both are single-statement transactions, so they hold across replicas sharing the database: the
first replica to insert an event id runs it; a retry (same id) finds the row and does nothing.
Slack retries within minutes, so claims older than a few days protect nothing: the sweeper
(app/sweeper.py) prunes them. Which events are Dash's, and what it does with them, stays in app/slack.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

RETENTION_DAYS = 3

CLAIM = text("INSERT INTO ai.slack_events (event_id) VALUES (:id) ON CONFLICT DO NOTHING RETURNING event_id")
JOIN = text(
    "INSERT INTO ai.slack_threads (team_id, channel_id, thread_ts, started_by)"
    " VALUES (:team, :channel, :ts, :user) ON CONFLICT DO NOTHING"
)
PRUNE = text("DELETE FROM ai.slack_events WHERE received_at < now() - make_interval(days => :days)")
KNOWN = text(
    "SELECT 1 FROM ai.slack_threads WHERE team_id = :team AND channel_id = :channel AND thread_ts = :ts"
)


class SlackLedger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def prune(self) -> int:
        """Forget claims older than RETENTION_DAYS (an index range scan); how many went."""
        with self.engine.begin() as conn:
            return conn.execute(PRUNE, {"days": RETENTION_DAYS}).rowcount

    def claim(self, event_id: str) -> bool:
        """True for the first delivery of `event_id`, False for every retry of it."""
        with self.engine.begin() as conn:
            return conn.execute(CLAIM, {"id": event_id}).first() is not None

    def join_thread(self, team: str, channel: str, thread_ts: str, user: str) -> None:
        """Remember that Dash answers in this thread (idempotent)."""
        with self.engine.begin() as conn:
            conn.execute(JOIN, {"team": team, "channel": channel, "ts": thread_ts, "user": user})

    def in_thread(self, team: str, channel: str, thread_ts: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(KNOWN, {"team": team, "channel": channel, "ts": thread_ts}).first() is not None
            )


RECORD_ANSWER = text(
    "INSERT INTO ai.slack_answers (team_id, channel_id, message_ts, thread_ts, run_id, user_id)"
    " VALUES (:team, :channel, :ts, :thread, :run, :user) ON CONFLICT DO NOTHING"
)
ANSWER_AT = text(
    "SELECT thread_ts, run_id, user_id FROM ai.slack_answers"
    " WHERE team_id = :team AND channel_id = :channel AND message_ts = :ts"
)
LATEST_ANSWER = text(
    "SELECT run_id FROM ai.slack_answers WHERE team_id = :team AND channel_id = :channel"
    " AND thread_ts = :thread AND user_id = :user ORDER BY created_at DESC, message_ts DESC LIMIT 1"
)


@dataclass(frozen=True)
class AnswerPlace:
    """Where one answer sits in Slack, and whose run it is."""

    team: str
    channel: str
    thread_ts: str
    run_id: str
    user_id: str


class AnswerLedger:
    """Which Slack message carries which run's answer (a reaction or a reply finds the run)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, place: AnswerPlace, *message_ts: str) -> None:
        rows = [
            {"team": place.team, "channel": place.channel, "ts": ts, "thread": place.thread_ts}
            | {"run": place.run_id, "user": place.user_id}
            for ts in message_ts
        ]
        with self.engine.begin() as conn:
            conn.execute(RECORD_ANSWER, rows)

    def answer_at(self, team: str, channel: str, message_ts: str) -> AnswerPlace | None:
        """The answer that message carries; None for any other message."""
        with self.engine.connect() as conn:
            row = conn.execute(ANSWER_AT, {"team": team, "channel": channel, "ts": message_ts}).first()
        return None if row is None else AnswerPlace(team, channel, row.thread_ts, row.run_id, row.user_id)

    def latest_run(self, team: str, channel: str, thread_ts: str, user_id: str) -> str | None:
        """The user's latest answered run in the thread."""
        params = {"team": team, "channel": channel, "thread": thread_ts, "user": user_id}
        with self.engine.connect() as conn:
            return conn.execute(LATEST_ANSWER, params).scalar()
