-- The learnings HNSW index now holds global learnings only (a user's own are searched exactly, see
-- db/knowledge/search.py). Replace an index over all learnings; a database whose vector column is
-- not typed yet gets its index at the first knowledge load.
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relnamespace = 'ai'::regnamespace AND c.relname = 'learnings_embedding_idx'
           AND i.indpred IS NULL
    ) THEN
        DROP INDEX ai.learnings_embedding_idx;
        CREATE INDEX learnings_embedding_idx ON ai.learnings
            USING hnsw (embedding vector_cosine_ops) WHERE namespace = 'global';
    END IF;
END
$$;

-- Full-text indexes write new rows straight into the index. With GIN's default fast update they
-- wait in a pending list that every search scans row by row until autovacuum merges it: after a
-- bulk load that doubled search time. Knowledge and learnings are read far more than written.
ALTER INDEX ai.documents_tsv_idx SET (fastupdate = off);
ALTER INDEX ai.learnings_tsv_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('ai.documents_tsv_idx'::regclass), gin_clean_pending_list('ai.learnings_tsv_idx'::regclass);
