-- One number that moves whenever the shared knowledge the agents' context reads changes (issue 15):
-- the documents (tables, views, business rules, queries, docs: what they say and whether they are
-- live), the company profile and the measured data coverage. Each process keeps what it read in
-- memory and compares this number before every context assembly (db/knowledge/shared.py), so an
-- unchanged knowledge base is not read again and any replica's change is seen on the next question.
-- Statement triggers bump it inside the writer's transaction: readers see the number and the data
-- change together. The use counters (use_count, last_used_at), written on every question, do not.
CREATE TABLE IF NOT EXISTS ai.knowledge_version (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    version    bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ai.knowledge_version DEFAULT VALUES ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION ai.bump_knowledge_version() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE ai.knowledge_version SET version = version + 1, changed_at = now();
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER documents_knowledge_version
    AFTER INSERT OR DELETE OR TRUNCATE
        OR UPDATE OF kind, name, namespace, origin, title, summary, content, metadata, status
    ON ai.documents FOR EACH STATEMENT EXECUTE FUNCTION ai.bump_knowledge_version();
CREATE OR REPLACE TRIGGER company_profile_knowledge_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON ai.company_profile FOR EACH STATEMENT EXECUTE FUNCTION ai.bump_knowledge_version();
CREATE OR REPLACE TRIGGER data_coverage_knowledge_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON ai.data_coverage FOR EACH STATEMENT EXECUTE FUNCTION ai.bump_knowledge_version();
