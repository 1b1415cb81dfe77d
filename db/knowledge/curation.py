"""Curation: the nightly pass that keeps learnings few, consistent and current. Nothing is deleted.

For each live learning, its nearest live neighbours in the same namespace (by the embedding) are
compared:

- **contradiction**: similarity >= FLAG_SIMILARITY and exactly one of the two is phrased as a
  negation ("not", "never", "exclude", ...): both get a `flag` saying which one they may contradict,
  stay live, and wait for a person (`dash learnings restore ID` clears the flag);
- **near-duplicate**: otherwise, similarity >= MERGE_SIMILARITY: the less used (then newer) one gets
  status 'merged' and `merged_into` the survivor, which is left unchanged;
- **stale**: a live learning not used, created, edited or restored within `archive_after_days` gets
  status 'archived'.

Every action is listed in a stored report (ai.curation_reports) and undone by `restore_learning`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from db.knowledge.learnings import COLUMNS, Learning, _learning

MERGE_SIMILARITY = 0.92
FLAG_SIMILARITY = 0.75
NEIGHBOURS = 5
# "n't" is read as " not" first (negated), so "doesn't" and "isn't" count too.
NEGATIONS = frozenset(
    {"not", "no", "never", "none", "without", "exclude", "excludes", "excluded", "excluding", "cannot"}
)
PAIRS = text(
    """SELECT a.id AS a, n.id AS b, n.sim, a.learning AS a_text, n.learning AS b_text,
       a.use_count AS a_uses, n.use_count AS b_uses
  FROM ai.learnings a
  CROSS JOIN LATERAL (
      SELECT b.id, b.learning, b.use_count, 1 - (b.embedding <=> a.embedding) AS sim FROM ai.learnings b
       WHERE b.namespace = a.namespace AND b.status = 'live' AND b.id <> a.id AND b.embedding IS NOT NULL
       ORDER BY b.embedding <=> a.embedding LIMIT :n) n
 WHERE a.status = 'live' AND a.embedding IS NOT NULL AND n.sim >= :floor AND a.id < n.id
 ORDER BY n.sim DESC, a.id, n.id"""
)


@dataclass(frozen=True)
class Pair:
    a: int
    b: int
    sim: float
    a_text: str
    b_text: str
    a_uses: int
    b_uses: int

    @property
    def contradicts(self) -> bool:
        """Exactly one of the two says "not"/"never"/"exclude"...: they may state opposite things."""
        return negated(self.a_text) != negated(self.b_text)

    def survivor_and_merged(self) -> tuple[int, int]:
        """The more used one survives; on a tie the older (smaller id)."""
        return (self.b, self.a) if self.b_uses > self.a_uses else (self.a, self.b)


@dataclass
class CurationReport:
    id: int = 0
    merged: int = 0
    flagged: int = 0
    archived: int = 0
    actions: list[dict[str, Any]] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def summary(self) -> str:
        return f"merged {self.merged}, flagged {self.flagged}, archived {self.archived} learning(s)"


def negated(statement: str) -> bool:
    words = set(re.findall(r"[a-z']+", statement.lower().replace("n't", " not")))
    return bool(words & NEGATIONS)


def curate(engine: Engine, *, archive_after_days: int) -> CurationReport:
    """One curation pass in one transaction; the report is stored and returned."""
    report = CurationReport()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL hnsw.iterative_scan = relaxed_order")
        _merge_and_flag(conn, report)
        _archive(conn, report, archive_after_days)
        _store(conn, report)
    return report


def _merge_and_flag(conn: Connection, report: CurationReport) -> None:
    rows = conn.execute(PAIRS, {"n": NEIGHBOURS, "floor": FLAG_SIMILARITY}).all()
    gone: set[int] = set()
    for pair in (Pair(**r._mapping) for r in rows):
        if pair.a in gone or pair.b in gone:
            continue
        if pair.contradicts:
            _flag(conn, report, pair)
        elif pair.sim >= MERGE_SIMILARITY:
            survivor, merged = pair.survivor_and_merged()
            conn.execute(
                text(
                    "UPDATE ai.learnings SET status = 'merged', merged_into = :s, updated_at = now() WHERE id = :m"
                ),
                {"s": survivor, "m": merged},
            )
            gone.add(merged)
            report.merged += 1
            report.actions.append(
                {"action": "merged", "id": merged, "into": survivor, "similarity": _r(pair.sim)}
            )


def _flag(conn: Connection, report: CurationReport, pair: Pair) -> None:
    for this, other in ((pair.a, pair.b), (pair.b, pair.a)):
        reason = (
            f"may contradict learning #{other} (similarity {_r(pair.sim)}, only one of them is a negation)"
        )
        conn.execute(
            text("UPDATE ai.learnings SET flag = :reason WHERE id = :id AND flag IS DISTINCT FROM :reason"),
            {"reason": reason, "id": this},
        )
    report.flagged += 1
    report.actions.append({"action": "flagged", "ids": [pair.a, pair.b], "similarity": _r(pair.sim)})


def _archive(conn: Connection, report: CurationReport, days: int) -> None:
    rows = conn.execute(
        text(
            "UPDATE ai.learnings SET status = 'archived', updated_at = now() WHERE status = 'live'"
            " AND GREATEST(COALESCE(last_used_at, created_at), updated_at) < now() - make_interval(days => :days)"
            " RETURNING id, last_used_at"
        ),
        {"days": days},
    ).all()
    report.archived = len(rows)
    for row in rows:
        last = row.last_used_at.isoformat() if row.last_used_at else None
        report.actions.append({"action": "archived", "id": row.id, "last_used_at": last, "after_days": days})


def _store(conn: Connection, report: CurationReport) -> None:
    row = conn.execute(
        text(
            "INSERT INTO ai.curation_reports (finished_at, merged, flagged, archived, actions)"
            " VALUES (now(), :merged, :flagged, :archived, CAST(:actions AS jsonb)) RETURNING id, started_at, finished_at"
        ),
        {
            "merged": report.merged,
            "flagged": report.flagged,
            "archived": report.archived,
            "actions": json.dumps(report.actions),
        },
    ).one()
    report.id, report.started_at, report.finished_at = row.id, row.started_at, row.finished_at


def describe_action(action: dict[str, Any]) -> str:
    """One line of a report, in words."""
    if action["action"] == "merged":
        return f"- merged learning #{action['id']} into #{action['into']} (similarity {action['similarity']})"
    if action["action"] == "flagged":
        first, second = action["ids"]
        return f"- flagged #{first} and #{second} for review: they may contradict each other"
    return f"- archived learning #{action['id']} (unused for {action['after_days']} days)"


def list_reports(engine: Engine, *, limit: int = 20) -> list[CurationReport]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, merged, flagged, archived, actions, started_at, finished_at FROM ai.curation_reports"
                " ORDER BY id DESC LIMIT :limit"
            ),
            {"limit": limit},
        )
        return [CurationReport(**r._mapping) for r in rows]


def restore_learning(engine: Engine, learning_id: int) -> Learning | None:
    """Undo curation on one learning: an archived or merged one is live again, a flag is cleared.

    None when it does not exist or is neither archived, merged nor flagged (a rejected proposal is
    restored by approving it: `dash proposals approve`)."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "UPDATE ai.learnings SET status = CASE WHEN status IN ('archived', 'merged') THEN 'live' ELSE status END,"
                " merged_into = NULL, flag = NULL, updated_at = now()"
                " WHERE id = :id AND (status IN ('archived', 'merged') OR flag IS NOT NULL)"
                f" RETURNING {COLUMNS}"
            ),
            {"id": learning_id},
        ).first()
    return None if row is None else _learning(row)


def _r(value: float) -> float:
    return round(float(value), 3)
