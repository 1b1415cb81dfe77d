-- Issue 16.4: the built-in nightly `learning_curation` task (app/scheduling/tasks.py).
ALTER TABLE ai.schedules DROP CONSTRAINT IF EXISTS schedules_task_check;
ALTER TABLE ai.schedules ADD CONSTRAINT schedules_task_check
    CHECK (task IN ('knowledge_refresh', 'ask', 'sql_check', 'learning_curation'));
