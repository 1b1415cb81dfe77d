"""Retrieval eval: does search put the right documents in front of the agents?

Loads the shipped knowledge into a scratch database with the local embedder, asks every question in
`cases/retrieval.yaml` with full text only, vector only and hybrid search, and reports recall@1,
recall@5 and MRR for each, so the fusion has to earn its place. Needs no model key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine

from db.embeddings import local_embedder
from db.knowledge.loader import load_knowledge
from db.knowledge.search import Mode, search
from evals.database import eval_database

CASES = Path(__file__).parent / "cases" / "retrieval.yaml"
KNOWLEDGE = Path(__file__).parents[1] / "knowledge"
MODES: tuple[Mode, ...] = ("fts", "vector", "hybrid")
THRESHOLDS = {"recall@5": 0.90, "mrr": 0.75}  # for hybrid


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    expect: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CaseResult:
    case: Case
    mode: str
    ranked: tuple[tuple[str, str], ...]

    def recall(self, k: int) -> float:
        return sum(doc in self.ranked[:k] for doc in self.case.expect) / len(self.case.expect)

    @property
    def reciprocal_rank(self) -> float:
        ranks = [self.ranked.index(doc) + 1 for doc in self.case.expect if doc in self.ranked]
        return 1 / min(ranks) if ranks else 0.0


def load_cases(path: Path = CASES) -> list[Case]:
    cases = []
    for item in yaml.safe_load(path.read_text()):
        expect = tuple(tuple(ref.split(":", 1)) for ref in item["expect"])
        cases.append(Case(item["id"], item["question"], expect))  # type: ignore[arg-type]
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate case ids in {path}")
    return cases


def metrics(results: list[CaseResult]) -> dict[str, float]:
    n = len(results) or 1
    return {
        "recall@1": sum(r.recall(1) for r in results) / n,
        "recall@5": sum(r.recall(5) for r in results) / n,
        "mrr": sum(r.reciprocal_rank for r in results) / n,
    }


def run(verbose: bool = False, knowledge: Path = KNOWLEDGE) -> dict[str, Any]:
    """Run every case in every mode; returns the report (metrics per mode, misses, pass/fail)."""
    cases = load_cases()
    embedder = local_embedder()
    with eval_database() as target:
        engine = create_engine(target.service_url)
        try:
            load_knowledge(engine, embedder, knowledge)
            results = {
                mode: [CaseResult(c, mode, _ranked(engine, embedder, c.question, mode)) for c in cases]
                for mode in MODES
            }
        finally:
            engine.dispose()
    return _report(results, verbose)


def _ranked(engine: Any, embedder: Any, question: str, mode: Mode) -> tuple[tuple[str, str], ...]:
    return tuple((h.kind, h.name) for h in search(engine, embedder, question, limit=10, mode=mode))


def _report(results: dict[Mode, list[CaseResult]], verbose: bool) -> dict[str, Any]:
    scores = {mode: metrics(rs) for mode, rs in results.items()}
    hybrid = scores["hybrid"]
    failures = [
        f"hybrid {name} {hybrid[name]:.3f} < {limit}"
        for name, limit in THRESHOLDS.items()
        if hybrid[name] < limit
    ]
    misses = [
        {
            "id": r.case.id,
            "question": r.case.question,
            "expect": [":".join(d) for d in r.case.expect],
            "got": [":".join(d) for d in r.ranked[:5]],
        }
        for r in results["hybrid"]
        if r.recall(5) < 1
    ]
    return {
        "cases": len(results["hybrid"]),
        "metrics": scores,
        "thresholds": THRESHOLDS,
        "failures": failures,
        "misses": misses if verbose else len(misses),
        "passed": not failures,
    }


def format_report(report: dict[str, Any], verbose: bool = False) -> str:
    """recall@1, recall@5 and MRR per mode (misses are listed when the report was made verbose)."""
    lines = [
        f"retrieval: {report['cases']} questions",
        f"{'mode':<8} {'recall@1':>9} {'recall@5':>9} {'MRR':>7}",
    ]
    for mode, m in report["metrics"].items():
        lines.append(f"{mode:<8} {m['recall@1']:>9.3f} {m['recall@5']:>9.3f} {m['mrr']:>7.3f}")
    for miss in report["misses"] if isinstance(report["misses"], list) else []:
        lines.append(f"  miss {miss['id']}: {miss['question']!r} expected {miss['expect']} got {miss['got']}")
    lines += [f"FAIL {f}" for f in report["failures"]] or ["PASS (hybrid recall@5 >= 0.90, MRR >= 0.75)"]
    return "\n".join(lines)
