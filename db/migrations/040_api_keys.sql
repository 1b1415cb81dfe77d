-- API keys for the REST API. Only a SHA-256 of each key is stored; the key itself is shown once.
-- A key is `dash_<id>_<secret>`: `id` finds the row, the hash of the whole key is compared in
-- constant time. Keys are revoked, never deleted, so "auth is on" never silently turns off.
CREATE TABLE IF NOT EXISTS ai.api_keys (
    id           text PRIMARY KEY,
    key_sha256   text NOT NULL,
    user_id      text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 200),
    role         text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);
