-- Issue 16: knowledge the agents save for everyone waits for a person's approval (PROPOSE mode),
-- and curation archives or merges learnings instead of deleting them.
--
-- status on learnings: live (searched), proposed (searched only for the user whose run produced it),
-- rejected (kept as a trace, searched by no one), archived (unused for a long time), merged (a
-- near-duplicate of `merged_into`). Only 'live' and the proposer's own 'proposed' rows are searched.

ALTER TABLE ai.learnings ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'live';
ALTER TABLE ai.learnings DROP CONSTRAINT IF EXISTS learnings_status_check;
ALTER TABLE ai.learnings ADD CONSTRAINT learnings_status_check
    CHECK (status IN ('live', 'proposed', 'rejected', 'archived', 'merged'));
ALTER TABLE ai.learnings ADD COLUMN IF NOT EXISTS merged_into bigint REFERENCES ai.learnings (id);
-- Why curation wants a person to look (e.g. it seems to contradict another learning); NULL: nothing.
ALTER TABLE ai.learnings ADD COLUMN IF NOT EXISTS flag text;
ALTER TABLE ai.learnings ADD COLUMN IF NOT EXISTS reviewed_by text;
ALTER TABLE ai.learnings ADD COLUMN IF NOT EXISTS reviewed_at timestamptz;

ALTER TABLE ai.documents ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'live';
ALTER TABLE ai.documents DROP CONSTRAINT IF EXISTS documents_status_check;
ALTER TABLE ai.documents ADD CONSTRAINT documents_status_check
    CHECK (status IN ('live', 'proposed', 'rejected'));
ALTER TABLE ai.documents ADD COLUMN IF NOT EXISTS reviewed_by text;
ALTER TABLE ai.documents ADD COLUMN IF NOT EXISTS reviewed_at timestamptz;
ALTER TABLE ai.documents ADD COLUMN IF NOT EXISTS use_count integer NOT NULL DEFAULT 0;
ALTER TABLE ai.documents ADD COLUMN IF NOT EXISTS last_used_at timestamptz;

-- A proposer's own pending items are read exactly (few rows), never through the HNSW graph.
CREATE INDEX IF NOT EXISTS learnings_proposed_idx ON ai.learnings (created_by_user) WHERE status = 'proposed';
CREATE INDEX IF NOT EXISTS documents_proposed_idx ON ai.documents ((created_by ->> 'user'))
    WHERE status = 'proposed';

-- The review queue: one row per item an agent proposed, whatever became of it.
CREATE TABLE IF NOT EXISTS ai.proposals (
    id           bigserial PRIMARY KEY,
    item_kind    text NOT NULL CHECK (item_kind IN ('learning', 'query')),
    item_id      bigint NOT NULL,
    status       text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'rejected')),
    created_by_agent text,
    created_by_user  text,
    created_by_run   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    reviewed_by  text,
    reviewed_at  timestamptz,
    note         text NOT NULL DEFAULT '',
    -- The Slack review message, so a decision made elsewhere can update it.
    slack_channel text,
    slack_ts      text,
    UNIQUE (item_kind, item_id)
);
CREATE INDEX IF NOT EXISTS proposals_status_idx ON ai.proposals (status, created_at DESC);

-- Per-user memory: facts and preferences one person stated. Read only for that person.
CREATE TABLE IF NOT EXISTS ai.user_memory (
    id           bigserial PRIMARY KEY,
    user_id      text NOT NULL CHECK (user_id <> ''),
    fact         text NOT NULL CHECK (fact <> ''),
    source       text NOT NULL DEFAULT 'command' CHECK (source IN ('tool', 'command', 'slack', 'api')),
    created_by_agent text,
    created_by_run   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    use_count    integer NOT NULL DEFAULT 0,
    last_used_at timestamptz,
    UNIQUE (user_id, fact)
);
CREATE INDEX IF NOT EXISTS user_memory_user_idx ON ai.user_memory (user_id, updated_at DESC);

-- What each curation pass did, so a person can read it and undo any action (`dash learnings restore`).
CREATE TABLE IF NOT EXISTS ai.curation_reports (
    id          bigserial PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    merged      integer NOT NULL DEFAULT 0,
    flagged     integer NOT NULL DEFAULT 0,
    archived    integer NOT NULL DEFAULT 0,
    actions     jsonb NOT NULL DEFAULT '[]'::jsonb
);
