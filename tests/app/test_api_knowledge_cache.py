"""A knowledge load over REST or from the CLI reaches the very next question's system prompts.

The service keeps shared knowledge (table lists, rules, company, coverage) in memory between
questions; a load anywhere moves the knowledge version, so nothing stale is ever answered from.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from db.embeddings import local_embedder
from db.engines import DatabaseTarget
from db.knowledge.loader import load_knowledge
from tests.app.api_fixtures import Api
from tests.app.test_api_own_data import REPO, dash, systems_of_one_question
from tests.conftest import cli_settings
from tests.fakes.model_server import FakeModelServer

SHIPMENTS = {
    "table_name": "shipments",
    "table_description": "One row per parcel sent to a customer.",
    "use_cases": ["Parcels sent per month"],
    "data_quality_notes": [],
    "table_columns": [{"name": "shipment_id", "type": "integer", "description": "Primary key."}],
}


def test_a_reload_and_a_cli_load_show_in_the_next_questions_system_prompts(
    db: DatabaseTarget,
    start_api: Callable[..., Api],
    model: FakeModelServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = shutil.copytree(REPO / "knowledge", tmp_path / "knowledge")
    api = start_api(knowledge_path=folder)
    load_knowledge(api.engine, local_embedder(), folder)
    analyst = systems_of_one_question(api.base, model)[1]
    assert "- customers: " in analyst and "- shipments: " not in analyst

    (folder / "tables" / "shipments.json").write_text(json.dumps(SHIPMENTS))
    with httpx.Client(base_url=api.base, timeout=60) as http:
        assert http.post("/v1/knowledge/reload").status_code == 200
    model.reset()
    second = systems_of_one_question(api.base, model)[1]
    assert "- shipments: Table shipments: One row per parcel sent to a customer." in second

    company = folder / "company.json"
    company.write_text(company.read_text().replace('"Acme Analytics"', '"Acme Analytics GmbH"', 1))
    with cli_settings(db, tmp_path / "home", monkeypatch):
        dash("knowledge", "load", "--path", str(folder))
    model.reset()
    for system in systems_of_one_question(api.base, model):
        assert "## The company\nAcme Analytics GmbH: " in system
