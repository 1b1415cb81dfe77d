-- Who the company is and what the data covers, for the agents' context (issue 13).
--
-- company_profile: the validated knowledge/company.json (db/knowledge/company.py), one row at most;
-- written by the knowledge load, in its transaction. COMPANY_* settings are applied on top when read.
CREATE TABLE IF NOT EXISTS ai.company_profile (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    profile    jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- data_coverage: measured, never written by hand (db/knowledge/coverage.py). One row per table, view
-- and materialized view in public and dash: its row count (exact, or the planner's estimate for big
-- tables) and the first and last value of each date/timestamp column, with when it was measured.
-- `dates` is a list of {"column", "type", "min", "max", "approximate"}.
CREATE TABLE IF NOT EXISTS ai.data_coverage (
    schema_name    text NOT NULL,
    table_name     text NOT NULL,
    kind           text NOT NULL,
    row_count      bigint,
    rows_estimated boolean NOT NULL DEFAULT false,
    dates          jsonb NOT NULL DEFAULT '[]'::jsonb,
    error          text,
    measured_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schema_name, table_name)
);
