"""The warehouse part of the retrieval eval: can search find the right tables among 110 drafted ones?

Builds the warehouse (`generate.py`) in the eval database, documents it the way a new user would,
with the drafter alone (no word written by hand), loads those files as the knowledge base and asks
every question of `cases/warehouse.yaml`, searching table documents only. Scored per mode like the
shipped knowledge: table recall@k and MRR.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, create_engine

from db.embeddings import Embedder
from db.engines import DatabaseTarget
from db.knowledge.draft import draft_knowledge
from db.knowledge.loader import load_knowledge
from db.knowledge.search import Mode, search
from evals.question_vectors import QuestionVectors
from evals.ranking import Case, CaseResult, check_unique, scoreboard
from evals.warehouse.generate import DOMAINS, create_warehouse

CASES = Path(__file__).parents[1] / "cases" / "warehouse.yaml"
MODES: tuple[Mode, ...] = ("fts", "vector", "hybrid")
THRESHOLDS = {"recall@5": 0.95, "mrr": 0.80}  # for hybrid


def load_cases(path: Path = CASES) -> list[Case]:
    cases = [
        Case(item["id"], item["question"], tuple(("table", t) for t in item["tables"]))
        for item in yaml.safe_load(path.read_text())
    ]
    return check_unique(cases, path)


def run_warehouse(
    target: DatabaseTarget, engine: Engine, embedder: Embedder, verbose: bool = False
) -> dict[str, Any]:
    """Build, draft, load and ask; the report (metrics per mode, misses, pass/fail, figures)."""
    started = time.perf_counter()
    tables = create_warehouse(target)
    with tempfile.TemporaryDirectory(prefix="dash-warehouse-") as folder:
        draft(target, Path(folder))
        load_knowledge(engine, embedder, Path(folder))
    cases = load_cases()
    questions = QuestionVectors(embedder, [c.question for c in cases])
    results = {
        mode: [CaseResult(c, mode, _ranked(engine, questions, c.question, mode)) for c in cases]
        for mode in MODES
    }
    report = scoreboard(results, THRESHOLDS, verbose)  # type: ignore[arg-type]
    return report | {"tables": len(tables), "domains": len(DOMAINS), "seconds": time.perf_counter() - started}


def draft(target: DatabaseTarget, folder: Path) -> None:
    """Document the warehouse as a new user would: `dash knowledge draft`, as the analyst role."""
    analyst = create_engine(target.analyst_url)
    try:
        report = draft_knowledge(analyst, folder, schemas=("public",))
    finally:
        analyst.dispose()
    failed = [t.line() for t in report.tables if t.status not in {"written", "refreshed", "unchanged"}]
    if failed:
        raise RuntimeError("drafting the warehouse failed:\n" + "\n".join(failed))


def _ranked(engine: Engine, embedder: Embedder, question: str, mode: Mode) -> tuple[tuple[str, str], ...]:
    hits = search(engine, embedder, question, kinds=["table"], limit=10, mode=mode)
    return tuple((h.kind, h.name) for h in hits)
