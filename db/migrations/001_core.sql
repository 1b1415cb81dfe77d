-- Core of the ai schema. Later migrations add sessions, runs, knowledge, audit, schedules.
-- Owned by the service role; no agent role has any privilege here.
CREATE TABLE IF NOT EXISTS ai.meta (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
