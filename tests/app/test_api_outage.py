"""A stream cut by a database outage says so (`database_unavailable`), not just that it stopped."""

from __future__ import annotations

import httpx

from db.embedded import EmbeddedPostgres
from tests.app.api_fixtures import answering_slowly, parse_sse


def test_a_stream_cut_by_a_database_outage_ends_with_database_unavailable(
    own_server: EmbeddedPostgres,
) -> None:
    server = own_server
    with answering_slowly(server) as base:
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
