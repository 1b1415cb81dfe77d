"""`POST /v1/ask` over real HTTP against the scripted model: JSON, SSE, resume, disconnects."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.app.api_fixtures import Api, events, parse_sse
from tests.fakes.model_server import FakeModelServer, call, text, tools

ANSWER = "Monthly recurring revenue was 42 thousand dollars."


def test_json_ask_answers_and_stores_the_session(api: Api, model: FakeModelServer) -> None:
    model.script(text(ANSWER))
    with api.client() as http:
        response = http.post("/v1/ask", json={"message": "What is MRR?", "stream": False})
        assert response.status_code == 200, response.text
        body = response.json()
        session = http.get(f"/v1/sessions/{body['session_id']}").json()
    assert body["answer"] == ANSWER
    assert body["status"] == "completed"
    assert [m["role"] for m in session["messages"]] == ["user", "assistant"]
    assert session["messages"][1]["content"] == ANSWER
    trace = [e["type"] for e in session["runs"][0]["events"]]
    assert trace[0] == "run_started" and trace[-1] == "run_completed"
    assert session["runs"][0]["events"][-1]["id"] == body["last_event_id"]


def test_streamed_ask_sends_typed_events_with_ids_and_a_final_answer(
    api: Api, model: FakeModelServer
) -> None:
    model.script(text(ANSWER))
    with api.client() as http, http.stream("POST", "/v1/ask", json={"message": "What is MRR?"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        received = events(response)
    ids = [e.id or 0 for e in received]
    assert ids == sorted(set(ids)), "ids increase with no duplicates"
    assert received[0].event == "run_started"
    final = received[-1]
    assert final.event == "run_completed" and final.data is not None
    assert final.data["answer"] == ANSWER and "usage" in final.data and "sql" in final.data
    streamed = "".join(e.data["text"] for e in received if e.event == "content_delta" and e.data)
    assert streamed == ANSWER


def test_reconnecting_with_last_event_id_gets_the_rest_without_duplicates(
    api: Api, model: FakeModelServer
) -> None:
    model.script(text(ANSWER, chunk_size=2, chunk_delay=0.05))
    with api.client() as http:
        with http.stream("POST", "/v1/ask", json={"message": "What is MRR?"}) as response:
            first = []
            for event in parse_sse(response.iter_lines()):
                if not event.comment:
                    first.append(event)
                if len(first) == 2:
                    break  # the client goes away mid-answer
        run_id = first[0].data["run_id"]  # type: ignore[index]
        headers = {"Last-Event-ID": str(first[-1].id)}
        with http.stream("GET", f"/v1/runs/{run_id}/events", headers=headers) as resumed:
            rest = events(resumed)
        with http.stream("GET", f"/v1/runs/{run_id}/events") as replay:
            everything = events(replay)
    assert [e.id for e in first + rest] == [e.id for e in everything]
    assert rest[-1].event == "run_completed"
    assert rest[-1].data["answer"] == ANSWER  # type: ignore[index]


def test_a_client_that_disconnects_does_not_lose_the_run(api: Api, model: FakeModelServer) -> None:
    model.script(text(ANSWER, chunk_size=2, chunk_delay=0.03))
    with api.client() as http:
        with http.stream("POST", "/v1/ask", json={"message": "What is MRR?"}) as response:
            started = next(e for e in parse_sse(response.iter_lines()) if not e.comment)
        run_id = started.data["run_id"]  # type: ignore[index]
        run = _wait_finished(lambda: http.get(f"/v1/runs/{run_id}").json())
    assert run["status"] == "completed"
    assert run["answer"] == ANSWER


def test_ask_without_a_model_is_503_naming_the_setting(start_api: Callable[..., Api]) -> None:
    api = start_api(openai_base_url=None, openai_api_key=None)
    with api.client() as http:
        response = http.post("/v1/ask", json={"message": "What is MRR?"})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "model_not_configured" and "OPENAI_API_KEY" in error["message"]


def test_a_failing_model_is_502_for_json_and_run_failed_for_a_stream(
    api: Api, model: FakeModelServer
) -> None:
    from tests.fakes.model_server import error

    model.script(error(500), error(500))
    with api.client() as http:
        response = http.post("/v1/ask", json={"message": "What is MRR?", "stream": False})
        with http.stream("POST", "/v1/ask", json={"message": "What is MRR?"}) as streamed:
            last = events(streamed)[-1]
    assert response.status_code == 502
    assert response.json()["error"]["detail"]["run_id"]
    assert last.event == "run_failed"


def _wait_finished(read: Callable[[], dict[str, object]], timeout_s: float = 20) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while True:
        run = read()
        if run["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


WIRE = {  # what the console, MCP and REST clients read of each event (besides type, id, run_id)
    "run_started": {"run_id", "session_id"},
    "model_called": {"agent", "model", "prompt_tokens", "completion_tokens", "latency_ms", "turn"},
    "delegated": {"agent", "task"},
    "tool_started": {"agent", "tool", "arguments", "call_id"},
    "tool_finished": {
        "agent",
        "tool",
        "result_preview",
        "error",
        "duration_ms",
        "call_id",
        "statement",
    },
    "content_delta": {"text"},
    "run_completed": {"answer", "sql", "usage", "result", "chart"},
}


def test_every_event_of_a_delegated_sql_run_keeps_its_wire_shape(api: Api, model: FakeModelServer) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "What is one?"})),
        tools(call("run_sql", {"sql": "SELECT 1 AS one"})),
        text("One."),
        text("The answer is one."),
    )
    with api.client() as http, http.stream("POST", "/v1/ask", json={"message": "What is one?"}) as response:
        received = [e for e in events(response) if e.data is not None]
    for e in received:
        assert set(e.data) - {"type", "id", "run_id"} == WIRE[e.event] - {"run_id"}, e.event  # type: ignore[arg-type]
    sql = next(e.data for e in received if e.event == "tool_started" and e.data["tool"] == "run_sql")  # type: ignore[index]
    done = next(e.data for e in received if e.event == "tool_finished" and e.data["tool"] == "run_sql")  # type: ignore[index]
    assert (sql["agent"], sql["arguments"]) == ("analyst", {"sql": "SELECT 1 AS one"})
    assert done["statement"] == {"decision": "allowed", "rows": 1, "error": None, "chart": "none"}
    assert [e.data["agent"] for e in received if e.event == "model_called"] == [
        "leader",
        "analyst",
        "analyst",
        "leader",
    ]  # type: ignore[index]
