-- Announce every move of ai.knowledge_version (migration 111) on the channel
-- `dash_knowledge_changed`, with the new version as payload. PostgreSQL delivers it when the
-- writer commits, to every listening process (db/notifications.py): a process whose listener
-- hears trusts its kept knowledge without asking for the version before each context, and reads
-- the version again only after an announcement or while its listener does not hear
-- (db/knowledge/shared.py). The triggers of migration 111 stay; only their function changes.
CREATE OR REPLACE FUNCTION ai.bump_knowledge_version() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    moved bigint;
BEGIN
    UPDATE ai.knowledge_version SET version = version + 1, changed_at = now() RETURNING version INTO moved;
    PERFORM pg_notify('dash_knowledge_changed', coalesce(moved::text, ''));
    RETURN NULL;
END
$$;
