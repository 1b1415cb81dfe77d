"""`dash feedback RUN_ID up|down --comment ...` and `dash feedback list` as the data team uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.cli import cli
from db.engines import DatabaseTarget
from db.store import Store
from tests.conftest import cli_settings
from tests.fakes.model_server import FakeModelServer
from tests.fakes.model_server import text as said

SQL = "SELECT 100 AS revenue"
RULE = "Revenue must exclude refunded invoices."


def _answered_run(db: DatabaseTarget, user: str, session: str) -> str:
    engine = create_engine(db.service_url)
    store = Store(engine)
    store.create_or_get_session(user, session, "revenue")
    run = store.start_run(user, session, "What was revenue last month?")
    store.mark_run_completed(run.id, "Revenue was 100.")
    with engine.begin() as conn:  # what the SQL executor records for a statement that ran
        conn.execute(
            text(
                "INSERT INTO ai.sql_audit (user_id, agent, run_id, sql, decision, finished_at, row_count)"
                " VALUES (:user, 'analyst', :run, :sql, 'allowed', now(), 1)"
            ),
            {"user": user, "run": run.id, "sql": SQL},
        )
    engine.dispose()
    return run.id


def test_rate_up_and_down_then_list(
    db: DatabaseTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: FakeModelServer
) -> None:
    mine, theirs = _answered_run(db, "local", "cli-1"), _answered_run(db, "bob", "cli-2")
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("MODEL_MAX_RETRIES", "0")
    model.script(said(json.dumps({"title": "Revenue excludes refunds", "learning": RULE})))
    with cli_settings(db, tmp_path / "home", monkeypatch):
        up = CliRunner().invoke(cli, ["feedback", mine, "up"])
        not_mine = CliRunner().invoke(cli, ["feedback", theirs, "up"])
        down = CliRunner().invoke(cli, ["feedback", theirs, "down", "--user", "bob", "--comment", "refunds!"])
        no_rating = CliRunner().invoke(cli, ["feedback", mine])
        downs = CliRunner().invoke(cli, ["feedback", "list", "--rating", "down"])
        bad_since = CliRunner().invoke(cli, ["feedback", "list", "--since", "yesterday"])
    assert up.exit_code == 0, up.output
    assert (
        "up on run" in up.output
        and "1 SQL statement(s) ran" in up.output
        and "the query serves local until approved" in up.output
    )
    assert not_mine.exit_code == 1 and "no run" in not_mine.output
    assert down.exit_code == 0, down.output
    assert f"for bob: {RULE}" in down.output
    assert no_rating.exit_code == 1 and "up or down" in no_rating.output.lower()
    assert (
        downs.exit_code == 0
        and "bob" in downs.output
        and "refunds!" in downs.output
        and "local" not in downs.output
    )
    assert bad_since.exit_code == 1 and "ISO" in bad_since.output
