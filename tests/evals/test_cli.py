"""`python -m evals` without a model: agent categories say so and fail; the JSON report is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_without_a_model_agent_categories_say_so_and_exit_non_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DASH_", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(ROOT)
    report = tmp_path / "report.json"
    argv = ["-m", "evals", "--category", "accuracy", "--category", "security", "--json", str(report)]
    done = subprocess.run(
        [sys.executable, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert "accuracy: NOT RUN — no model configured: set OPENAI_API_KEY" in done.stdout
    assert "security: NOT RUN" in done.stdout
    written = json.loads(report.read_text())
    assert set(written) == {"accuracy", "security"} and not written["accuracy"]["passed"]
