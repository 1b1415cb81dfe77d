"""`dash ask` as an operator uses it: progress on stderr, the answer on stdout, the run recorded
like any other (the CLI drives it through a runner of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from db.engines import DatabaseTarget
from tests.conftest import cli_settings, connect
from tests.fakes.model_server import FakeModelServer, text


def test_the_answer_streams_to_stdout_and_the_run_is_recorded(
    db: DatabaseTarget, tmp_path: Path, model_server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_server.script(text("There are forty-two customers.", chunk_size=5))
    with cli_settings(db, tmp_path / "home", monkeypatch):
        monkeypatch.setenv("OPENAI_BASE_URL", model_server.base_url)
        asked = CliRunner().invoke(cli, ["ask", "How many customers are there?", "--user", "ops"])
    assert asked.exit_code == 0, asked.output
    assert asked.stdout.strip() == "There are forty-two customers."
    assert "session " in asked.stderr and "done: 0 SQL statement(s)" in asked.stderr
    with connect(db, "service") as conn:
        row = conn.execute("SELECT status, answer FROM ai.runs WHERE user_id = 'ops'").fetchone()
    assert row == ("completed", "There are forty-two customers.")
