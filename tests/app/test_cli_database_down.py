"""Any `dash` command that cannot reach the database says so in one line and exits 1 (no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "args", [["sql", "--as", "analyst", "SELECT 1"], ["learnings", "list"], ["knowledge", "search", "mrr"]]
)
def test_a_command_without_its_database_says_so(args: list[str], tmp_path: Path) -> None:
    env = dict(os.environ, DASH_HOME=str(tmp_path), DATABASE_URL="postgresql://dash:pw@127.0.0.1:1/dash")
    result = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: the database is not reachable (connection failed:")
    assert "Check DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
