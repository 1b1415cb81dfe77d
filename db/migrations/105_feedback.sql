-- Feedback on answers (issue 16): a 👍/👎 and an optional comment per user per run, with the SQL
-- that ran for the answer, and what the system made of it (a correction learning, a proposed query).
-- Owned by the service role; no agent role has any privilege here.
CREATE TABLE IF NOT EXISTS ai.feedback (
    id          bigserial PRIMARY KEY,
    -- Deleting a session deletes its runs and with them the feedback on them (the user's own data).
    run_id      text NOT NULL REFERENCES ai.runs (id) ON DELETE CASCADE,
    user_id     text NOT NULL,
    rating      text NOT NULL CHECK (rating IN ('up', 'down')),
    comment     text NOT NULL DEFAULT '' CHECK (length(comment) <= 10000),
    source      text NOT NULL CHECK (source IN ('rest', 'slack', 'cli', 'mcp')),
    -- The statements that ran successfully for the answer, in order (copied: the audit may be pruned).
    sql         text[] NOT NULL DEFAULT '{}',
    -- What the system made of it: the correction learning and the proposed query (no foreign keys:
    -- deleting the learning or query must not delete the feedback that led to it).
    learning_id bigint,
    query_id    bigint,
    proposal_id bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- One opinion per person per answer: giving it again changes it.
    UNIQUE (run_id, user_id)
);
-- The data team's list: newest first, filtered by rating or user.
CREATE INDEX IF NOT EXISTS feedback_created ON ai.feedback (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS feedback_user_created ON ai.feedback (user_id, created_at DESC);

-- Which Slack message carries which run's answer, so a reaction on it (or a reply in its thread)
-- finds the run. One row per message Dash posted for the answer (the answer, the SQL that ran).
CREATE TABLE IF NOT EXISTS ai.slack_answers (
    team_id    text NOT NULL,
    channel_id text NOT NULL,
    message_ts text NOT NULL,
    thread_ts  text NOT NULL,
    run_id     text NOT NULL REFERENCES ai.runs (id) ON DELETE CASCADE,
    user_id    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, channel_id, message_ts)
);
-- A reply in a thread corrects the replier's latest answer there.
CREATE INDEX IF NOT EXISTS slack_answers_thread
    ON ai.slack_answers (team_id, channel_id, thread_ts, user_id, created_at DESC);
