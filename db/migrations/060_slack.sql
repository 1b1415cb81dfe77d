-- Slack: the events already taken (so a retry never runs twice, on any replica) and the threads
-- Dash has answered in (replies there need no @mention). Owned by the service role.

CREATE TABLE IF NOT EXISTS ai.slack_events (
    event_id    text PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
);
-- Pruning old claims (Slack retries within minutes, so a few days are plenty).
CREATE INDEX IF NOT EXISTS slack_events_received ON ai.slack_events (received_at);

CREATE TABLE IF NOT EXISTS ai.slack_threads (
    team_id    text NOT NULL,
    channel_id text NOT NULL,
    thread_ts  text NOT NULL,
    started_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, channel_id, thread_ts)
);
