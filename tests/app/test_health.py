"""`/health` and `/ready` over real HTTP, with the database up and down; the API when it is down."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
from sqlalchemy.exc import OperationalError

from app.main import create_app
from db.embedded import EmbeddedPostgres
from db.engines import DatabaseTarget, database_unreachable, resolve_target
from tests.app.api_fixtures import JWT_SECRET, answering_slowly, parse_sse, token
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


def test_database_down_is_a_503_that_says_so_everywhere(own_server: EmbeddedPostgres) -> None:
    """A real outage: Dash on its own embedded server, which is then stopped under it."""
    server, home = own_server, own_server.home
    settings = test_settings(home, openai_base_url="http://127.0.0.1:9/v1")  # never reached
    with serve(create_app(settings, resolve_target(settings))) as base:
        assert httpx.get(f"{base}/health").status_code == 200
        server.stop()
        health = httpx.get(f"{base}/health")
        ready = httpx.get(f"{base}/ready")
        sessions = httpx.get(f"{base}/v1/sessions")
        asked = httpx.post(f"{base}/v1/ask", json={"message": "MRR?", "stream": False})
        streamed = httpx.post(f"{base}/v1/ask", json={"message": "MRR?"})
    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    assert health.json()["database"]["status"] == "down"
    assert ready.status_code == 503
    for response in (sessions, asked, streamed):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        error = response.json()["error"]
        assert error["code"] == "database_unavailable"
        assert error["message"].startswith("The database is not reachable")


def test_only_an_authenticated_caller_sees_database_addresses_and_the_model_url(
    own_server: EmbeddedPostgres,
) -> None:
    """`/health` needs no auth, so the driver's error (host and port) and the model server's URL
    are kept for callers who sign in."""
    model_url = "http://models.internal.example:8001/v1"
    settings = test_settings(own_server.home, openai_base_url=model_url, jwt_secret=JWT_SECRET)
    target = resolve_target(settings)
    port = str(target.service_url.port)
    with serve(create_app(settings, target)) as base:
        signed_in = {"Authorization": f"Bearer {token('ops')}"}
        up_anonymous, up_signed_in = (
            httpx.get(f"{base}/health"),
            httpx.get(f"{base}/health", headers=signed_in),
        )
        own_server.stop()
        anonymous, known = httpx.get(f"{base}/health"), httpx.get(f"{base}/health", headers=signed_in)
    assert "base_url" not in up_anonymous.json()["model"]
    assert up_signed_in.json()["model"]["base_url"] == model_url
    assert (anonymous.status_code, known.status_code) == (503, 503)
    assert anonymous.json()["database"]["status"] == "down"
    assert (
        port not in anonymous.text
        and "127.0.0.1" not in anonymous.text
        and "models.internal" not in anonymous.text
    )
    assert port in known.json()["database"]["error"]
    assert known.json()["model"]["base_url"] == model_url


def test_what_counts_as_the_database_being_unreachable() -> None:
    refused = psycopg.OperationalError("connection failed: Connection refused")
    assert database_unreachable(refused)
    assert database_unreachable(OperationalError("SELECT 1", {}, refused))
    assert database_unreachable(psycopg.errors.AdminShutdown("terminating connection"))
    assert database_unreachable(psycopg.errors.CannotConnectNow("the database system is starting up"))
    assert not database_unreachable(psycopg.errors.QueryCanceled("statement timeout"))
    assert not database_unreachable(psycopg.errors.UndefinedTable("no such table"))
    assert not database_unreachable(ValueError("not a database error"))


def test_unknown_route_uses_the_error_shape(db: DatabaseTarget, pg_home: Path) -> None:
    with serve(create_app(test_settings(pg_home), db)) as base:
        response = httpx.get(f"{base}/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_stream_cut_off_by_the_database_ends_with_an_error_event_not_silence(
    own_server: EmbeddedPostgres,
) -> None:
    """The answer is streaming when the database goes away: the stream ends with an `error` event
    that says why and how to resume, instead of hanging or just stopping."""
    server = own_server
    with answering_slowly(server) as base:
        received = []
        with httpx.stream("POST", f"{base}/v1/ask", json={"message": "hi"}, timeout=30) as response:
            for event in parse_sse(response.iter_lines()):
                if event.comment:
                    continue
                received.append(event)
                if event.event == "content_delta" and len(received) == 3:
                    server.stop()
    assert received[0].event == "run_started"
    last = received[-1]
    assert (last.event, last.id) == ("error", None)
    assert last.data is not None and last.data["code"] in ("database_unavailable", "stream_interrupted")
    assert last.data["run_id"] == received[0].data["run_id"]  # type: ignore[index]
    assert "Last-Event-ID" in last.data["message"]
