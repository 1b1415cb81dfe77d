-- Which process drives each run (host, pid, a random id per process), so a restart closes at once
-- the runs a dead process on the same host left, instead of waiting for their heartbeats to age;
-- runs of other hosts keep the wait (their processes may be alive).
ALTER TABLE ai.runs
    ADD COLUMN IF NOT EXISTS owner_host text,
    ADD COLUMN IF NOT EXISTS owner_pid integer,
    ADD COLUMN IF NOT EXISTS owner_instance text;
-- Per-user limits count a user's runs in flight at every start.
CREATE INDEX IF NOT EXISTS runs_user_active ON ai.runs (user_id) WHERE status IN ('queued', 'running');
