"""Curated knowledge, agent-saved documents and learnings: files, loading, hybrid search.

Modules: `files` (read + validate a knowledge folder), `queries` (tagged .sql files), `loader`
(upsert by content hash), `search` (hybrid full text + vector), `learnings`, `documents` (what
agents save), `vectors` (embedding columns and the recorded embedder); `draft` (`dash knowledge draft`)
with `profile` (measuring relations: `catalog`, `joins`, `sensitive`), `profile_store`
(ai.table_profiles) and `review` (warnings for what people still have to write).
"""
