-- Every SQL statement an agent (or `dash sql`) submits: allowed, refused or failed.
-- A row is written before an allowed statement runs and completed after it, so a statement that
-- ran always has a row even if the process dies mid-way (finished_at stays NULL).
-- session_id and run_id are plain text with no foreign key: the audit trail outlives deleted sessions.
CREATE TABLE IF NOT EXISTS ai.sql_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    user_id     text,
    agent       text NOT NULL CHECK (agent IN ('analyst', 'engineer')),
    session_id  text,
    run_id      text,
    sql         text NOT NULL,
    decision    text NOT NULL CHECK (decision IN ('allowed', 'refused')),
    reason      text,
    row_count   integer,
    duration_ms double precision,
    error       text
);

CREATE INDEX IF NOT EXISTS sql_audit_user_time ON ai.sql_audit (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS sql_audit_time ON ai.sql_audit (created_at DESC);
CREATE INDEX IF NOT EXISTS sql_audit_session ON ai.sql_audit (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS sql_audit_run ON ai.sql_audit (run_id) WHERE run_id IS NOT NULL;
