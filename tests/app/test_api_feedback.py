"""Feedback over REST: 👍 proposes the SQL, 👎 with a comment becomes the user's learning, which the
next session uses; only your own runs; the data team lists and filters it."""

from __future__ import annotations

import json
import time

from db.store import Store
from tests.app.api_fixtures import Api
from tests.fakes.model_server import FakeModelServer, call, error, text, tools

SQL = "SELECT 100 AS revenue"
QUESTION = "What was revenue last month?"
RULE = "Revenue must exclude refunded invoices."


def _answer_with_sql(
    api: Api, key: str, model: FakeModelServer, session: str | None = None
) -> dict[str, str]:
    model.script(
        tools(call("ask_analyst", {"question": QUESTION})),
        tools(call("run_sql", {"sql": SQL, "purpose": "revenue"})),
        text("Revenue was 100."),
        text("Revenue last month was **100**."),
    )
    body = {"message": QUESTION, "stream": False, **({"session_id": session} if session else {})}
    with api.client(key) as http:
        response = http.post("/v1/ask", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_thumbs_up_proposes_the_sql_for_its_author_until_an_admin_approves_it(
    api: Api, model: FakeModelServer
) -> None:
    alice, bob = api.key("alice", "analyst"), api.key("bob", "analyst")
    run = _answer_with_sql(api, alice, model)["run_id"]
    with api.client(bob) as http:
        theirs = http.post(f"/v1/runs/{run}/feedback", json={"rating": "up"})
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "not_found"
    with api.client(alice) as http:
        response = http.post(f"/v1/runs/{run}/feedback", json={"rating": "up"})
    assert response.status_code == 200, response.text
    feedback = response.json()["feedback"]
    assert feedback["rating"] == "up" and feedback["sql"] == [SQL] and feedback["user_id"] == "alice"
    assert _found_by(api, alice) and not _found_by(api, bob)  # proposed: only its author finds it
    with api.client(api.key("root", "admin")) as http:
        proposal = http.get(f"/v1/proposals/{feedback['proposal_id']}").json()
        assert proposal["sql"] == SQL and proposal["created_by_run"] == run
        assert http.post(f"/v1/proposals/{feedback['proposal_id']}/approve").status_code == 200
    assert _found_by(api, bob)  # approved: live for everyone


def _found_by(api: Api, key: str) -> bool:
    with api.client(key) as http:
        hits = http.get("/v1/knowledge/search", params={"q": QUESTION, "kind": "query"}).json()
    return any(SQL in json.dumps(h) for h in hits)


def test_a_thumbs_down_with_a_comment_becomes_a_learning_used_in_the_next_session(
    api: Api, model: FakeModelServer
) -> None:
    alice = api.key("alice")
    first = _answer_with_sql(api, alice, model)
    model.reset()
    model.script(
        text(json.dumps({"correction": True, "title": "Revenue excludes refunds", "learning": RULE}))
    )
    with api.client(alice) as http:
        response = http.post(
            f"/v1/runs/{first['run_id']}/feedback",
            json={"rating": "down", "comment": "no, refunds must be out"},
        )
    assert response.status_code == 200, response.text
    learning = response.json()["learning"]
    assert learning["learning"] == RULE and learning["namespace"] == "user:alice"
    assert (learning["created_by_agent"], learning["created_by_user"], learning["created_by_run"]) == (
        "corrections",
        "alice",
        first["run_id"],
    )
    prompt = model.chat_requests[0].messages[-1]["content"]  # the fixed prompt carries the whole case
    assert QUESTION in prompt and SQL in prompt and "refunds must be out" in prompt

    model.reset()
    _answer_with_sql(api, alice, model)  # a new session: the learning is in the Analyst's context
    assert any(RULE in str(r.messages) for r in model.chat_requests)


def test_when_the_model_fails_the_correction_is_kept_in_the_users_words(
    api: Api, model: FakeModelServer
) -> None:
    alice = api.key("alice")
    run = _answer_with_sql(api, alice, model)["run_id"]
    model.reset()
    model.script(error(500))
    with api.client(alice) as http:
        body = http.post(
            f"/v1/runs/{run}/feedback", json={"rating": "down", "comment": "refunds must be out"}
        ).json()
    assert "refunds must be out" in body["learning"]["learning"] and body["feedback"]["learning_id"]


def test_reask_answers_the_same_question_again_in_the_same_session(api: Api, model: FakeModelServer) -> None:
    alice = api.key("alice")
    first = _answer_with_sql(api, alice, model)
    model.reset()
    model.script(text(json.dumps({"correction": False})), text("Revenue, again: 90."))
    with api.client(alice) as http:
        body = http.post(
            f"/v1/runs/{first['run_id']}/feedback", json={"rating": "down", "comment": "slow", "reask": True}
        ).json()
        assert body["learning"] is None  # the model found no correction in "slow"
        assert body["reask"]["session_id"] == first["session_id"]
        run = _finished(http, body["reask"]["run_id"])
    assert run["question"] == QUESTION and run["answer"] == "Revenue, again: 90."


def test_the_data_team_lists_and_filters_feedback_and_viewers_may_not(
    api: Api, model: FakeModelServer
) -> None:
    alice, bob = api.key("alice"), api.key("bob")
    runs = {who: _answer_with_sql(api, key, model)["run_id"] for who, key in (("alice", alice), ("bob", bob))}
    for who, key, rating in (("alice", alice, "up"), ("bob", bob, "down")):
        with api.client(key) as http:
            assert http.post(f"/v1/runs/{runs[who]}/feedback", json={"rating": rating}).status_code == 200
    with api.client(api.key("dana", "analyst")) as http:
        everything = http.get("/v1/feedback").json()
        downs = http.get("/v1/feedback", params={"rating": "down"}).json()
        alices = http.get("/v1/feedback", params={"user": "alice", "since": "2020-01-01T00:00:00Z"}).json()
        future = http.get("/v1/feedback", params={"since": "2999-01-01T00:00:00Z"}).json()
        bad = http.get("/v1/feedback", params={"rating": "meh"})
    assert [f["user_id"] for f in everything] == ["bob", "alice"]
    assert [f["run_id"] for f in downs] == [runs["bob"]]
    assert [f["rating"] for f in alices] == ["up"] and future == []
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    with api.client(alice) as http:
        assert http.get("/v1/feedback").status_code == 403


def test_a_run_still_answering_cannot_be_rated_yet(api: Api) -> None:
    store = Store(api.engine)
    store.create_or_get_session("alice", "still-running")
    run = store.start_run("alice", "still-running", QUESTION)  # a run some process is driving
    with api.client(api.key("alice")) as http:
        response = http.post(f"/v1/runs/{run.id}/feedback", json={"rating": "up"})
    assert response.status_code == 409 and "no answer yet" in response.json()["error"]["message"]


def _finished(http: object, run_id: str) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run = http.get(f"/v1/runs/{run_id}").json()  # type: ignore[attr-defined]
        if run["finished_at"]:
            return run  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the re-asked run did not finish")
