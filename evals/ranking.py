"""Scoring ranked search results: recall@k and MRR per mode, thresholds, the misses worth reading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Ref = tuple[str, str]  # (kind, name) of a document


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    expect: tuple[Ref, ...]


@dataclass(frozen=True)
class CaseResult:
    case: Case
    mode: str
    ranked: tuple[Ref, ...]

    def recall(self, k: int) -> float:
        return sum(doc in self.ranked[:k] for doc in self.case.expect) / len(self.case.expect)

    @property
    def reciprocal_rank(self) -> float:
        ranks = [self.ranked.index(doc) + 1 for doc in self.case.expect if doc in self.ranked]
        return 1 / min(ranks) if ranks else 0.0


def check_unique(cases: list[Case], source: object) -> list[Case]:
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate case ids in {source}")
    return cases


def metrics(results: list[CaseResult]) -> dict[str, float]:
    n = len(results) or 1
    return {
        "recall@1": sum(r.recall(1) for r in results) / n,
        "recall@5": sum(r.recall(5) for r in results) / n,
        "mrr": sum(r.reciprocal_rank for r in results) / n,
    }


def scoreboard(
    results: dict[str, list[CaseResult]], thresholds: dict[str, float], verbose: bool
) -> dict[str, Any]:
    """Metrics per mode, the hybrid thresholds missed, and the hybrid misses (listed when verbose)."""
    scores = {mode: metrics(rs) for mode, rs in results.items()}
    hybrid = scores["hybrid"]
    failures = [
        f"hybrid {n} {hybrid[n]:.3f} < {limit}" for n, limit in thresholds.items() if hybrid[n] < limit
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
        "thresholds": thresholds,
        "failures": failures,
        "misses": misses if verbose else len(misses),
        "passed": not failures,
    }


def metric_lines(report: dict[str, Any]) -> list[str]:
    """The table of recall@1, recall@5 and MRR per mode, then each listed miss."""
    lines = [f"{'mode':<8} {'recall@1':>9} {'recall@5':>9} {'MRR':>7}"]
    for mode, m in report["metrics"].items():
        lines.append(f"{mode:<8} {m['recall@1']:>9.3f} {m['recall@5']:>9.3f} {m['mrr']:>7.3f}")
    for miss in report["misses"] if isinstance(report["misses"], list) else []:
        lines.append(f"  miss {miss['id']}: {miss['question']!r} expected {miss['expect']} got {miss['got']}")
    return lines
