-- The latest measured profile of each table and view (db/knowledge/profile.py): row count, keys,
-- join paths, null shares, value lists, date ranges. Refreshed by `dash knowledge draft`, after
-- `dash db load` and by the nightly knowledge refresh, so it stays current even where the knowledge
-- folder is read-only (a container); the loader renders it into the table's document in place of the
-- profile written in the file, which is only as fresh as the last draft a person reviewed.

CREATE TABLE IF NOT EXISTS ai.table_profiles (
    table_name  text PRIMARY KEY,  -- as knowledge names it: bare in public, schema-qualified elsewhere
    profile     jsonb NOT NULL,
    measured_at timestamptz NOT NULL DEFAULT now()
);
