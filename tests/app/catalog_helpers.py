"""A knowledge base with each kind of catalog entry, built through the API and the Engineer's recorder."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from agents.engineer import record_change
from db.knowledge.learnings import CreatedBy
from db.sql_guard import Catalog, check_engineer
from tests.app.api_fixtures import Api

VIEW_SQL = "CREATE VIEW dash.plan_mix AS SELECT plan, count(*) AS subscriptions FROM public.subscriptions GROUP BY plan"


def prepare_catalog(api: Api, admin_key: str) -> None:
    """Draft two table files (a person describes one) and load them, profile a third table only, and let the Engineer build a view."""
    with api.client(admin_key) as http:
        drafted = http.post("/v1/knowledge/draft", json={"tables": ["customers", "subscriptions"]})
        assert drafted.status_code == 200, drafted.text
        describe(
            api.app.state.settings.knowledge_path / "tables" / "customers.json", "One row per paying company"
        )
        assert http.post("/v1/knowledge/reload").status_code == 200
        only = http.post("/v1/knowledge/draft", json={"tables": ["invoices"], "write_files": False})
        assert only.status_code == 200, only.text
    engines = api.app.state.deps.engines
    with engines.engineer.begin() as conn:
        conn.execute(text(VIEW_SQL))
    embedder = api.app.state.deps.embedder
    decision = check_engineer(VIEW_SQL, Catalog())
    record_change(
        engines.service, embedder, decision, VIEW_SQL, "Subscriptions per plan", CreatedBy(agent="engineer")
    )


def describe(file: Path, description: str) -> None:
    """What a person does after a draft: write the table's description into its file."""
    table = json.loads(file.read_text())
    file.write_text(json.dumps(table | {"table_description": description}, indent=2))
