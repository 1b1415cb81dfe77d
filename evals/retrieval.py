"""Retrieval eval: does search put the right documents in front of the agents?

Two parts, both needing no model key. The shipped knowledge: load `knowledge/` into a scratch
database with the local embedder and ask every question in `cases/retrieval.yaml`. The warehouse:
110 tables of five unrelated businesses, documented only by the drafter, and the questions in
`cases/warehouse.yaml` (see `evals/warehouse/retrieval.py`). Each part is scored with full text
only, vector only and hybrid search (recall@1, recall@5, MRR), so the fusion has to earn its place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine

from db.embeddings import local_embedder
from db.knowledge.loader import load_knowledge
from db.knowledge.search import Mode, search
from evals.database import eval_database
from evals.question_vectors import QuestionVectors
from evals.ranking import Case, CaseResult, check_unique, metric_lines, scoreboard
from evals.warehouse.retrieval import run_warehouse

CASES = Path(__file__).parent / "cases" / "retrieval.yaml"
KNOWLEDGE = Path(__file__).parents[1] / "knowledge"
MODES: tuple[Mode, ...] = ("fts", "vector", "hybrid")
THRESHOLDS = {"recall@5": 0.93, "mrr": 0.75}  # for hybrid

__all__ = ["Case", "CaseResult", "load_cases", "run", "format_report"]


def load_cases(path: Path = CASES) -> list[Case]:
    cases = []
    for item in yaml.safe_load(path.read_text()):
        expect = tuple(tuple(ref.split(":", 1)) for ref in item["expect"])
        cases.append(Case(item["id"], item["question"], expect))  # type: ignore[arg-type]
    return check_unique(cases, path)


def run(verbose: bool = False, knowledge: Path = KNOWLEDGE) -> dict[str, Any]:
    """Both parts in every mode; the report of the shipped knowledge with the warehouse's inside."""
    cases = load_cases()
    embedder = local_embedder()
    with eval_database() as target:
        engine = create_engine(target.service_url)
        try:
            load_knowledge(engine, embedder, knowledge)
            questions = QuestionVectors(embedder, [c.question for c in cases])
            results = {
                mode: [CaseResult(c, mode, _ranked(engine, questions, c.question, mode)) for c in cases]
                for mode in MODES
            }
            warehouse = run_warehouse(target, engine, embedder, verbose)
        finally:
            engine.dispose()
    report = scoreboard(results, THRESHOLDS, verbose)  # type: ignore[arg-type]
    return report | {"warehouse": warehouse, "passed": report["passed"] and warehouse["passed"]}


def _ranked(engine: Any, embedder: Any, question: str, mode: Mode) -> tuple[tuple[str, str], ...]:
    return tuple((h.kind, h.name) for h in search(engine, embedder, question, limit=10, mode=mode))


def format_report(report: dict[str, Any], verbose: bool = False) -> str:
    """recall@1, recall@5 and MRR per mode for each part (misses listed when the report is verbose)."""
    lines = [f"retrieval: {report['cases']} questions on the shipped knowledge", *metric_lines(report)]
    lines += [f"FAIL {f}" for f in report["failures"]] or [_pass_line(report)]
    warehouse = report["warehouse"]
    lines += [
        f"retrieval (warehouse): {warehouse['cases']} questions over {warehouse['tables']} drafted tables"
        f" of {warehouse['domains']} businesses, table recall ({warehouse['seconds']:.1f}s)",
        *metric_lines(warehouse),
    ]
    lines += [f"FAIL {f}" for f in warehouse["failures"]] or [_pass_line(warehouse)]
    return "\n".join(lines)


def _pass_line(report: dict[str, Any]) -> str:
    limits = ", ".join(f"{name} >= {limit}" for name, limit in report["thresholds"].items())
    return f"PASS (hybrid {limits})"
