"""Import a `Bundle`: plan every change, then apply them all in one transaction (or, dry, none)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from db.embeddings import Embedder
from db.knowledge.vectors import ensure_embedder
from db.transfer.bundle import Bundle
from db.transfer.sections import ApiKeys, Documents, Learnings, NextRun, Planned, Schedules, TransferConflict

__all__ = ["Change", "ImportReport", "TransferConflict", "import_bundle"]


@dataclass(frozen=True)
class Change:
    section: str
    action: str  # "add" or "update"
    key: str


@dataclass(frozen=True)
class ImportReport:
    changes: tuple[Change, ...]
    unchanged: int
    dry_run: bool

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        return f"{self.count('add')} {verb}added, {self.count('update')} {verb}updated, {self.unchanged} unchanged"


def import_bundle(
    engine: Engine, embedder: Embedder, bundle: Bundle, *, next_run: NextRun, dry_run: bool = False
) -> ImportReport:
    """Apply `bundle` to the database (all or nothing); `dry_run` only reports what would change.

    Raises TransferConflict (nothing changed) when an item cannot be imported as it is.
    """
    sections: tuple[Any, ...] = (Documents(embedder), Learnings(embedder), Schedules(next_run), ApiKeys())
    with engine.begin() as conn:
        # One import at a time: two at once could both plan to add the same item.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('dash:import'))"))
        plans = [(s, s.plan(conn, getattr(bundle, s.name))) for s in sections]
        changed = [(s, [p for p in plan if p.action != "unchanged"]) for s, plan in plans]
        if not dry_run:
            _apply(conn, embedder, changed)
    return _report(plans, dry_run)


def _apply(conn: Connection, embedder: Embedder, changed: list[tuple[Any, list[Planned[Any]]]]) -> None:
    if any(planned for _, planned in changed):
        ensure_embedder(conn, embedder)
    for section, planned in changed:
        if planned:
            section.apply(conn, planned)


def _report(plans: Sequence[tuple[Any, list[Planned[Any]]]], dry_run: bool) -> ImportReport:
    changes = tuple(
        Change(s.name, p.action, p.key) for s, plan in plans for p in plan if p.action != "unchanged"
    )
    unchanged = sum(1 for _, plan in plans for p in plan if p.action == "unchanged")
    return ImportReport(changes, unchanged, dry_run)
