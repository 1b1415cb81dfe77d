"""The retrieval eval runs end to end without a model key and meets its thresholds on the shipped knowledge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from evals.retrieval import load_cases

REPO = Path(__file__).parents[2]


def test_cases_have_ids_and_known_kinds() -> None:
    cases = load_cases()
    assert len(cases) >= 50
    assert all(
        kind in {"table", "query", "business", "view", "doc", "learning"}
        for c in cases
        for kind, _ in c.expect
    )


def test_retrieval_eval_runs_and_reports_every_mode(tmp_path: Path) -> None:
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
    assert set(report["metrics"]) == {"fts", "vector", "hybrid"}
    assert "recall@5" in result.stdout and "hybrid" in result.stdout
    assert report["metrics"]["hybrid"]["recall@5"] >= 0.90 and report["metrics"]["hybrid"]["mrr"] >= 0.75
