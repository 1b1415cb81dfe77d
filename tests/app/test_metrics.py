"""`/metrics`: runs, model calls, SQL decisions, Slack acks and dedupes are counted; labels stay bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.app.api_fixtures import Api
from tests.app.slack_helpers import SlackDash, mention
from tests.fakes.model_server import FakeModelServer, call, text, tools

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(api: Api) -> Samples:
    response = httpx.get(f"{api.base}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
        if s.name.startswith("dash_")
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_run_a_refused_statement_and_a_slack_event_are_each_counted(
    dash: SlackDash, model: FakeModelServer
) -> None:
    api = dash.api
    before = scrape(api)
    model.script(
        tools(call("ask_analyst", {"question": "Delete the customers"})),
        tools(call("run_sql", {"sql": "DELETE FROM customers"})),
        text("I may not do that."),
        text("Dash only reads data."),
    )
    with api.client() as http:
        assert (
            http.post("/v1/ask", json={"message": "Delete all customers", "stream": False}).status_code == 200
        )
    model.script(text("Hello from Slack."))
    dash.event(mention("hi", ts="900.0001"), "EvM1")
    dash.idle()
    dash.event(mention("hi", ts="900.0001"), "EvM1", retry=1)  # Slack retries: answered once only
    after = scrape(api)

    assert grew(before, after, "dash_runs_total", surface="rest", outcome="completed") == 1
    assert grew(before, after, "dash_runs_total", surface="slack", outcome="completed") == 1
    assert grew(before, after, "dash_run_duration_seconds_count", surface="rest") == 1
    assert grew(before, after, "dash_sql_statements_total", role="analyst", decision="refused") == 1
    model_name = api.app.state.settings.model_for("leader")
    assert grew(before, after, "dash_model_calls_total", agent="leader", model=model_name, outcome="ok") == 3
    assert grew(before, after, "dash_model_calls_total", agent="analyst", model=model_name, outcome="ok") == 2
    assert grew(before, after, "dash_model_tokens_total", agent="leader", model=model_name, kind="prompt") > 0
    assert grew(before, after, "dash_slack_ack_seconds_count") == 2
    assert grew(before, after, "dash_slack_duplicate_events_total") == 1
    assert value(after, "dash_db_pool_connections", role="service", state="idle") >= 1


def test_label_sets_stay_bounded_after_100_different_questions(
    start_api: Callable[..., Api], model: FakeModelServer
) -> None:
    api = start_api(user_questions_per_minute=0)  # one user asks 100 questions in a few seconds

    def ask(n: int) -> None:
        model.script(text(f"Answer {n}."))
        with api.client() as http:
            response = http.post(
                "/v1/ask", json={"message": f"Question number {n} about churn", "stream": False}
            )
            assert response.status_code == 200, response.text

    for n in range(3):
        ask(n)
    early = scrape(api)
    for n in range(3, 100):
        ask(n)
    late = scrape(api)
    assert set(late) == set(early), "no new series: labels never carry a question, user or id"
    label_values = {v for (_, labels) in late for _, v in labels}
    assert not any("Question number" in v or v == "local" for v in label_values)
    assert grew(early, late, "dash_runs_total", surface="rest", outcome="completed") == 97


def test_metrics_can_be_switched_off(start_api: Callable[..., Api]) -> None:
    api = start_api(metrics_enabled=False)
    assert httpx.get(f"{api.base}/metrics", timeout=10).status_code == 404


def test_outside_loopback_metrics_need_an_admin_credential(api: Api) -> None:
    admin, viewer = api.key("ops", "admin"), api.key("vera", "viewer")

    async def get(token: str | None) -> httpx.Response:
        # The app the running server serves, reached as if from another host on the network.
        transport = httpx.ASGITransport(app=api.app, client=("10.20.30.40", 5000))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(transport=transport, base_url="http://dash") as http:
            return await http.get("/metrics", headers=headers)

    anonymous, as_viewer, as_admin = (asyncio.run(get(t)) for t in (None, viewer, admin))
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    assert as_viewer.status_code == 403 and as_viewer.json()["error"]["code"] == "forbidden"
    assert as_admin.status_code == 200 and "dash_runs_total" in as_admin.text
