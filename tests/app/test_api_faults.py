"""Faults and bad input an outside probe found in the REST API (issue 14): each answered with a
clear status in the one error shape, and nothing half-stored."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pytest

from tests.app.api_fixtures import Api, events, parse_sse
from tests.fakes.model_server import FakeModelServer, text

ANSWER = "Monthly recurring revenue was 42 thousand dollars."
SLOW = "This answer takes a while to arrive, one letter at a time."


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "detail"} and error["code"] == code and error["message"]
    return error  # type: ignore[no-any-return]


def _asked(http: httpx.Client) -> dict[str, Any]:
    response = http.post("/v1/ask", json={"message": "What is MRR?", "stream": False})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_resuming_a_finished_run_at_or_past_its_last_event_just_ends(
    api: Api, model: FakeModelServer
) -> None:
    model.script(text(ANSWER))
    with api.client() as http:
        done = _asked(http)
        url = f"/v1/runs/{done['run_id']}/events"
        for last_seen in (done["last_event_id"], done["last_event_id"] + 1000):
            with http.stream("GET", url, headers={"Last-Event-ID": str(last_seen)}) as resumed:
                assert events(resumed) == []  # no `error` telling an EventSource to come back
        with http.stream("GET", url, params={"after": done["last_event_id"]}) as resumed:
            assert events(resumed) == []
        with http.stream("GET", url) as replay:
            assert events(replay)[-1].event == "run_completed"


@pytest.mark.parametrize("header", ["²".encode("latin-1"), b"1e3", b"-1", b"12 13", b"99999999999999999999"])
def test_a_malformed_last_event_id_is_422_never_500(api: Api, model: FakeModelServer, header: bytes) -> None:
    model.script(text(ANSWER))
    with api.client() as http:
        run_id = _asked(http)["run_id"]
        response = http.get(f"/v1/runs/{run_id}/events", headers={"Last-Event-ID": header})
    assert "last-event-id" in str(_error(response, 422, "invalid_input")["detail"])


def test_a_refused_question_leaves_no_session_behind(api: Api, model: FakeModelServer) -> None:
    with api.client() as http:
        nul = http.post("/v1/ask", json={"message": "What is\x00 MRR?", "stream": False})
        named = http.post("/v1/ask", json={"message": "a\x00b", "session_id": "mine", "stream": False})
        blank = http.post("/v1/ask", json={"message": " \n\t ", "session_id": "mine", "stream": False})
        sessions = http.get("/v1/sessions").json()["items"]
        mine = http.get("/v1/sessions/mine")
    _error(nul, 422, "invalid_input")
    _error(named, 422, "invalid_input")
    assert _error(blank, 422, "invalid_input")["detail"]["reason"] == "empty"
    assert sessions == [] and mine.status_code == 404
    assert model.chat_requests == []


@pytest.mark.parametrize("session_id", ["slack:T1:C1:100.0001", "slack:T1:C1:100.0001:U1"])
def test_rest_cannot_take_a_slack_threads_session(api: Api, model: FakeModelServer, session_id: str) -> None:
    with api.client() as http:
        response = http.post("/v1/ask", json={"message": "hi", "session_id": session_id, "stream": False})
        sessions = http.get("/v1/sessions").json()["items"]
    error = _error(response, 422, "invalid_input")
    assert "session_id" in error["message"] and "Slack" in error["message"]
    assert sessions == [] and model.chat_requests == []


def test_one_length_cap_from_its_setting(start_api: Any, model: FakeModelServer) -> None:
    api = start_api(question_max_chars=100)
    model.script(text(ANSWER))
    with api.client() as http:
        too_long = http.post("/v1/ask", json={"message": "x" * 101, "stream": False})
        at_the_cap = http.post("/v1/ask", json={"message": "y" * 100, "stream": False})
    error = _error(too_long, 422, "invalid_input")
    assert "QUESTION_MAX_CHARS" in error["message"] and error["detail"]["reason"] == "too_long"
    assert at_the_cap.status_code == 200, at_the_cap.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "hi", "stream": False, "sesion_id": "typo"}, "sesion_id"),
        ({"message": "hi", "stream": "yes"}, "stream"),
        ({"message": "hi", "stream": 1}, "stream"),
        ({"message": 42, "stream": False}, "message"),
    ],
)
def test_unknown_fields_and_loose_types_are_refused(
    api: Api, model: FakeModelServer, body: dict[str, Any], field: str
) -> None:
    with api.client() as http:
        response = http.post("/v1/ask", json=body)
    assert f"body.{field}" in _error(response, 422, "invalid_input")["message"]
    assert model.chat_requests == []


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"message": "caf\xe9", "stream": false}', "UTF-8"),
        (b'{"message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
    ],
)
def test_unreadable_json_is_422_in_the_error_shape(api: Api, raw: bytes, why: str) -> None:
    with api.client() as http:
        response = http.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert why in _error(response, 422, "invalid_input")["message"]


def test_a_users_cancel_is_recorded_as_cancelled_on_request(api: Api, model: FakeModelServer) -> None:
    model.script(text(SLOW, chunk_size=1, chunk_delay=0.2))
    with api.client() as http, http.stream("POST", "/v1/ask", json={"message": "Slow?"}) as response:
        lines = response.iter_lines()
        run_id = next(e for e in parse_sse(lines) if not e.comment).data["run_id"]  # type: ignore[index]
        assert http.post(f"/v1/runs/{run_id}/cancel").status_code == 202
        final = [e for e in parse_sse(lines) if not e.comment][-1]
        run = http.get(f"/v1/runs/{run_id}").json()
    assert (final.event, final.data["reason"]) == ("run_cancelled", "Cancelled on request.")  # type: ignore[index]
    assert run["status"] == "cancelled"


def test_deleting_a_session_mid_run_cancels_the_run_quietly(
    api: Api, model: FakeModelServer, caplog: pytest.LogCaptureFixture
) -> None:
    model.script(text(SLOW, chunk_size=1, chunk_delay=0.2))  # about 12 s of answer
    caplog.set_level(logging.WARNING)
    with api.client() as http, http.stream("POST", "/v1/ask", json={"message": "Slow?"}) as response:
        lines = response.iter_lines()
        started = next(e for e in parse_sse(lines) if not e.comment).data
        assert started is not None
        asked = time.monotonic()
        assert http.delete(f"/v1/sessions/{started['session_id']}").status_code == 204
        final = [e for e in parse_sse(lines) if not e.comment][-1]
        took = time.monotonic() - asked
        gone = http.get(f"/v1/runs/{started['run_id']}")
    assert (final.event, final.data["code"]) == ("error", "run_deleted")  # type: ignore[index]
    assert took < 8, f"the run went on for {took:.1f} s after its session was deleted"
    assert gone.status_code == 404
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback for a deleted run"


def _run_in(api: Api, session_id: str, n: int) -> str:
    """A completed run with a question, an answer and a trace, stored directly."""
    run = api.app.state.store.open_run("local", session_id, f"question {n}")
    store = api.app.state.store
    store.append_event(run.id, "run_started", {"run_id": run.id, "session_id": session_id})
    store.mark_run_completed(run.id, f"answer {n}", final_event=("run_completed", {"answer": f"answer {n}"}))
    return run.id  # type: ignore[no-any-return]


def test_the_session_detail_pages_its_runs_latest_first_page_by_page(api: Api) -> None:
    ids = [_run_in(api, "long", n) for n in range(5)]
    pages, cursor = [], None
    with api.client() as http:
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = http.get("/v1/sessions/long", params=params)
            assert page.status_code == 200, page.text
            pages.append(page.json())
            if (cursor := page.json()["next_cursor"]) is None:
                break
        default = http.get("/v1/sessions/long").json()
    assert [[r["id"] for r in p["runs"]] for p in pages] == [ids[3:5], ids[1:3], ids[0:1]]
    assert [m["content"] for m in pages[0]["messages"]] == [
        "question 3",
        "answer 3",
        "question 4",
        "answer 4",
    ]
    assert [e["type"] for e in pages[0]["runs"][0]["events"]] == ["run_started", "run_completed"]
    assert [r["id"] for r in default["runs"]] == ids and default["next_cursor"] is None


def test_a_user_over_the_concurrent_run_limit_gets_429_with_retry_after(
    start_api: Any, model: FakeModelServer
) -> None:
    api = start_api(user_max_active_runs=1)
    alice, bob = api.key("alice"), api.key("bob")
    model.script(text(SLOW, chunk_size=1, chunk_delay=0.1), text(ANSWER))
    with api.client(alice) as http, http.stream("POST", "/v1/ask", json={"message": "Slow?"}) as first:
        next(e for e in parse_sse(first.iter_lines()) if not e.comment)  # alice's first run is going
        second = http.post("/v1/ask", json={"message": "And another?", "stream": False})
        with api.client(bob) as other:  # the limit is per user
            bobs = other.post("/v1/ask", json={"message": "Mine?", "stream": False})
    error = _error(second, 429, "rate_limited")
    assert "USER_MAX_ACTIVE_RUNS" in error["message"] and int(second.headers["Retry-After"]) >= 1
    assert bobs.status_code == 200, bobs.text


def test_a_user_over_the_questions_per_minute_gets_429_until_the_minute_passes(
    start_api: Any, model: FakeModelServer
) -> None:
    api = start_api(user_questions_per_minute=2)
    model.script(text(ANSWER), text(ANSWER))
    with api.client() as http:
        answered = [_asked(http) for _ in range(2)]
        third = http.post("/v1/ask", json={"message": "Once more?", "stream": False})
        sessions = http.get("/v1/sessions").json()["items"]
    error = _error(third, 429, "rate_limited")
    assert "USER_QUESTIONS_PER_MINUTE" in error["message"]
    assert 1 <= int(third.headers["Retry-After"]) <= 60
    assert error["detail"]["retry_after_s"] == int(third.headers["Retry-After"])
    assert len(sessions) == len(answered)  # the refused question left nothing
