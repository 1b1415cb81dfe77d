"""A knowledge base with each kind of catalog entry, built through the API and the Engineer's recorder."""

from __future__ import annotations

from sqlalchemy import text

from agents.engineer import record_object
from db.knowledge.learnings import CreatedBy
from tests.app.api_fixtures import Api

VIEW_SQL = "CREATE VIEW dash.plan_mix AS SELECT plan, count(*) AS subscriptions FROM public.subscriptions GROUP BY plan"


def prepare_catalog(api: Api, admin_key: str) -> None:
    """Draft two table files and load them, profile a third table only, and let the Engineer build a view."""
    with api.client(admin_key) as http:
        drafted = http.post("/v1/knowledge/draft", json={"tables": ["customers", "subscriptions"]})
        assert drafted.status_code == 200, drafted.text
        assert http.post("/v1/knowledge/reload").status_code == 200
        only = http.post("/v1/knowledge/draft", json={"tables": ["invoices"], "write_files": False})
        assert only.status_code == 200, only.text
    engines = api.app.state.deps.engines
    with engines.engineer.begin() as conn:
        conn.execute(text(VIEW_SQL))
    embedder = api.app.state.deps.embedder
    record_object(engines.service, embedder, VIEW_SQL, "Subscriptions per plan", CreatedBy(agent="engineer"))
