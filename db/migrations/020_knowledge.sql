-- Knowledge documents and learnings, searched by full text and by vector (DESIGN.md section 4).
--
-- `embedding` is created without a dimension: the first load fixes it to the configured embedder's
-- size (ALTER COLUMN ... TYPE vector(N)), records the embedder in ai.meta under 'embedder', and builds
-- the HNSW indexes (db/knowledge/vectors.py). A different embedder later needs `--recreate`.

CREATE TABLE IF NOT EXISTS ai.documents (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('table', 'query', 'business', 'view', 'doc')),
    name         text NOT NULL,
    namespace    text NOT NULL DEFAULT 'global'
                 CHECK (namespace = 'global' OR namespace ~ '^user:.+'),
    -- curated: loaded from knowledge/ files (rebuilt by --recreate); agent: saved at run time (kept).
    origin       text NOT NULL DEFAULT 'curated' CHECK (origin IN ('curated', 'agent')),
    title        text NOT NULL DEFAULT '',
    -- summary: what the document is about (embedded; weighted above content in full text).
    summary      text NOT NULL DEFAULT '',
    content      text NOT NULL,
    metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
    content_hash text NOT NULL,
    source_file  text,
    source_line  integer,
    created_by   jsonb NOT NULL DEFAULT '{}'::jsonb,
    embedding    vector,
    tsv          tsvector NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, namespace, name)
);

CREATE INDEX IF NOT EXISTS documents_tsv_idx ON ai.documents USING gin (tsv);
CREATE INDEX IF NOT EXISTS documents_source_idx ON ai.documents (origin, source_file);

CREATE TABLE IF NOT EXISTS ai.learnings (
    id              bigserial PRIMARY KEY,
    title           text NOT NULL CHECK (title <> ''),
    learning        text NOT NULL CHECK (learning <> ''),
    context         text NOT NULL DEFAULT '',
    tags            text[] NOT NULL DEFAULT '{}',
    namespace       text NOT NULL DEFAULT 'global'
                    CHECK (namespace = 'global' OR namespace ~ '^user:.+'),
    created_by_agent text,
    created_by_user  text,
    created_by_run   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    use_count       integer NOT NULL DEFAULT 0,
    last_used_at    timestamptz,
    embedding       vector,
    tsv             tsvector NOT NULL
);

CREATE INDEX IF NOT EXISTS learnings_tsv_idx ON ai.learnings USING gin (tsv);
CREATE INDEX IF NOT EXISTS learnings_namespace_idx ON ai.learnings (namespace, updated_at DESC);
CREATE INDEX IF NOT EXISTS learnings_title_idx ON ai.learnings (namespace, lower(title));
