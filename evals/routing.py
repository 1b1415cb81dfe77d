"""Routing eval: the right agent handles the request.

Each case names `expect`: `analyst`, `engineer`, or `leader` (answered without delegating). The
agents delegated to, from the run's Delegated events, must be exactly that one; knowledge searches
and other tool calls are not counted. Needs a model.
"""

from __future__ import annotations

from typing import Any

from agents.team import Deps
from evals.category import Case, Category, run_category
from evals.dbcheck import Checksums
from evals.graders import PASS, Verdict
from evals.report import format_report
from evals.runner import Trace

__all__ = ["CATEGORY", "format_report", "grade", "run"]


def grade(deps: Deps, case: Case, trace: Trace, _before: Checksums) -> Verdict:
    if trace.failure:
        return Verdict(False, trace.failure)
    expected = set() if case["expect"] == "leader" else {case["expect"]}
    got = set(trace.delegated)
    if got != expected:
        shown = ", ".join(sorted(got)) or "nobody (the leader answered)"
        return Verdict(False, f"expected {case['expect']}, delegated to {shown}")
    return PASS


CATEGORY = Category("routing", grade, threshold=0.9)


def run(verbose: bool = False) -> dict[str, Any]:
    return run_category(CATEGORY)
