-- Who acted on whose behalf. An admin's `ask` schedule runs its question as any user (and its
-- `sql_check` as `schedule:<name>`); these columns name the admin behind it, so the audit trail
-- never shows only the user a statement ran as.

-- The admin who last saved the schedule: its cron firings act on their word.
ALTER TABLE ai.schedules ADD COLUMN IF NOT EXISTS updated_by text;
UPDATE ai.schedules SET updated_by = created_by WHERE updated_by IS NULL;

-- Who made this run happen: the admin who ran it now, or for a cron firing the schedule's updated_by.
ALTER TABLE ai.schedule_runs ADD COLUMN IF NOT EXISTS acting_user text;

-- The person behind a statement run as someone else (a schedule); NULL when the user asked themselves.
ALTER TABLE ai.sql_audit ADD COLUMN IF NOT EXISTS acting_user text;
CREATE INDEX IF NOT EXISTS sql_audit_acting_time
    ON ai.sql_audit (acting_user, created_at DESC) WHERE acting_user IS NOT NULL;
