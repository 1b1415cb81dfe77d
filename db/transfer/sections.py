"""One class per exported table: how an item is matched in the target, compared, added, updated.

Each item has a natural key (a document's kind + namespace + name, a learning's namespace +
title, a schedule's name, a key's id), so importing the same file twice finds everything
unchanged. Database ids never travel: they differ between installations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection, text

from db.embeddings import Embedder
from db.knowledge.learnings import TSV, learning_text
from db.knowledge.loader import DOC_TSV, search_head
from db.knowledge.problems import Document
from db.knowledge.vectors import embed_texts
from db.transfer.bundle import ApiKeyItem, DocumentItem, LearningItem, ScheduleItem

T = TypeVar("T", bound=BaseModel)
Action = Literal["add", "update", "unchanged"]
NextRun = Callable[[str, str], datetime | None]  # (cron, timezone) -> next firing; ValueError if invalid


class TransferConflict(ValueError):
    """The file cannot be imported into this database as it is; nothing was changed."""


@dataclass(frozen=True)
class Planned(Generic[T]):
    action: Action
    key: str
    item: T
    row_id: Any = None


def plan_items(
    section: str, items: Sequence[T], key: Callable[[T], Any], decide: Callable[[T], tuple[Action, Any]]
) -> list[Planned[T]]:
    """Each item's action; an item whose key appears twice in the file is an error."""
    seen: set[Any] = set()
    planned = []
    for item in items:
        k = key(item)
        if k in seen:
            raise TransferConflict(f"{section}: {k!r} appears more than once in the file")
        seen.add(k)
        action, row_id = decide(item)
        planned.append(Planned(action, _label(k), item, row_id))
    return planned


def _label(key: Any) -> str:
    """How a change names its item: `query/global/refund_total`, `weekly-mrr`."""
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _as_document(item: DocumentItem) -> Document:
    """The document as `save_document` built it: its hash leaves out the stored `origin` mark."""
    metadata = {k: v for k, v in item.metadata.items() if k != "origin"}
    return Document(item.kind, item.name, item.title, item.content, metadata, summary=item.summary)


class Documents:
    name = "documents"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def plan(self, conn: Connection, items: Sequence[DocumentItem]) -> list[Planned[DocumentItem]]:
        rows = conn.execute(
            text(
                "SELECT id, kind, namespace, name, origin, title, summary, content, metadata, status FROM ai.documents"
                " WHERE kind IN ('query', 'view')"
            )
        )
        current = {(r.kind, r.namespace, r.name): r for r in rows}

        def decide(item: DocumentItem) -> tuple[Action, Any]:
            row = current.get((item.kind, item.namespace, item.name))
            if row is None:
                return "add", None
            if row.origin != "agent":
                raise TransferConflict(
                    f"documents: a curated {item.kind} named {item.name!r} exists here; rename one of them"
                )
            same = (row.title, row.summary, row.content, row.metadata, row.status) == (
                item.title,
                item.summary,
                item.content,
                item.metadata,
                item.status,
            )
            return ("unchanged" if same else "update"), row.id

        return plan_items(self.name, items, lambda i: (i.kind, i.namespace, i.name), decide)

    def apply(self, conn: Connection, planned: Sequence[Planned[DocumentItem]]) -> None:
        docs = [_as_document(p.item) for p in planned]
        vectors = embed_texts(self.embedder, [d.embed_text for d in docs])
        for p, doc, vector in zip(planned, docs, vectors, strict=True):
            params = {
                "id": p.row_id, "kind": doc.kind, "name": doc.name, "ns": p.item.namespace, "title": doc.title,
                "summary": doc.summary, "content": doc.content, "metadata": json.dumps(p.item.metadata),
                "hash": doc.content_hash, "by": json.dumps(p.item.created_by), "vector": vector,
                "head": search_head(doc.name, doc.title), "at": p.item.created_at, "status": p.item.status,
            }  # fmt: skip
            row_id = conn.execute(
                text(DOCUMENT_ADD if p.action == "add" else DOCUMENT_UPDATE), params
            ).scalar_one()
            queue_if_proposed(conn, "query", row_id, p.item.status, p.item.created_by)


DOCUMENT_ADD = (
    "INSERT INTO ai.documents (kind, name, namespace, origin, title, summary, content, metadata, content_hash,"
    " created_by, embedding, tsv, created_at, status) VALUES (:kind, :name, :ns, 'agent', :title, :summary, :content,"
    f" CAST(:metadata AS jsonb), :hash, CAST(:by AS jsonb), CAST(:vector AS vector), {DOC_TSV},"
    " coalesce(CAST(:at AS timestamptz), now()), :status) RETURNING id"
)
DOCUMENT_UPDATE = (
    "UPDATE ai.documents SET title = :title, summary = :summary, content = :content,"
    " metadata = CAST(:metadata AS jsonb), content_hash = :hash, embedding = CAST(:vector AS vector),"
    f" tsv = {DOC_TSV}, status = :status, updated_at = now() WHERE id = :id RETURNING id"
)


class Learnings:
    name = "learnings"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def plan(self, conn: Connection, items: Sequence[LearningItem]) -> list[Planned[LearningItem]]:
        rows = conn.execute(
            text(
                "SELECT id, namespace, lower(title) AS title_key, learning, context, tags, status FROM ai.learnings"
            )
        )
        current: dict[tuple[str, str], Any] = {}
        for row in rows:
            current.setdefault((row.namespace, row.title_key), row)

        def decide(item: LearningItem) -> tuple[Action, Any]:
            row = current.get((item.namespace, item.title.lower()))
            if row is None:
                return "add", None
            same = (row.learning, row.context, sorted(row.tags), row.status) == (
                item.learning,
                item.context,
                sorted(item.tags),
                item.status,
            )
            return ("unchanged" if same else "update"), row.id

        return plan_items(self.name, items, lambda i: (i.namespace, i.title.lower()), decide)

    def apply(self, conn: Connection, planned: Sequence[Planned[LearningItem]]) -> None:
        texts = [learning_text(p.item.title, p.item.learning, p.item.context) for p in planned]
        for p, vector in zip(planned, embed_texts(self.embedder, texts), strict=True):
            item = p.item
            params = {
                **item.model_dump(), "tags": sorted(set(item.tags)), "tag_text": " ".join(item.tags),
                "ns": item.namespace, "v": vector, "id": p.row_id,
            }  # fmt: skip
            row_id = conn.execute(
                text(LEARNING_ADD if p.action == "add" else LEARNING_UPDATE), params
            ).scalar_one()
            by = {"agent": item.created_by_agent, "user": item.created_by_user, "run": item.created_by_run}
            queue_if_proposed(conn, "learning", row_id, item.status, by)


LEARNING_ADD = (
    "INSERT INTO ai.learnings (title, learning, context, tags, namespace, created_by_agent, created_by_user,"
    " created_by_run, created_at, use_count, last_used_at, embedding, tsv, status) VALUES (:title, :learning, :context,"
    " :tags, :ns, :created_by_agent, :created_by_user, :created_by_run, coalesce(CAST(:created_at AS timestamptz),"
    f" now()), :use_count, :last_used_at, CAST(:v AS vector), {TSV}, :status) RETURNING id"
)
LEARNING_UPDATE = (
    "UPDATE ai.learnings SET learning = :learning, context = :context, tags = :tags,"
    f" embedding = CAST(:v AS vector), tsv = {TSV}, status = :status, updated_at = now() WHERE id = :id RETURNING id"
)


def queue_if_proposed(conn: Connection, kind: str, item_id: int, status: str, by: dict[str, Any]) -> None:
    """An imported proposal waits for review here too (ai.proposals), like one an agent just made."""
    if status != "proposed":
        return
    conn.execute(
        text(
            "INSERT INTO ai.proposals (item_kind, item_id, created_by_agent, created_by_user, created_by_run)"
            " VALUES (:kind, :id, :agent, :user, :run) ON CONFLICT (item_kind, item_id) DO NOTHING"
        ),
        {"kind": kind, "id": item_id, "agent": by.get("agent"), "user": by.get("user"), "run": by.get("run")},
    )


SCHEDULE_FIELDS = ("cron", "timezone", "task", "payload", "enabled", "description")


class Schedules:
    name = "schedules"

    def __init__(self, next_run: NextRun) -> None:
        self.next_run = next_run

    def plan(self, conn: Connection, items: Sequence[ScheduleItem]) -> list[Planned[ScheduleItem]]:
        current = {r.name: r for r in conn.execute(text("SELECT * FROM ai.schedules"))}

        def decide(item: ScheduleItem) -> tuple[Action, Any]:
            self._check(item)
            row = current.get(item.name)
            if row is None:
                return "add", None
            same = all(getattr(row, f) == getattr(item, f) for f in SCHEDULE_FIELDS)
            return ("unchanged" if same else "update"), row.id

        return plan_items(self.name, items, lambda i: i.name, decide)

    def _check(self, item: ScheduleItem) -> None:
        try:
            self.next_run(item.cron, item.timezone)
        except ValueError as exc:
            raise TransferConflict(f"schedules: {item.name!r}: {exc}") from None

    def apply(self, conn: Connection, planned: Sequence[Planned[ScheduleItem]]) -> None:
        for p in planned:
            item = p.item
            next_at = self.next_run(item.cron, item.timezone) if item.enabled else None
            params = {
                **item.model_dump(),
                "payload": json.dumps(item.payload),
                "next": next_at,
                "id": p.row_id,
            }
            conn.execute(text(SCHEDULE_ADD if p.action == "add" else SCHEDULE_UPDATE), params)


SCHEDULE_ADD = (
    "INSERT INTO ai.schedules (name, cron, timezone, task, payload, enabled, description, created_by, next_run_at)"
    " VALUES (:name, :cron, :timezone, :task, CAST(:payload AS jsonb), :enabled, :description, :created_by, :next)"
)
SCHEDULE_UPDATE = (
    "UPDATE ai.schedules SET cron = :cron, timezone = :timezone, task = :task, payload = CAST(:payload AS jsonb),"
    " enabled = :enabled, description = :description, next_run_at = :next, updated_at = now() WHERE id = :id"
)


class ApiKeys:
    """Key metadata arrives revoked: the file holds no secret, so the key could not work anyway, and
    a revoked row keeps the record of who held which key. Like the source, the target then needs
    authentication; create fresh keys for the users listed. Existing keys are never touched."""

    name = "api_keys"

    def plan(self, conn: Connection, items: Sequence[ApiKeyItem]) -> list[Planned[ApiKeyItem]]:
        current = set(conn.execute(text("SELECT id FROM ai.api_keys")).scalars())
        return plan_items(
            self.name, items, lambda i: i.id, lambda i: ("unchanged" if i.id in current else "add", None)
        )

    def apply(self, conn: Connection, planned: Sequence[Planned[ApiKeyItem]]) -> None:
        for p in planned:
            conn.execute(text(API_KEY_ADD), p.item.model_dump())


# An empty digest never equals a SHA-256 hex digest, so no key can ever match an imported row.
API_KEY_ADD = (
    "INSERT INTO ai.api_keys (id, key_sha256, user_id, role, created_at, revoked_at, last_used_at)"
    " VALUES (:id, '', :user_id, :role, :created_at, coalesce(CAST(:revoked_at AS timestamptz), now()),"
    " :last_used_at)"
)
