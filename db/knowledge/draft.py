"""`dash knowledge draft`: profile the live tables and write or refresh one table file each.

A table file keeps what people write apart from what the machine measures. People own
`table_description`, `use_cases`, `data_quality_notes` and each column's `description`; a draft never
overwrites them. The draft owns `profile` (replaced on every run) and adds columns that appeared
(dropped ones are reported and left for a person to remove, with their descriptions). Descriptions a
model proposed (`--describe`) are listed under `drafted` until a person reviews them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from db.knowledge.json_format import dumps
from db.knowledge.profile import DEFAULT_SCHEMAS, ProfileOptions, TableProfile, profile_tables
from db.knowledge.profile_store import store_profiles

Describe = Callable[[dict[str, Any]], dict[str, Any]]
HUMAN_FIELDS = ("table_description", "use_cases", "data_quality_notes")


@dataclass(frozen=True)
class TableOutcome:
    """What a draft did to one table's file: written (new), refreshed, unchanged, failed or skipped."""

    table: str
    file: str
    status: str
    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    message: str = ""

    def line(self) -> str:
        notes = [f"new columns: {', '.join(self.added)}" if self.added else "", self.message]
        if self.dropped:
            notes.append(f"no longer in the table, remove from the file: {', '.join(self.dropped)}")
        detail = "; ".join(n for n in notes if n)
        return f"{self.status:<10} {self.table} -> {self.file}" + (f" ({detail})" if detail else "")


@dataclass(frozen=True)
class DraftReport:
    tables: tuple[TableOutcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for t in self.tables if t.status == status)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("written", "refreshed", "unchanged", "failed", "skipped")]
        return f"{len(self.tables)} table(s): " + ", ".join(parts)


@dataclass(frozen=True)
class Merge:
    value: dict[str, Any]
    changed: bool
    added: tuple[str, ...]
    dropped: tuple[str, ...]


def draft_knowledge(
    engine: Engine,
    path: Path,
    *,
    schemas: Sequence[str] = DEFAULT_SCHEMAS,
    tables: Sequence[str] = (),
    options: ProfileOptions | None = None,
    describe: Describe | None = None,
    store: Engine | None = None,
) -> DraftReport:
    """Profile relations `engine` can read and write `path`/tables/*.json; returns what changed.

    `engine` reads the data (use the analyst's: the drafts then hold what the agents can see);
    `store`, when given (the service role's engine), also records the profiles in ai.table_profiles.
    """
    profiles = profile_tables(engine, schemas, tables, options)
    if store is not None:
        store_profiles(store, profiles)
    folder = path / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    existing = existing_files(folder)
    return DraftReport(tuple(_draft_one(p, folder, existing, describe) for p in profiles))


def existing_files(folder: Path) -> dict[str, Path]:
    """Table name -> file, for the table files already there (whatever people named them)."""
    found: dict[str, Path] = {}
    for file in sorted(folder.glob("*.json")):
        try:
            value = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # reported by `dash knowledge validate`; a draft would go to its own file name
        if isinstance(value, dict) and isinstance(value.get("table_name"), str):
            found.setdefault(value["table_name"].strip(), file)
    return found


def _draft_one(
    profile: TableProfile, folder: Path, existing: dict[str, Path], describe: Describe | None
) -> TableOutcome:
    file = existing.get(profile.name) or free_file(folder, profile.name)
    existing[profile.name] = file
    shown = f"tables/{file.name}"
    if profile.error:
        return TableOutcome(profile.name, shown, "failed", message=f"not profiled: {profile.error}")
    current = _read(file)
    if current is not None and not _well_formed(current):
        return TableOutcome(
            profile.name, shown, "skipped", message="the file is not a valid table file: fix it first"
        )
    merge = merge_table(current, profile.name, profile.to_json())
    value = describe(merge.value) if describe else merge.value
    if current is not None and not merge.changed and value == merge.value:
        return TableOutcome(profile.name, shown, "unchanged")
    _write(file, value)
    status = "written" if current is None else "refreshed"
    return TableOutcome(profile.name, shown, status, merge.added, merge.dropped)


def merge_table(current: dict[str, Any] | None, name: str, profile: dict[str, Any]) -> Merge:
    """The file's new content: human fields kept, columns added, the profile replaced."""
    measured = profile["columns"]
    if current is None:
        columns = [{"name": c, "type": s["type"], "description": ""} for c, s in measured.items()]
        value: dict[str, Any] = {
            "table_name": name,
            "table_description": "",
            "use_cases": [],
            "data_quality_notes": [],
        }
        return Merge({**value, "table_columns": columns, "profile": profile}, True, (), ())
    known = [c.get("name") for c in current["table_columns"]]
    added = tuple(c for c in measured if c not in known)
    dropped = tuple(c for c in known if isinstance(c, str) and c not in measured)
    new_columns = [{"name": c, "type": measured[c]["type"], "description": ""} for c in added]
    value = {**current, "table_columns": [*current["table_columns"], *new_columns], "profile": profile}
    changed = bool(added) or _without_time(current.get("profile")) != _without_time(profile)
    if not changed:
        value["profile"] = current["profile"]  # same measurements: keep the file byte-for-byte
    return Merge(value, changed, added, dropped)


def _without_time(profile: Any) -> Any:
    if not isinstance(profile, dict):
        return profile
    return {k: v for k, v in profile.items() if k != "measured_at"}


def _well_formed(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("table_columns"), list)
        and all(isinstance(c, dict) for c in value["table_columns"])
    )


def _read(file: Path) -> Any:
    if not file.exists():
        return None
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []  # not None: there is a file, and it is not one we may rewrite


def _write(file: Path, value: dict[str, Any]) -> None:
    # Write then rename, so an interrupted draft never leaves half a file behind.
    temporary = file.with_name(f".{file.name}.tmp")
    temporary.write_text(dumps(value), encoding="utf-8")
    os.replace(temporary, file)


def free_file(folder: Path, name: str) -> Path:
    """A new file for table `name`; `a b` and `a_b` would share a stem, so the second gets `a_b-2`."""
    stem, number = file_stem(name), 1
    while True:
        file = folder / (f"{stem}.json" if number == 1 else f"{stem}-{number}.json")
        if not file.exists():
            return file
        number += 1


def file_stem(name: str) -> str:
    """A file name for a table name: `sales.Order Items` -> `sales.Order_Items`."""
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name).strip(".") or "table"
