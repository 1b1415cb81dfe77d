"""Per-user isolation: another user's session or run is a 404 everywhere, never a leak."""

from __future__ import annotations

from tests.app.api_fixtures import Api, events
from tests.fakes.model_server import FakeModelServer, text


def _ask(api: Api, key: str) -> dict[str, str]:
    with api.client(key) as http:
        response = http.post("/v1/ask", json={"message": "What is MRR?", "stream": False})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_user_a_cannot_read_delete_cancel_or_stream_user_b_sessions_and_runs(
    api: Api, model: FakeModelServer
) -> None:
    alice, bob = api.key("alice"), api.key("bob")
    model.script(text("Bob's answer."))
    theirs = _ask(api, bob)
    session, run = theirs["session_id"], theirs["run_id"]
    with api.client(alice) as http:
        attempts = {
            "read session": http.get(f"/v1/sessions/{session}"),
            "delete session": http.delete(f"/v1/sessions/{session}"),
            "read run": http.get(f"/v1/runs/{run}"),
            "cancel run": http.post(f"/v1/runs/{run}/cancel"),
            "stream run": http.get(f"/v1/runs/{run}/events"),
        }
        listed = http.get("/v1/sessions").json()["items"]
        reuse = http.post("/v1/ask", json={"message": "hi", "session_id": session, "stream": False})
    for what, response in attempts.items():
        assert response.status_code == 404, f"{what}: {response.status_code}"
        assert response.json()["error"]["code"] == "not_found"
        assert "Bob" not in response.text
    assert listed == []
    assert reuse.status_code == 409  # the id is taken; the session's content is not revealed
    with api.client(bob) as http:
        assert http.get(f"/v1/sessions/{session}").json()["messages"][1]["content"] == "Bob's answer."


def test_a_user_reads_pages_and_deletes_their_own_sessions(api: Api, model: FakeModelServer) -> None:
    alice = api.key("alice")
    model.script(text("One."), text("Two."), text("Three."))
    made = [_ask(api, alice)["session_id"] for _ in range(3)]
    with api.client(alice) as http:
        first = http.get("/v1/sessions", params={"limit": 2}).json()
        second = http.get("/v1/sessions", params={"limit": 2, "cursor": first["next_cursor"]}).json()
        assert second["next_cursor"] is None
        listed = [s["id"] for s in first["items"] + second["items"]]
        assert sorted(listed) == sorted(made)
        assert http.delete(f"/v1/sessions/{made[0]}").status_code == 204
        assert http.get(f"/v1/sessions/{made[0]}").status_code == 404
        with http.stream("GET", f"/v1/runs/{_run_of(http, made[1])}/events") as replay:
            assert events(replay)[-1].event == "run_completed"


def _run_of(http: object, session_id: str) -> str:
    detail = http.get(f"/v1/sessions/{session_id}").json()  # type: ignore[attr-defined]
    return str(detail["runs"][0]["id"])
