"""The export file: a versioned JSON document, validated field by field on the way in."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT: Literal["dash-export"] = "dash-export"
VERSION = 1
Namespace = str  # 'global' or 'user:<id>', checked by the database on import


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentItem(Item):
    """A validated query or view note an agent saved."""

    kind: Literal["query", "view"]
    name: str = Field(min_length=1)
    namespace: Namespace = "global"
    title: str
    summary: str = ""
    content: str = Field(min_length=1)
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_by: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    # A proposal stays one after a move (queued again for review); a rejected one stays rejected.
    status: Literal["live", "proposed", "rejected"] = "live"


class LearningItem(Item):
    title: str = Field(min_length=1)
    learning: str = Field(min_length=1)
    context: str = ""
    tags: list[str] = Field(default_factory=list)
    namespace: Namespace = "global"
    created_by_agent: str | None = None
    created_by_user: str | None = None
    created_by_run: str | None = None
    created_at: datetime | None = None
    use_count: int = Field(default=0, ge=0)
    last_used_at: datetime | None = None
    status: Literal["live", "proposed", "rejected", "archived", "merged"] = "live"


class ScheduleItem(Item):
    name: str = Field(min_length=1, max_length=100)
    cron: str
    timezone: str = "UTC"
    task: Literal["knowledge_refresh", "ask", "sql_check", "learning_curation"]
    payload: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    description: str = ""
    created_by: str = Field(min_length=1)


class ApiKeyItem(Item):
    """Metadata only: the secret and its hash never leave the source."""

    id: str = Field(min_length=1)
    user_id: str = Field(min_length=1, max_length=200)
    role: Literal["viewer", "analyst", "admin"]
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class Bundle(Item):
    format: Literal["dash-export"] = FORMAT
    version: int = VERSION
    exported_at: datetime
    documents: list[DocumentItem] = Field(default_factory=list)
    learnings: list[LearningItem] = Field(default_factory=list)
    schedules: list[ScheduleItem] = Field(default_factory=list)
    api_keys: list[ApiKeyItem] = Field(default_factory=list)


class BundleInvalid(ValueError):
    """The file is not an export this Dash can read; the message names file, item and field."""


def read_bundle(path: Path) -> Bundle:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleInvalid(f"{path}: not a readable JSON file: {exc}") from None
    if isinstance(raw, dict) and isinstance(raw.get("version"), int) and raw["version"] > VERSION:
        raise BundleInvalid(
            f"{path}: made by a newer Dash (format version {raw['version']}; this one reads {VERSION})."
        )
    try:
        return Bundle.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()[:20])
        raise BundleInvalid(f"{path}: {exc.error_count()} problem(s): {problems}") from None


def _where(loc: tuple[int | str, ...]) -> str:
    """`learnings[3].title` from pydantic's ('learnings', 3, 'title')."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(file)"


def write_bundle(bundle: Bundle, path: Path) -> None:
    """Write atomically: a failed export never leaves half a file where a good one was."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(bundle.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
