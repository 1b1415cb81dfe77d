"""`dash knowledge load` / `dash learnings list|show|delete` and scripts/load_knowledge.py, as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import cli
from db.embeddings import LocalEmbedder
from db.knowledge.learnings import CreatedBy, save_learning
from tests.knowledge.conftest import FIXTURES

REPO = Path(__file__).parents[2]
pytestmark = pytest.mark.usefixtures("cli_env")


def test_load_prints_counts_and_refuses_broken_files(knowledge_dir: Path) -> None:
    first = CliRunner().invoke(cli, ["knowledge", "load", "--path", str(knowledge_dir)])
    assert first.exit_code == 0, first.output
    assert "added 9, updated 0, unchanged 0, removed 0" in first.output
    broken = CliRunner().invoke(cli, ["knowledge", "load", "--path", str(FIXTURES / "broken")])
    assert broken.exit_code == 1
    assert "nothing was loaded" in broken.output and "untagged.sql:7: query:" in broken.output


def test_script_loads_like_the_cli(knowledge_dir: Path) -> None:
    CliRunner().invoke(cli, ["knowledge", "load", "--path", str(knowledge_dir)])
    result = subprocess.run(
        [sys.executable, "scripts/load_knowledge.py", "--path", str(knowledge_dir)],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "added 0, updated 0, unchanged 9, removed 0" in result.stdout


def test_learnings_list_show_delete(engine: Engine, embedder: LocalEmbedder) -> None:
    saved = save_learning(
        engine,
        embedder,
        title="Open tickets",
        learning="Open tickets have no resolved_at.",
        created_by=CreatedBy(agent="analyst", user="U123", run="run-9"),
    ).learning
    listed = CliRunner().invoke(cli, ["learnings", "list"])
    assert listed.exit_code == 0 and f"{saved.id}" in listed.output and "Open tickets" in listed.output
    shown = CliRunner().invoke(cli, ["learnings", "show", str(saved.id)])
    assert (
        "created by: agent analyst, user U123, run run-9" in shown.output and "used: 0 times" in shown.output
    )
    deleted = CliRunner().invoke(cli, ["learnings", "delete", str(saved.id), "--yes"])
    assert deleted.exit_code == 0
    missing = CliRunner().invoke(cli, ["learnings", "show", str(saved.id)])
    assert missing.exit_code == 1 and "no learning" in missing.output
