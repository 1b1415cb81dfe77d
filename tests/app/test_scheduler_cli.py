"""`dash schedules add | run | history` as an operator uses them: a manual run is recorded with the
process that ran it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from db.engines import DatabaseTarget
from tests.app.scheduler_helpers import CHECK
from tests.conftest import cli_settings, connect


def test_add_run_now_and_history(db: DatabaseTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with cli_settings(db, tmp_path / "home", monkeypatch):
        add = ["schedules", "add", "twelve", "--cron", "0 6 * * *", "--task", "sql_check"]
        added = CliRunner().invoke(cli, [*add, "--payload", json.dumps(CHECK)])
        ran = CliRunner().invoke(cli, ["schedules", "run", "twelve"])
        history = CliRunner().invoke(cli, ["schedules", "history", "twelve"])
    assert added.exit_code == 0, added.output
    assert ran.exit_code == 0, ran.output
    outcome = json.loads(ran.output.splitlines()[-1])
    assert (
        outcome["status"] == "succeeded" and outcome["output"]["value"] == 12 and outcome["output"]["alert"]
    )
    assert history.exit_code == 0 and " succeeded " in history.output
    with connect(db, "service") as conn:
        row = conn.execute("SELECT trigger, replica FROM ai.schedule_runs").fetchone()
    assert row is not None and row[0] == "manual" and row[1].startswith("cli@")  # names the host too
