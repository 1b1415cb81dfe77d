"""Your data, day one: a second, unrelated dataset loaded with `dash db load`, its knowledge drafted
and loaded, and a question over REST. The system prompts the (scripted) model receives describe that
company and the dates its data covers, measured — never the sample's company or dates. With the
sample's data and knowledge, they describe the sample's company."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from db.embeddings import local_embedder
from db.engines import DatabaseTarget
from db.knowledge.loader import load_knowledge
from db.sample.timeline import DATA_END
from tests.app.api_fixtures import Api
from tests.app.shop_data import COMPANY, write_dump
from tests.conftest import cli_settings, fresh_database, test_settings
from tests.fakes.model_server import FakeModelServer, call, text, tools
from tests.serve import serve

QUESTION = "How many orders did we get last week?"
REPO = Path(__file__).parents[2]


def systems_of_one_question(base: str, model: FakeModelServer) -> list[str]:
    """Ask over REST (Leader -> Analyst -> Leader); the system prompt of every model request."""
    model.script(
        tools(call("ask_analyst", {"question": QUESTION})),
        text("The data has no orders after its last date, so last week has none."),
        text("There is no data for last week: the orders end before it."),
    )
    with httpx.Client(base_url=base, timeout=60) as http:
        response = http.post("/v1/ask", json={"message": QUESTION, "stream": False})
    assert response.status_code == 200 and response.json()["status"] == "completed", response.text
    requests = model.chat_requests
    assert len(requests) == 3
    return [r.messages[0]["content"] for r in requests if r.messages[0]["role"] == "system"]


def dash(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def own_knowledge(folder: Path) -> Path:
    """The shop's knowledge folder: table files drafted from the live tables, and its company file."""
    drafted = dash("knowledge", "draft", "--path", str(folder))
    assert "5 table(s): 5 written" in drafted, drafted
    (folder / "company.json").write_text(json.dumps(COMPANY, indent=2))
    dash("knowledge", "validate", "--path", str(folder))  # drafts validate (undescribed: warnings)
    return folder


def test_a_second_dataset_gets_its_own_company_and_measured_coverage_in_every_system_prompt(
    pg_server: DatabaseTarget,
    pg_home: Path,
    model: FakeModelServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with fresh_database(pg_server) as target:  # no template: an empty, bootstrapped database
        with cli_settings(target, tmp_path / "home", monkeypatch):
            loaded = dash("db", "load", str(write_dump(tmp_path)))
            assert "data coverage: 5 tables and views measured" in loaded
            knowledge = own_knowledge(tmp_path / "knowledge")
            dash("knowledge", "load", "--path", str(knowledge))
        settings = test_settings(
            pg_home, openai_base_url=model.base_url, model_max_retries=0, knowledge_path=knowledge
        )
        with serve(create_app(settings, target)) as base:
            systems = systems_of_one_question(base, model)
    assert len(systems) == 3, "Leader, Analyst, Leader"
    for system in systems:
        assert "## The company\nFernwood Outfitters: Fernwood Outfitters is an online shop" in system
        assert "EUR" in system and "The fiscal year starts in July. Time zone: Europe/Dublin." in system
        assert (
            "rows, and first .. last value of each date column.\n- public.orders: 900 rows; placed_at 2022-03-"
            in system
        ), "named first"
        assert ".. 2023-09-" in system
        assert "Acme" not in system and DATA_END.isoformat() not in system
    assert "[table: orders]" in systems[1], "the drafted table files reached the Analyst"


def test_with_the_sample_data_the_system_prompts_name_the_sample_company(
    start_api: Callable[..., Api], model: FakeModelServer
) -> None:
    api = start_api()
    load_knowledge(api.engine, local_embedder(), REPO / "knowledge")
    systems = systems_of_one_question(api.base, model)
    for system in systems:
        assert "## The company\nAcme Analytics: " in system and "USD" in system
        assert f".. {DATA_END.isoformat()}" in system, "the sample's own measured end"
