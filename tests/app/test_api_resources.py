"""Runs (cancel, keep-alive), learnings and the audit log over real HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from db.audit import Submission, begin
from db.embeddings import local_embedder
from db.knowledge.learnings import save_learning
from tests.app.api_fixtures import Api, parse_sse
from tests.fakes.model_server import FakeModelServer, text

SLOW = "This answer takes a while to arrive, one letter at a time."


def test_cancelling_a_live_run_ends_it_cancelled(api: Api, model: FakeModelServer) -> None:
    model.script(text(SLOW, chunk_size=1, chunk_delay=0.2))
    with api.client() as http, http.stream("POST", "/v1/ask", json={"message": "Slow?"}) as response:
        lines = response.iter_lines()
        started = next(e for e in parse_sse(lines) if not e.comment)
        run_id = started.data["run_id"]  # type: ignore[index]
        assert http.post(f"/v1/runs/{run_id}/cancel").status_code == 202
        rest = [e for e in parse_sse(lines) if not e.comment]
        run = http.get(f"/v1/runs/{run_id}").json()
    assert rest[-1].event == "run_cancelled"
    assert run["status"] == "cancelled"


def test_a_run_driven_by_another_replica_is_followed_through_the_store(
    start_api: Any, model: FakeModelServer
) -> None:
    model.script(text(SLOW, chunk_size=4, chunk_delay=0.1))
    asking, following = start_api(), start_api()  # two Dash processes on one database
    with asking.client() as http, http.stream("POST", "/v1/ask", json={"message": "Slow?"}) as response:
        started = next(e for e in parse_sse(response.iter_lines()) if not e.comment)
        run_id = started.data["run_id"]  # type: ignore[index]
        with following.client() as other, other.stream("GET", f"/v1/runs/{run_id}/events") as followed:
            seen = [e for e in parse_sse(followed.iter_lines()) if not e.comment]
    assert seen[0].id == started.id and seen[-1].event == "run_completed"
    assert "".join(e.data["text"] for e in seen if e.event == "content_delta") == SLOW  # type: ignore[index]


def test_an_idle_stream_sends_keep_alive_comments(start_api: Any, model: FakeModelServer) -> None:
    from tests.fakes.model_server import delay

    api = start_api(sse_keepalive_s=0.2)
    model.script(delay(1.0, text("Finally.")))
    with api.client() as http, http.stream("POST", "/v1/ask", json={"message": "Slow?"}) as response:
        received = list(parse_sse(response.iter_lines()))
    assert any(e.comment for e in received)
    assert [e for e in received if not e.comment][-1].event == "run_completed"


def _learning(engine: Engine, title: str, namespace: str) -> int:
    saved = save_learning(engine, local_embedder(), title=title, learning=f"{title}.", namespace=namespace)
    return saved.learning.id


def test_learnings_are_scoped_and_only_admins_change_them(api: Api) -> None:
    shared = _learning(api.engine, "Revenue excludes refunds", "global")
    own = _learning(api.engine, "Alice prefers EUR", "user:alice")
    bobs = _learning(api.engine, "Bob's fiscal year starts in April", "user:bob")
    analyst, admin = api.key("alice", "analyst"), api.key("alice", "admin")
    with api.client(analyst) as http:
        visible = {item["id"] for item in http.get("/v1/learnings").json()}
        assert visible == {shared, own}
        assert http.get(f"/v1/learnings/{bobs}").status_code == 404
        assert http.patch(f"/v1/learnings/{own}", json={"title": "x"}).status_code == 403
    with api.client(admin) as http:
        edited = http.patch(f"/v1/learnings/{own}", json={"learning": "Alice reports in EUR."})
        assert edited.status_code == 200 and edited.json()["learning"] == "Alice reports in EUR."
        assert http.delete(f"/v1/learnings/{bobs}").status_code == 404
        assert http.delete(f"/v1/learnings/{own}").status_code == 204
        assert http.get(f"/v1/learnings/{own}").status_code == 404


def test_the_audit_log_filters_and_pages(api: Api) -> None:
    for user, decision in [
        ("alice", "allowed"),
        ("alice", "refused"),
        ("bob", "refused"),
        ("alice", "refused"),
    ]:
        begin(api.engine, Submission("analyst", "SELECT 1", decision, user_id=user), finished=True)
    with api.client(api.key("root", "admin")) as http:
        first = http.get("/v1/audit", params={"user": "alice", "decision": "refused", "limit": 1}).json()
        second = http.get(
            "/v1/audit", params={"user": "alice", "decision": "refused", "cursor": first["next_cursor"]}
        )
        everything = http.get("/v1/audit").json()["items"]
    rows = first["items"] + second.json()["items"]
    assert [(r["user_id"], r["decision"]) for r in rows] == [("alice", "refused")] * 2
    assert second.json()["next_cursor"] is None
    assert len(everything) == 4 and everything[0]["id"] > everything[-1]["id"]


def test_knowledge_search_and_validate(api: Api) -> None:
    with api.client(api.key("ann", "analyst")) as http:
        search = http.get("/v1/knowledge/search", params={"q": "revenue", "kind": "nonsense"})
        validation = http.post("/v1/knowledge/validate").json()
        hits = http.get("/v1/knowledge/search", params={"q": "revenue"})
    assert search.status_code == 422 and "nonsense" in search.json()["error"]["message"]
    assert validation["valid"] is True and validation["problems"] == []
    assert hits.status_code == 200 and isinstance(hits.json(), list)
