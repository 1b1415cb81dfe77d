-- Cron schedules, their run history and the reports they produce. Owned by the service role.
-- `schedule_runs` has one row per firing: the UNIQUE (schedule_id, scheduled_for) claim is what
-- makes a firing run once when several replicas share this database.

CREATE TABLE IF NOT EXISTS ai.schedules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    cron        text NOT NULL,
    timezone    text NOT NULL DEFAULT 'UTC',
    task        text NOT NULL CHECK (task IN ('knowledge_refresh', 'ask', 'sql_check')),
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
    enabled     boolean NOT NULL DEFAULT true,
    description text NOT NULL DEFAULT '',
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- The firing every replica expects next; whoever claims it moves it on.
    next_run_at timestamptz
);

CREATE TABLE IF NOT EXISTS ai.schedule_runs (
    id            bigserial PRIMARY KEY,
    schedule_id   bigint NOT NULL REFERENCES ai.schedules (id) ON DELETE CASCADE,
    scheduled_for timestamptz NOT NULL,
    trigger       text NOT NULL DEFAULT 'cron' CHECK (trigger IN ('cron', 'manual')),
    replica       text,
    status        text NOT NULL DEFAULT 'running' CHECK (
        status IN ('running', 'succeeded', 'failed', 'skipped')
    ),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    output        jsonb,
    error         text,
    UNIQUE (schedule_id, scheduled_for)
);
CREATE INDEX IF NOT EXISTS schedule_runs_history ON ai.schedule_runs (schedule_id, started_at DESC);

CREATE TABLE IF NOT EXISTS ai.reports (
    id           bigserial PRIMARY KEY,
    schedule_id  bigint NOT NULL REFERENCES ai.schedules (id) ON DELETE CASCADE,
    run_id       bigint NOT NULL REFERENCES ai.schedule_runs (id) ON DELETE CASCADE,
    title        text NOT NULL,
    body         text NOT NULL,
    data         jsonb NOT NULL DEFAULT '{}'::jsonb,
    delivered_to text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS reports_schedule ON ai.reports (schedule_id, created_at DESC);
