"""Apply `db/migrations/*.sql` to the `ai` schema, in name order, once each, as the service role.

Tables in `ai` are created by the service role so that it owns them; no agent role has any
privilege on them. An advisory lock serialises replicas that start at the same time.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from db.engines import DatabaseTarget, conninfo

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LOCK_KEY = 0x0DA5_0001


def service_dsn(target: DatabaseTarget) -> str:
    return conninfo(target.service_url)


def migrate(target: DatabaseTarget, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; returns the names applied this time."""
    applied: list[str] = []
    with psycopg.connect(service_dsn(target), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS ai.schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT name FROM ai.schema_migrations")}
            for path in sorted(directory.glob("*.sql")):
                if path.name in done:
                    continue
                with conn.transaction():
                    conn.execute(path.read_text())  # type: ignore[arg-type]
                    conn.execute("INSERT INTO ai.schema_migrations (name) VALUES (%s)", (path.name,))
                applied.append(path.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied
