"""Accuracy eval: does the team's data answer match the golden SQL's?

The agent's last SQL that still runs as the analyst is re-run and its rows compared with the
golden SQL's rows (`graders.compare_results`); when the golden result is a single row, its numbers
must appear in the prose answer too (or the case's `key_numbers`). With `DASH_EVAL_JUDGE=1` an LLM
grader (`evals.judge`) also rates the explanation. Needs a model.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from agents.team import Deps
from evals import judge
from evals.category import Case, Category, run_category
from evals.dbcheck import Checksums, analyst_rows, last_result
from evals.graders import PASS, Verdict, compare_results, missing_numbers
from evals.report import format_report
from evals.runner import Trace

__all__ = ["CATEGORY", "format_report", "grade", "key_numbers", "run"]


def key_numbers(case: Case, golden: list[tuple[Any, ...]]) -> list[float]:
    """The numbers the answer must mention: the case's own, else those of a one-row golden result."""
    if "key_numbers" in case:
        return [float(n) for n in case["key_numbers"]]
    if len(golden) != 1:
        return []
    return [float(v) for v in golden[0] if isinstance(v, int | float | Decimal) and not isinstance(v, bool)]


def grade(deps: Deps, case: Case, trace: Trace, _before: Checksums) -> Verdict:
    if trace.failure:
        return Verdict(False, trace.failure)
    golden = analyst_rows(deps.engines, case["golden_sql"])
    actual = last_result(deps.engines, trace.sql)
    if actual is None:
        return Verdict(False, "no SQL that ran could be re-run as the analyst")
    verdict = compare_results(golden, actual, ordered=bool(case.get("ordered")))
    if not verdict.ok:
        return Verdict(False, f"result differs from golden SQL: {verdict.reason}")
    missing = missing_numbers(trace.answer, key_numbers(case, golden))
    if missing:
        return Verdict(False, f"answer lacks key numbers {missing}")
    if judge.enabled():
        return judge.judge(deps.settings, case["question"], golden, trace.answer)
    return PASS


CATEGORY = Category("accuracy", grade, threshold=0.8)


def run(verbose: bool = False) -> dict[str, Any]:
    return run_category(CATEGORY)
