"""The latest profile of each table, kept in `ai.table_profiles` (service role)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, text

from db.knowledge.profile import DEFAULT_SCHEMAS, ProfileOptions, TableProfile, profile_tables


def store_profiles(engine: Engine, profiles: Sequence[TableProfile]) -> int:
    """Upsert measured profiles (failed ones are skipped: an old good profile beats none)."""
    rows = [
        {"name": p.name, "profile": json.dumps(p.to_json()), "at": p.measured_at}
        for p in profiles
        if p.error is None
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO ai.table_profiles (table_name, profile, measured_at)"
                    " VALUES (:name, CAST(:profile AS jsonb), CAST(:at AS timestamptz))"
                    " ON CONFLICT (table_name) DO UPDATE SET profile = EXCLUDED.profile,"
                    " measured_at = EXCLUDED.measured_at"
                ),
                rows,
            )
    return len(rows)


def stored_profiles(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every stored profile by table name."""
    rows = conn.execute(text("SELECT table_name, profile FROM ai.table_profiles"))
    return {r.table_name: r.profile for r in rows}


def refresh_profiles(
    reader: Engine,
    store: Engine,
    options: ProfileOptions | None = None,
    schemas: Sequence[str] = DEFAULT_SCHEMAS,
    tables: Sequence[str] = (),
) -> list[TableProfile]:
    """Profile what `reader` (the analyst) can see and store it; files are left to `dash knowledge draft`."""
    profiles = profile_tables(reader, schemas, tables, options)
    store_profiles(store, profiles)
    return profiles
