"""How Dash learns, over real HTTP with the scripted model: proposals wait for an admin, memory stays
with its user, curation merges and archives."""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy import text as sql

from db.embeddings import local_embedder
from db.knowledge.learnings import save_learning
from tests.app.api_fixtures import Api, events
from tests.fakes.model_server import FakeModelServer, RecordedRequest, call, respond, text, tools
from tests.fakes.model_turns import Turn

SQL = "SELECT 1 AS accounts"
LEARNING = "Enterprise accounts are those with more than 500 seats."


def _ask(http: httpx.Client, question: str) -> str:
    with http.stream("POST", "/v1/ask", json={"message": question}) as response:
        assert response.status_code == 200
        seen = events(response)
    assert seen[-1].event == "run_completed", seen[-1]
    return str(seen[0].data["run_id"])  # type: ignore[index]


def _found(http: httpx.Client, query: str, kind: str) -> set[str]:
    hits = http.get("/v1/knowledge/search", params={"q": query, "kind": kind})
    assert hits.status_code == 200, hits.text
    return {h["name"] for h in hits.json()}


def _clients(api: Api) -> tuple[httpx.Client, httpx.Client, httpx.Client]:
    return (
        api.client(api.key("alice", "analyst")),
        api.client(api.key("bob", "analyst")),
        api.client(api.key("root", "admin")),
    )


def test_a_proposed_query_is_alices_alone_until_an_admin_approves_it(
    api: Api, model: FakeModelServer
) -> None:
    alice, bob, admin = _clients(api)
    query = {"name": "enterprise_accounts", "description": "Count of enterprise accounts", "sql": SQL}
    model.script(
        tools(call("ask_analyst", {"question": "How many enterprise accounts?"})),
        tools(call("run_sql", {"sql": SQL})),
        tools(call("save_validated_query", query)),
        text("1 enterprise account."),
        text("There is 1 enterprise account."),
    )
    run_id = _ask(alice, "How many enterprise accounts?")
    assert "proposed validated query" in list(model.chat_requests[3].tool_results().values())[-1]

    assert "enterprise_accounts" in _found(alice, "enterprise accounts count", "query")
    assert "enterprise_accounts" not in _found(bob, "enterprise accounts count", "query")
    assert bob.get("/v1/proposals").status_code == 403  # reviewing is for admins
    (proposal,) = admin.get("/v1/proposals").json()
    assert (proposal["item_kind"], proposal["created_by_user"], proposal["created_by_run"]) == (
        "query",
        "alice",
        run_id,
    )
    assert proposal["created_by_agent"] == "analyst" and proposal["sql"] == SQL

    approved = admin.post(f"/v1/proposals/{proposal['id']}/approve", json={"note": "checked"}).json()
    assert (approved["status"], approved["reviewed_by"], approved["note"]) == ("approved", "root", "checked")
    assert "enterprise_accounts" in _found(bob, "enterprise accounts count", "query")
    assert admin.get("/v1/proposals").json() == []


def test_a_rejected_learning_is_gone_from_everyones_search_but_kept_as_a_trace(
    api: Api, model: FakeModelServer
) -> None:
    alice, bob, admin = _clients(api)
    model.script(
        tools(call("ask_analyst", {"question": "Which accounts are enterprise?"})),
        tools(call("save_learning", {"title": "Enterprise accounts", "learning": LEARNING})),
        text("Noted."),
        text("Enterprise accounts have more than 500 seats."),
    )
    _ask(alice, "Which accounts are enterprise?")
    (proposal,) = admin.get("/v1/proposals", params={"kind": "learning"}).json()
    assert "Enterprise accounts" in _found(alice, "enterprise accounts seats", "learning")
    assert "Enterprise accounts" not in _found(bob, "enterprise accounts seats", "learning")
    item = f"/v1/learnings/{proposal['item_id']}"
    assert alice.get(item).json()["status"] == "proposed"
    assert bob.get(item).status_code == 404  # someone else's proposal, as search has it
    assert proposal["item_id"] not in {x["id"] for x in bob.get("/v1/learnings").json()}

    edited = admin.patch(
        f"/v1/proposals/{proposal['id']}", json={"learning": LEARNING + " Seats, not users."}
    )
    assert edited.json()["body"].endswith("Seats, not users.")
    admin.post(f"/v1/proposals/{proposal['id']}/approve")
    assert "Enterprise accounts" in _found(bob, "enterprise accounts seats", "learning")

    rejected = admin.post(f"/v1/proposals/{proposal['id']}/reject", json={"note": "seat counts vary"})
    assert rejected.json()["status"] == "rejected"
    for http in (alice, bob):
        assert "Enterprise accounts" not in _found(http, "enterprise accounts seats", "learning")
    trace = admin.get(f"/v1/learnings/{proposal['item_id']}").json()
    assert (trace["status"], trace["reviewed_by"], trace["created_by_user"]) == ("rejected", "root", "alice")
    assert admin.post("/v1/proposals/999999/approve").json()["error"]["code"] == "not_found"


def test_memory_is_readable_and_used_only_for_its_user(api: Api, model: FakeModelServer) -> None:
    alice, bob, _ = _clients(api)
    saved = alice.post("/v1/memory", json={"fact": "Amounts in EUR"})
    assert saved.status_code == 201
    memory_id = saved.json()["id"]
    model.script(
        tools(call("remember", {"fact": "Works on EMEA enterprise accounts"})),
        text("Noted: you work on EMEA enterprise accounts."),
    )
    run_id = _ask(alice, "I work on EMEA enterprise accounts.")
    facts = {m["fact"]: m for m in alice.get("/v1/memory").json()}
    assert set(facts) == {"Amounts in EUR", "Works on EMEA enterprise accounts"}
    assert facts["Works on EMEA enterprise accounts"]["created_by_run"] == run_id

    assert bob.get("/v1/memory").json() == []
    for method in ("GET", "DELETE"):
        assert bob.request(method, f"/v1/memory/{memory_id}").status_code == 404
    assert bob.patch(f"/v1/memory/{memory_id}", json={"fact": "mine now"}).status_code == 404

    def prompt_lacks_alices_memory(request: RecordedRequest) -> Turn:
        system = request.messages[0]["content"]
        assert "EUR" not in system and "EMEA" not in system
        return text("Hello Bob.")

    def prompt_has_alices_memory(request: RecordedRequest) -> Turn:
        system = request.messages[0]["content"]
        assert "Amounts in EUR" in system and "EMEA" in system
        return text("Hello Alice.")

    model.reset()
    model.script(respond(prompt_lacks_alices_memory), respond(prompt_has_alices_memory))
    _ask(bob, "Hello")
    _ask(alice, "Hello")
    assert model.pending == 0
    assert alice.delete(f"/v1/memory/{memory_id}").status_code == 204
    assert [m["fact"] for m in alice.get("/v1/memory").json()] == ["Works on EMEA enterprise accounts"]


def test_nightly_curation_merges_near_duplicates_and_archives_a_stale_learning(api: Api) -> None:
    _, _, admin = _clients(api)
    embedder = local_embedder()
    kept = save_learning(
        api.engine,
        embedder,
        title="Signup dates are UTC",
        learning="Customer signup dates are stored in UTC.",
    ).learning.id
    stale = save_learning(
        api.engine, embedder, title="Legacy plans", learning="Plans named legacy_* were retired long ago."
    ).learning.id
    with api.engine.begin() as conn:  # a copy saved before save-time dedup existed, and an old one
        copy = conn.execute(
            sql(
                "INSERT INTO ai.learnings (title, learning, embedding, tsv) SELECT 'Signup timezone',"
                " 'Customer signup dates are stored in UTC time.', embedding, tsv FROM ai.learnings"
                " WHERE id = :id RETURNING id"
            ),
            {"id": kept},
        ).scalar_one()
        conn.execute(
            sql(
                "UPDATE ai.learnings SET created_at = now() - interval '200 days', updated_at = created_at - interval '200 days' WHERE id = :id"
            ),
            {"id": stale},
        )
    (schedule,) = [s for s in admin.get("/v1/schedules").json() if s["name"] == "learning-curation"]
    assert schedule["cron"] == "30 4 * * *"
    assert admin.post(f"/v1/schedules/{schedule['id']}/run").status_code == 202
    run = _finished(admin, schedule["id"])
    assert run["status"] == "succeeded", run
    assert (run["output"]["merged"], run["output"]["archived"]) == (1, 1)

    merged, archived = (admin.get(f"/v1/learnings/{i}").json() for i in (copy, stale))
    assert (merged["status"], merged["merged_into"]) == ("merged", kept)
    assert archived["status"] == "archived"
    (report,) = admin.get(f"/v1/schedules/{schedule['id']}/reports").json()
    assert f"merged learning #{copy} into #{kept}" in report["body"]
    assert f"archived learning #{stale}" in report["body"]


def _finished(http: httpx.Client, schedule_id: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = http.get(f"/v1/schedules/{schedule_id}/runs").json()
        if runs and runs[0]["status"] not in ("running", "queued"):
            return dict(runs[0])
        time.sleep(0.2)
    raise AssertionError("the curation run did not finish")
