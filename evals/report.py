"""One category's report: per-case outcomes, pass rate against a threshold, tokens, latency, cost."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from evals.runner import Trace

# USD per million (prompt, completion) tokens; an unknown model gets no cost estimate.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o4-mini": (1.10, 4.40),
}


@dataclass(frozen=True)
class Outcome:
    id: str
    ok: bool
    reason: str
    tokens: int
    latency_ms: float
    cost_usd: float | None


def outcome(case_id: str, trace: Trace, ok: bool, reason: str, model: str) -> Outcome:
    tokens = trace.tokens
    cost = estimate_cost(model, tokens["prompt_tokens"], tokens["completion_tokens"])
    return Outcome(case_id, ok, reason, tokens["total_tokens"], round(trace.latency_ms, 1), cost)


def estimate_cost(model: str, prompt: int, completion: int) -> float | None:
    price = PRICES.get(model)
    return None if price is None else (prompt * price[0] + completion * price[1]) / 1e6


def build_report(category: str, outcomes: list[Outcome], threshold: float, model: str) -> dict[str, Any]:
    """The JSON-ready report; `passed` when the pass rate reaches the threshold."""
    n = len(outcomes)
    rate = sum(o.ok for o in outcomes) / n if n else 0.0
    costs = [o.cost_usd for o in outcomes if o.cost_usd is not None]
    return {
        "category": category,
        "model": model,
        "cases": n,
        "pass_rate": round(rate, 4),
        "threshold": threshold,
        "passed": n > 0 and rate >= threshold,
        "tokens": sum(o.tokens for o in outcomes),
        "latency_ms_avg": round(sum(o.latency_ms for o in outcomes) / n, 1) if n else 0.0,
        "cost_usd": round(sum(costs), 4) if costs else None,
        "failures": [{"id": o.id, "reason": o.reason} for o in outcomes if not o.ok],
        "outcomes": [dataclasses.asdict(o) for o in outcomes],
    }


def unavailable(category: str, reason: str) -> dict[str, Any]:
    """The report of a category that could not run (e.g. no model configured): it fails."""
    return {"category": category, "passed": False, "error": reason, "cases": 0, "failures": []}


def format_report(report: dict[str, Any], verbose: bool = False) -> str:
    """A small table: the summary line, then every failure with its reason."""
    name = report["category"]
    if report.get("error"):
        return f"{name}: NOT RUN — {report['error']}"
    cost = "n/a" if report["cost_usd"] is None else f"${report['cost_usd']:.4f}"
    status = "PASS" if report["passed"] else "FAIL"
    lines = [
        f"{name:<12} {status}  pass rate {report['pass_rate']:.0%} of {report['cases']}"
        f" (threshold {report['threshold']:.0%})  tokens {report['tokens']:,}"
        f"  avg latency {report['latency_ms_avg']:.0f} ms  cost {cost}  model {report['model']}"
    ]
    lines += [f"  FAIL {f['id']}: {f['reason']}" for f in report["failures"]]
    if verbose:
        lines += [f"  ok   {o['id']}" for o in report["outcomes"] if o["ok"]]
    return "\n".join(lines)
