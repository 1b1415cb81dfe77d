"""The retrieval eval runs end to end without a model key, on the shipped knowledge and on a drafted
warehouse of unrelated businesses, prints recall@5 and MRR per mode for both and meets its thresholds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from evals.retrieval import load_cases
from evals.warehouse.generate import warehouse_tables
from evals.warehouse.retrieval import load_cases as warehouse_cases

REPO = Path(__file__).parents[2]


def test_cases_have_ids_and_known_kinds() -> None:
    cases = load_cases()
    assert len(cases) >= 50
    assert all(
        kind in {"table", "query", "business", "view", "doc", "learning"}
        for c in cases
        for kind, _ in c.expect
    )


def test_warehouse_questions_name_tables_that_exist_in_a_big_mixed_warehouse() -> None:
    tables = warehouse_tables()
    names = {t.name for t in tables}
    cases = warehouse_cases()
    assert len(tables) >= 100 and len({t.domain for t in tables}) >= 3
    assert len(cases) >= 60
    assert {name for c in cases for _, name in c.expect} <= names
    # Asked the way people ask: most questions do not spell out a table's name.
    assert sum(any(name in c.question for _, name in c.expect) for c in cases) < len(cases) / 10


def test_retrieval_eval_runs_and_reports_every_mode_for_both_parts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "OPENAI_API_KEY"}}
    out = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "evals", "--category", "retrieval", "--json", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())["retrieval"]
    warehouse = report["warehouse"]
    assert set(report["metrics"]) == set(warehouse["metrics"]) == {"fts", "vector", "hybrid"}
    assert "retrieval (warehouse): 91 questions over 110 drafted tables" in result.stdout
    figures = [line for line in result.stdout.splitlines() if line.startswith(("fts ", "vector ", "hybrid "))]
    assert len(figures) == 6 and "FAIL" not in result.stdout
    assert report["metrics"]["hybrid"]["recall@5"] >= 0.93 and report["metrics"]["hybrid"]["mrr"] >= 0.75
    assert (
        warehouse["metrics"]["hybrid"]["recall@5"] >= 0.95 and warehouse["metrics"]["hybrid"]["mrr"] >= 0.80
    )
