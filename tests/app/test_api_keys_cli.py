"""`dash keys create|list|revoke` as an operator runs them, and the keys working over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from db.engines import DatabaseTarget
from tests.app.api_fixtures import Api
from tests.conftest import cli_settings


@pytest.fixture
def cli_env(db: DatabaseTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the `dash` CLI at this test's database (as DATABASE_URL, like an operator would)."""
    with cli_settings(db, tmp_path / "home", monkeypatch):
        yield


@pytest.mark.usefixtures("cli_env")
def test_create_prints_the_key_last_list_shows_it_and_revoke_stops_it(api: Api) -> None:
    created = CliRunner().invoke(cli, ["keys", "create", "--user", "dana", "--role", "analyst"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    with api.client(key) as http:
        assert http.get("/v1/learnings").status_code == 200
        listed = CliRunner().invoke(cli, ["keys", "list"])
        assert key_id in listed.output and "dana" in listed.output and key not in listed.output
        revoked = CliRunner().invoke(cli, ["keys", "revoke", key_id])
        assert revoked.exit_code == 0, revoked.output
        # Dash remembers verified keys and hears the revocation through PostgreSQL: milliseconds.
        deadline = time.monotonic() + 1.0
        while (status := http.get("/v1/learnings").status_code) == 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert status == 401
    assert "revoked" in CliRunner().invoke(cli, ["keys", "list"]).output
    bad_role = CliRunner().invoke(cli, ["keys", "create", "--user", "x", "--role", "root"])
    assert bad_role.exit_code == 1 and "unknown role" in bad_role.output
