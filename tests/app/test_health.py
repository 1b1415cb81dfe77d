"""`/health` and `/ready` over real HTTP, with the database up and down."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx

from app.main import create_app
from db.embedded import EmbeddedPostgres
from db.engines import DatabaseTarget, resolve_target
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


def test_health_says_database_down_with_503() -> None:
    """A real outage: Dash on its own embedded server, which is then stopped under it."""
    home = Path(tempfile.mkdtemp(prefix="dash-h-", dir="/tmp"))
    os.chmod(home, 0o755)
    server = EmbeddedPostgres(home, fast_unsafe=True)
    try:
        settings = test_settings(home)
        with serve(create_app(settings, resolve_target(settings))) as base:
            assert httpx.get(f"{base}/health").status_code == 200
            server.stop()
            health = httpx.get(f"{base}/health")
            ready = httpx.get(f"{base}/ready")
    finally:
        server.destroy()
    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    assert health.json()["database"]["status"] == "down"
    assert ready.status_code == 503


def test_unknown_route_uses_the_error_shape(db: DatabaseTarget, pg_home: Path) -> None:
    with serve(create_app(test_settings(pg_home), db)) as base:
        response = httpx.get(f"{base}/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
