"""Slack's durable memory in Postgres: which events were taken and which threads Dash is in.

Both are single-statement transactions, so they hold across replicas sharing the database: the
first replica to insert an event id runs it; a retry (same id) finds the row and does nothing.
Slack retries within minutes, so claims older than a few days protect nothing: the sweeper
(app/sweeper.py) prunes them.
"""

from __future__ import annotations

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
