"""`dash export` / `dash import` between two databases, as an operator runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

from app.cli import cli
from app.scheduling.cron import first_run
from db.api_keys import create_key, find_key
from db.embeddings import Embedder, make_embedder
from db.engines import DatabaseTarget
from db.knowledge.documents import save_query, save_view_note
from db.knowledge.learnings import CreatedBy, save_learning
from db.knowledge.search import search
from db.store.schedule_records import ScheduleSpec
from db.store.schedules import ScheduleStore
from tests.conftest import cli_settings, fresh_database, test_settings

QUERIES = ("how do refunds reduce revenue", "trial accounts", "weekly signups view", "fiscal year start")
LEARNINGS = "SELECT title, learning, context, tags, namespace, created_by_agent, created_by_user, use_count FROM ai.learnings"
DOCUMENTS = (
    "SELECT kind, name, namespace, title, summary, content, metadata, content_hash FROM ai.documents"
    " WHERE origin = 'agent'"
)
SCHEDULES = "SELECT name, cron, timezone, task, payload, enabled, description, created_by FROM ai.schedules"


@pytest.fixture
def embedder(tmp_path: Path) -> Embedder:
    return make_embedder(test_settings(tmp_path))


@pytest.fixture
def source(db: DatabaseTarget, embedder: Embedder) -> Iterator[Engine]:
    """A Dash database with what agents and people saved at run time."""
    engine = create_engine(db.service_url)
    by = CreatedBy(agent="analyst", user="alice", run="r1")
    save_learning(
        engine,
        embedder,
        title="Refunds are negative",
        learning="Refund rows carry negative amounts; add them.",
        tags=["revenue"],
        created_by=by,
    )
    save_learning(
        engine,
        embedder,
        title="Trials have no MRR",
        learning="Exclude status = 'trial' from MRR.",
        created_by=by,
    )
    save_learning(
        engine,
        embedder,
        title="Alice's fiscal year",
        learning="Alice means the fiscal year starting in April.",
        namespace="user:alice",
    )
    save_query(
        engine,
        embedder,
        name="refund_total",
        description="Total refunds per month",
        sql="SELECT 1",
        created_by=by,
    )
    save_view_note(
        engine,
        embedder,
        name="weekly_signups",
        description="Signups per week",
        sql="SELECT 2",
        columns={"week": "ISO week"},
    )
    store = ScheduleStore(engine)
    for name, cron, enabled in (("weekly-mrr", "0 9 * * 1", True), ("paused", "30 6 * * *", False)):
        spec = ScheduleSpec(
            name, cron, "ask", payload={"question": "MRR?", "user_id": "alice"}, enabled=enabled
        )
        store.create(spec, "admin", first_run(cron, "UTC", datetime.now(UTC)) if enabled else None)
    create_key(engine, "alice", "analyst")
    yield engine
    engine.dispose()  # fmt: skip


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(
            (
                tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in r)
                for r in conn.execute(text(sql))
            ),
            key=str,
        )


def top_results(engine: Engine, embedder: Embedder) -> list[list[tuple[str, str]]]:
    return [
        [(h.kind, h.name) for h in search(engine, embedder, q, user_id="alice", limit=5)] for q in QUERIES
    ]


def dash(target: DatabaseTarget, home: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    with cli_settings(target, home, monkeypatch):
        return CliRunner().invoke(cli, list(args))


def test_export_then_import_into_a_fresh_database_moves_everything_and_twice_changes_nothing(
    db: DatabaseTarget,
    pg_server: DatabaseTarget,
    source: Engine,
    embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = tmp_path / "dash-export.json"
    exported = dash(db, tmp_path / "a", monkeypatch, "export", str(file))
    assert exported.exit_code == 0, exported.output
    assert "3 learnings" in exported.output and "2 schedules" in exported.output
    raw = file.read_text()
    assert json.loads(raw)["version"] == 1 and "key_sha256" not in raw and "dash_" not in raw

    with fresh_database(pg_server) as target:
        engine = create_engine(target.service_url)
        try:
            first = dash(target, tmp_path / "b", monkeypatch, "import", str(file))
            assert first.exit_code == 0, first.output
            assert "add learning: global/trials have no mrr" in first.output
            for sql in (LEARNINGS, DOCUMENTS, SCHEDULES):
                assert rows(engine, sql) == rows(source, sql)
            expected = top_results(source, embedder)
            assert all(expected) and top_results(engine, embedder) == expected
            with engine.connect() as conn:
                next_runs: dict[str, bool] = dict(
                    conn.execute(text("SELECT name, next_run_at IS NOT NULL FROM ai.schedules")).all()
                )
                keys = conn.execute(
                    text("SELECT user_id, role, revoked_at IS NOT NULL FROM ai.api_keys")
                ).all()
            assert next_runs == {"weekly-mrr": True, "paused": False}
            assert [tuple(k) for k in keys] == [("alice", "analyst", True)]

            before = rows(engine, "SELECT * FROM ai.learnings") + rows(engine, "SELECT * FROM ai.documents")
            again = dash(target, tmp_path / "b", monkeypatch, "import", str(file))
            assert again.exit_code == 0, again.output
            assert again.output.strip().splitlines()[-1] == "0 added, 0 updated, 8 unchanged"
            assert (
                rows(engine, "SELECT * FROM ai.learnings") + rows(engine, "SELECT * FROM ai.documents")
                == before
            )
        finally:
            engine.dispose()


def test_dry_run_lists_changes_and_a_bad_file_changes_nothing(
    db: DatabaseTarget, source: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "dash-export.json"
    assert dash(db, tmp_path / "a", monkeypatch, "export", str(file)).exit_code == 0
    data = json.loads(file.read_text())
    data["learnings"][0]["learning"] = "Refund rows are negative; never double count them."
    data["learnings"].append({"title": "Brand new", "learning": "Something new."})
    file.write_text(json.dumps(data))
    before = rows(source, LEARNINGS)

    dry = dash(db, tmp_path / "a", monkeypatch, "import", "--dry-run", str(file))
    assert dry.exit_code == 0, dry.output
    assert "would update learning: global/refunds are negative" in dry.output
    assert "would add learning: global/brand new" in dry.output
    assert dry.output.strip().splitlines()[-1] == "1 would be added, 1 would be updated, 7 unchanged"
    assert rows(source, LEARNINGS) == before

    data["schedules"][0]["cron"] = "not a cron"
    file.write_text(json.dumps(data))
    refused = dash(db, tmp_path / "a", monkeypatch, "import", str(file))
    assert refused.exit_code == 1 and "not a cron" in refused.output
    assert rows(source, LEARNINGS) == before, "all or nothing: the good learning changes were not applied"

    data["learnings"][0]["title"] = ""
    file.write_text(json.dumps(data))
    invalid = dash(db, tmp_path / "a", monkeypatch, "import", str(file))
    assert invalid.exit_code == 1 and "learnings[0].title" in invalid.output


def test_imported_api_keys_cannot_authenticate(
    db: DatabaseTarget, pg_server: DatabaseTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(db.service_url)
    _, key = create_key(engine, "bob", "admin")
    engine.dispose()
    file = tmp_path / "keys.json"
    assert dash(db, tmp_path / "a", monkeypatch, "export", str(file)).exit_code == 0
    with fresh_database(pg_server) as target:
        imported = dash(target, tmp_path / "b", monkeypatch, "import", str(file))
        assert "arrive revoked" in imported.output
        target_engine = create_engine(target.service_url)
        try:
            assert find_key(target_engine, key) is None
        finally:
            target_engine.dispose()
