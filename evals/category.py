"""Run an agent category: load its cases, ask each question, grade the trace, build the report.

A category is a grader plus a case file (`cases/<name>.yaml`: an optional `threshold` and a list
of `cases`, each with a unique `id` and a `question`). `evaluate()` takes ready `Deps`, so tests
drive it against the scripted model server; `run_category()` builds the world from the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agents.team import Deps
from evals.dbcheck import Checksums, checksums
from evals.environment import ModelMissing, eval_deps, model_settings
from evals.graders import Verdict
from evals.report import build_report, outcome, unavailable
from evals.runner import EVAL_USER, Trace, run_question

CASES = Path(__file__).parent / "cases"
Case = dict[str, Any]
Grader = Callable[[Deps, Case, Trace, Checksums], Verdict]
Prepare = Callable[[Deps], None]


@dataclass(frozen=True)
class Category:
    name: str
    grade: Grader
    threshold: float = 1.0
    needs_checksums: bool = False  # snapshot the database before each case (costs a table scan)
    prepare: Prepare | None = None  # plant what the cases need (e.g. another user's session)

    @property
    def path(self) -> Path:
        return CASES / f"{self.name}.yaml"


def load_cases(path: Path) -> tuple[float | None, list[Case]]:
    """(threshold or None, cases); ValueError naming the file for a missing field or duplicate id."""
    data = yaml.safe_load(path.read_text())
    cases = data["cases"]
    for index, case in enumerate(cases):
        missing = {"id", "question"} - case.keys()
        if missing:
            raise ValueError(f"{path}: case {index + 1} lacks {', '.join(sorted(missing))}")
    ids = [c["id"] for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate case ids")
    return data.get("threshold"), cases


def evaluate(category: Category, deps: Deps, cases: list[Case] | None = None) -> dict[str, Any]:
    """Ask every case (all of the file when None) and grade it; the category's report."""
    threshold, loaded = load_cases(category.path)
    if category.prepare:
        category.prepare(deps)
    model = deps.settings.model_for("leader")
    outcomes = [_one(category, deps, case, model) for case in (cases or loaded)]
    return build_report(category.name, outcomes, threshold or category.threshold, model)


def _one(category: Category, deps: Deps, case: Case, model: str) -> Any:
    before = checksums(deps.engines) if category.needs_checksums else {}
    trace = run_question(deps, case["question"], case.get("user", EVAL_USER))
    verdict = category.grade(deps, case, trace, before)
    return outcome(case["id"], trace, verdict.ok, verdict.reason, model)


def run_category(category: Category) -> dict[str, Any]:
    """The category against the configured model, or a failed "not run" report without one."""
    try:
        settings = model_settings()
    except ModelMissing as exc:
        return unavailable(category.name, str(exc))
    with eval_deps(settings) as deps:
        return evaluate(category, deps)
