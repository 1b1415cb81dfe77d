-- Schedule runs hold a lease: the replica running one renews `heartbeat_at` every
-- SCHEDULER_HEARTBEAT_S. When that replica dies the heartbeats stop, and any replica marks the run
-- 'interrupted' (app/scheduling/lease.py) instead of leaving it 'running' forever.
-- NULL until the first heartbeat: recovery then goes by `started_at`.

ALTER TABLE ai.schedule_runs ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz;

ALTER TABLE ai.schedule_runs DROP CONSTRAINT IF EXISTS schedule_runs_status_check;
ALTER TABLE ai.schedule_runs ADD CONSTRAINT schedule_runs_status_check CHECK (
    status IN ('running', 'succeeded', 'failed', 'skipped', 'interrupted')
);

-- Every replica looks for lost runs every SCHEDULER_SYNC_S: read only the few still running,
-- not the whole history.
CREATE INDEX IF NOT EXISTS schedule_runs_lease
    ON ai.schedule_runs ((coalesce(heartbeat_at, started_at))) WHERE status = 'running';
