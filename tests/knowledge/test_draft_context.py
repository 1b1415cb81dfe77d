"""Drafted profiles reach the agents: retrieved table documents carry keys, joins, values and date
ranges; the stored profile (refreshed after loads and nightly) wins over the file's; the CLI commands
and `--describe` work as an operator runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

from agents.describe import make_describer
from app.cli import cli
from db.embeddings import LocalEmbedder
from db.engines import DatabaseTarget
from db.knowledge.draft import draft_knowledge
from db.knowledge.files import read_knowledge
from db.knowledge.loader import load_knowledge
from db.knowledge.profile_store import refresh_profiles
from db.knowledge.search import search
from tests.app.scheduler_helpers import (
    YEARLY,
    MovableClock,
    add,
    eventually,
    finished_runs,
    make_scheduler,
    run,
)
from tests.conftest import cli_settings, connect, test_settings
from tests.fakes.model_server import FakeModelServer, respond
from tests.fakes.model_turns import Turn
from tests.fakes.model_turns import text as reply

REPO = Path(__file__).parents[2]


@pytest.fixture
def engines(db: DatabaseTarget) -> Iterator[tuple[Engine, Engine]]:
    analyst, service = create_engine(db.analyst_url, pool_size=2), create_engine(db.service_url, pool_size=2)
    yield analyst, service
    analyst.dispose()
    service.dispose()


def test_a_retrieved_table_shows_keys_joins_real_values_and_date_coverage(
    engines: tuple[Engine, Engine], embedder: LocalEmbedder, tmp_path: Path
) -> None:
    analyst, service = engines
    draft_knowledge(analyst, tmp_path, tables=["invoices", "customers"], store=service)
    load_knowledge(service, embedder, tmp_path)
    (hit,) = search(service, embedder, "invoices paid failed refunded", kinds=["table"], limit=1)
    assert hit.name == "invoices"
    assert "Primary key: invoice_id" in hit.content
    assert "customer_id -> customers.customer_id" in hit.content
    assert "- status (text) [values: 'paid', 'failed', 'pending', 'refunded']" in hit.content
    assert "- invoice_date (date) [range 2024-01-31 to 2025-12-31]" in hit.content
    assert "4,079 rows" in hit.content


def test_the_stored_profile_is_fresher_than_the_file(
    db: DatabaseTarget, engines: tuple[Engine, Engine], embedder: LocalEmbedder, tmp_path: Path
) -> None:
    analyst, service = engines
    draft_knowledge(analyst, tmp_path, tables=["support_tickets"], store=service)
    with connect(db, "admin", autocommit=True) as conn:
        conn.execute("UPDATE support_tickets SET channel = 'carrier pigeon' WHERE ticket_id = 1")
    refresh_profiles(
        analyst, service, tables=["support_tickets"]
    )  # what `dash db load` and the nightly task do
    load_knowledge(service, embedder, tmp_path)
    with service.connect() as conn:
        content = conn.execute(
            text("SELECT content FROM ai.documents WHERE name = 'support_tickets'")
        ).scalar_one()
    assert "'carrier pigeon'" in content
    assert "carrier pigeon" not in (tmp_path / "tables" / "support_tickets.json").read_text()


def test_cli_draft_prints_a_line_per_table_and_db_load_refreshes_profiles(
    db: DatabaseTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli_settings(db, tmp_path / "home", monkeypatch):
        args = [
            "knowledge",
            "draft",
            "--path",
            str(tmp_path / "kb"),
            "--table",
            "customers",
            "--table",
            "invoices",
        ]
        first = CliRunner().invoke(cli, args)
        assert first.exit_code == 0, first.output
        assert "written    customers -> tables/customers.json" in first.output
        assert "2 table(s): 2 written, 0 refreshed, 0 unchanged" in first.output
        second = CliRunner().invoke(cli, args)
        assert "2 table(s): 0 written, 0 refreshed, 2 unchanged" in second.output
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        no_model = CliRunner().invoke(cli, [*args, "--describe"])
        assert no_model.exit_code == 1 and "--describe needs a model" in no_model.output
        csv = tmp_path / "deals.csv"
        csv.write_text("deal_id,stage,amount\n1,won,10.5\n2,lost,3\n3,won,7\n")
        loaded = CliRunner().invoke(cli, ["db", "load", str(csv), "--table", "deals"])
        assert loaded.exit_code == 0, loaded.output
        assert "profiles refreshed for 7 table(s)" in loaded.output
    with connect(db, "service") as conn:
        profile = conn.execute("SELECT profile FROM ai.table_profiles WHERE table_name = 'deals'").fetchone()
    assert profile is not None and profile[0]["columns"]["stage"]["values"] == ["won", "lost"]


def test_describe_fills_only_empty_descriptions_and_marks_them_drafted(
    engines: tuple[Engine, Engine], model_server: FakeModelServer, pg_home: Path, tmp_path: Path
) -> None:
    analyst, _ = engines
    draft_knowledge(analyst, tmp_path, tables=["plan_changes"])
    file = tmp_path / "tables" / "plan_changes.json"
    value = json.loads(file.read_text())
    value["table_columns"][0]["description"] = "Written by a person."
    file.write_text(json.dumps(value))

    def answer(request: object) -> Turn:
        prompt = request.messages[-1]["content"]  # type: ignore[attr-defined]
        assert "change_type (text)" in prompt and "upgrade" in prompt  # measured values inform the model
        proposal = {
            "table_description": "One row per plan change.",
            "columns": {"change_id": "x", "to_plan": "New plan."},
        }
        return reply("Here you go:\n```json\n" + json.dumps(proposal) + "\n```")

    model_server.script(respond(answer))
    settings = test_settings(pg_home, openai_base_url=model_server.base_url, model_max_retries=0)
    report = draft_knowledge(analyst, tmp_path, tables=["plan_changes"], describe=make_describer(settings))
    assert report.tables[0].status == "refreshed"
    value = json.loads(file.read_text())
    assert value["table_description"] == "One row per plan change."
    assert value["table_columns"][0]["description"] == "Written by a person."
    assert value["drafted"] == ["table_description", "table_columns.to_plan.description"]
    warnings = [str(w) for w in read_knowledge(tmp_path).warnings]
    assert any("table_columns.to_plan.description was drafted by a model" in w for w in warnings)


def test_the_nightly_knowledge_refresh_measures_the_tables_again(db: DatabaseTarget, pg_home: Path) -> None:

    scheduler = make_scheduler(db, pg_home, MovableClock(), knowledge_path=REPO / "knowledge")

    async def test() -> None:
        refresh = add(scheduler, "refresh", YEARLY, "knowledge_refresh", {})
        await scheduler.run_now(refresh, "admin")
        (done,) = await eventually(finished_runs(scheduler, refresh.id), timeout_s=240)
        assert done.status == "succeeded", done.error
        assert done.output["profiled"] == 6

    run(test, scheduler)
    with connect(db, "service") as conn:
        content = conn.execute("SELECT content FROM ai.documents WHERE name = 'subscriptions'").fetchone()
    assert content is not None and "[values: 'monthly', 'annual']" in content[0]
