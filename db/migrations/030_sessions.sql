-- Sessions, messages, runs and run events: the conversation history and the trace of every run.
-- Owned by the service role; no agent role has any privilege here (other users' conversations).

CREATE TABLE IF NOT EXISTS ai.sessions (
    -- Callers may choose ids (e.g. `slack:T1:C1:1700000000.0001` for a Slack thread).
    id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    user_id    text NOT NULL,
    title      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    metadata   jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- Listing a user's sessions, most recently active first, paged by (updated_at, id).
CREATE INDEX IF NOT EXISTS sessions_user_updated
    ON ai.sessions (user_id, updated_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS ai.runs (
    id               text PRIMARY KEY,
    session_id       text NOT NULL REFERENCES ai.sessions (id) ON DELETE CASCADE,
    user_id          text NOT NULL,
    status           text NOT NULL DEFAULT 'queued' CHECK (
        status IN ('queued', 'running', 'completed', 'failed', 'interrupted', 'cancelled')
    ),
    question         text NOT NULL,
    answer           text,
    error            text,
    usage            jsonb NOT NULL DEFAULT '{}'::jsonb,
    latency_ms       integer,
    -- The last event number handed out; bumping it row-locks the run, so a run's events get
    -- ids in the same order as their seq and commit (a follower never sees a gap fill in later).
    last_seq         integer NOT NULL DEFAULT 0,
    cancel_requested boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    heartbeat_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS runs_session ON ai.runs (session_id, created_at);
-- Run history per user (e.g. spotting repeated expensive questions).
CREATE INDEX IF NOT EXISTS runs_user_created ON ai.runs (user_id, created_at DESC);
-- Start-up recovery only looks at runs still in flight.
CREATE INDEX IF NOT EXISTS runs_active_heartbeat
    ON ai.runs (heartbeat_at) WHERE status IN ('queued', 'running');

CREATE TABLE IF NOT EXISTS ai.messages (
    id         bigserial PRIMARY KEY,
    session_id text NOT NULL REFERENCES ai.sessions (id) ON DELETE CASCADE,
    run_id     text REFERENCES ai.runs (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('user', 'assistant')),
    content    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS messages_session ON ai.messages (session_id, id);

CREATE TABLE IF NOT EXISTS ai.run_events (
    -- Increasing across all runs: usable as the SSE `id` / `Last-Event-ID`.
    id         bigserial PRIMARY KEY,
    run_id     text NOT NULL REFERENCES ai.runs (id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    type       text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, seq)
);
-- Replay: a run's events after a given id.
CREATE INDEX IF NOT EXISTS run_events_run_id ON ai.run_events (run_id, id);
