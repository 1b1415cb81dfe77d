"""`/health` and `/ready` over real HTTP, with the database up and down."""

from __future__ import annotations

from pathlib import Path

import httpx

from app.main import create_app
from db.engines import DatabaseTarget
from tests.conftest import test_settings
from tests.serve import serve


def test_health_reports_database_up_and_model_not_configured(db: DatabaseTarget, pg_home: Path) -> None:
    app = create_app(test_settings(pg_home), db)
    with serve(app) as base:
        health = httpx.get(f"{base}/health")
        ready = httpx.get(f"{base}/ready")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "up"
    assert body["database"]["server_version"].startswith("18")
    assert body["model"]["configured"] is False
    assert body["embedder"] == {"name": "local:all-MiniLM-L6-v2-int8", "dimension": 384}
    assert ready.json() == {"ready": True}


def test_health_says_database_down_with_503(db: DatabaseTarget, pg_home: Path) -> None:
    app = create_app(test_settings(pg_home), db)
    with serve(app) as base:
        app.state.engines.service.dispose()
        # Point the service engine at a port nothing listens on: the database is "gone".
        from sqlalchemy import create_engine

        app.state.engines.service = create_engine(db.service_url.set(port=1))
        health = httpx.get(f"{base}/health")
        ready = httpx.get(f"{base}/ready")
    assert health.status_code == 503
    assert health.json()["database"]["status"] == "down"
    assert ready.status_code == 503


def test_unknown_route_uses_the_error_shape(db: DatabaseTarget, pg_home: Path) -> None:
    with serve(create_app(test_settings(pg_home), db)) as base:
        response = httpx.get(f"{base}/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
