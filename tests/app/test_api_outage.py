"""A stream cut by a database outage says so (`database_unavailable`), not just that it stopped."""

from __future__ import annotations

import httpx

from app.main import create_app
from db.embedded import EmbeddedPostgres
from db.engines import resolve_target
from tests.app.api_fixtures import parse_sse
from tests.conftest import test_settings
from tests.fakes.model_server import FakeModelServer, text
from tests.serve import serve


def test_a_stream_cut_by_a_database_outage_ends_with_database_unavailable(
    own_server: EmbeddedPostgres,
) -> None:
    server, home = own_server, own_server.home
    with FakeModelServer() as model:
        model.script(text("Hello! " * 60, chunk_size=4, chunk_delay=0.02))  # about 2 s of answer
        settings = test_settings(home, openai_base_url=model.base_url, sse_keepalive_s=0.5)
        with serve(create_app(settings, resolve_target(settings))) as base:
            received = []
            with httpx.stream("POST", f"{base}/v1/ask", json={"message": "hi"}, timeout=30) as response:
                for event in parse_sse(response.iter_lines()):
                    if not event.comment:
                        received.append(event)
                    if event.event == "content_delta" and len(received) == 3:
                        server.stop()
    last = received[-1]
    assert (last.event, last.id) == ("error", None)
    assert last.data is not None and last.data["code"] == "database_unavailable"
    assert "database is not reachable" in last.data["message"] and "Last-Event-ID" in last.data["message"]
