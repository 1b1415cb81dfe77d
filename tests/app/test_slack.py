"""Slack over real HTTP: signed events in, answers out on a fake Slack Web API, a scripted model."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text as sql_text

from app.sweeper import Sweeper
from tests.app.api_fixtures import Api
from tests.app.slack_helpers import SIGNING_SECRET, SlackDash, envelope, mention, reply, signed_headers
from tests.fakes.model_server import FakeModelServer, error, text
from tests.fakes.slack_web import fake_slack_web

ANSWER = "**MRR** was 42 thousand dollars."


def test_url_verification_is_answered(dash: SlackDash) -> None:
    body = '{"token": "t", "challenge": "abc123", "type": "url_verification"}'
    response = dash.send(body)
    assert response.status_code == 200
    assert "abc123" in response.text


@pytest.mark.parametrize(("secret", "age_s"), [("wrong-secret", 0), (SIGNING_SECRET, 600)])
def test_wrong_signature_or_stale_timestamp_is_rejected(dash: SlackDash, secret: str, age_s: int) -> None:
    response = dash.send(envelope(mention("What is MRR?"), "EvBad"), secret=secret, age_s=age_s)
    assert response.status_code == 401
    assert dash.slack.posted() == []


def test_a_mention_gets_exactly_one_answer_in_its_thread_and_a_retry_nothing(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(text(ANSWER))
    dash.event(mention("What is MRR?", ts="100.0001"), "Ev1")
    dash.event(mention("What is MRR?", ts="100.0001"), "Ev1", retry=1)
    dash.idle()
    posted = dash.slack.posted()
    assert [c.params["thread_ts"] for c in dash.slack.calls_to("chat.postMessage")] == ["100.0001"]
    assert all(c.params["channel"] == "C1" for c in posted)
    assert posted[0].params["text"].startswith("Working on it")
    assert posted[-1].method == "chat.update"
    assert posted[-1].params["text"] == "*MRR* was 42 thousand dollars."
    assert len(model.chat_requests) == 1


def test_old_event_claims_are_pruned_and_recent_ones_still_stop_retries(
    dash: SlackDash, model: FakeModelServer
) -> None:
    _claim_at(dash, "EvOld", "4 days")
    _claim_at(dash, "EvRecent", "2 days")
    Sweeper(dash.api.app.state.store, dash.api.app.state.slack.ledger).sweep()  # one housekeeping round
    assert _claims(dash, "EvOld", "EvRecent") == ["EvRecent"]
    dash.event(mention("What is MRR?", ts="150.0001"), "EvRecent", retry=3)  # a late retry
    dash.idle()
    assert dash.slack.posted() == [] and model.chat_requests == []


def _claim_at(dash: SlackDash, event_id: str, age: str) -> None:
    with dash.api.engine.begin() as conn:
        conn.execute(
            sql_text("INSERT INTO ai.slack_events VALUES (:id, now() - CAST(:age AS interval))"),
            {"id": event_id, "age": age},
        )


def _claims(dash: SlackDash, *event_ids: str) -> list[str]:
    with dash.api.engine.connect() as conn:
        rows = conn.execute(
            sql_text("SELECT event_id FROM ai.slack_events WHERE event_id = ANY(:ids) ORDER BY 1"),
            {"ids": list(event_ids)},
        )
        return list(rows.scalars())


def test_a_follow_up_in_the_thread_without_a_mention_has_the_first_questions_context(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(text(ANSWER), text("It was 40 thousand in September."))
    dash.event(mention("What is MRR?", ts="200.0001"), "Ev1")
    dash.idle()
    dash.event(reply("And the month before?", thread_ts="200.0001", ts="201.0001"), "Ev2")
    dash.idle()
    follow_up = model.chat_requests[1].messages
    contents = [str(m.get("content")) for m in follow_up]
    assert any("What is MRR?" in c for c in contents) and any(ANSWER in c for c in contents)
    assert dash.slack.posted()[-1].params["text"] == "It was 40 thousand in September."
    assert dash.slack.posted()[-1].params["channel"] == "C1"


def test_someone_else_replying_in_the_thread_runs_as_themselves_in_their_own_session(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(text(ANSWER), text("Hi U2."))
    dash.event(mention("What is MRR?", user="U1", ts="250.0001"), "Ev1")
    dash.idle()
    dash.event(reply("What about churn?", user="U2", thread_ts="250.0001", ts="251.0001"), "Ev2")
    dash.idle()
    assert "What is MRR?" not in str(model.chat_requests[1].messages)
    assert dash.slack.posted()[-1].params["text"] == "Hi U2."
    with dash.api.engine.connect() as conn:
        owners = conn.execute(sql_text("SELECT id, user_id FROM ai.sessions ORDER BY created_at")).all()
    assert [tuple(o) for o in owners] == [
        ("slack:T1:C1:250.0001", "slack:T1:U1"),
        ("slack:T1:C1:250.0001:U2", "slack:T1:U2"),
    ]


def test_without_a_model_the_user_is_told_what_to_configure(
    start_api: Callable[..., Api], model: FakeModelServer
) -> None:
    with fake_slack_web() as slack:
        api = start_api(
            openai_base_url=None,
            slack_bot_token="xoxb-test",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
        )
        dash = SlackDash(api, slack)
        dash.event(mention("What is MRR?"), "Ev1")
        dash.idle()
        assert "no model is configured" in slack.posted()[-1].params["text"]


def test_a_bare_mention_gets_a_hint_not_a_run(dash: SlackDash, model: FakeModelServer) -> None:
    dash.event(mention(""), "Ev1")
    dash.idle()
    assert [c.params["text"] for c in dash.slack.posted()] == [
        "Ask me a question about your data, e.g. _What was revenue last month?_"
    ]
    assert model.chat_requests == []


def test_replies_in_threads_dash_is_not_in_are_ignored(dash: SlackDash, model: FakeModelServer) -> None:
    dash.event(reply("chatter", thread_ts="300.0001"), "Ev1")
    dash.idle()
    assert dash.slack.posted() == [] and model.chat_requests == []


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B9"},
        {"subtype": "bot_message"},
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
    ],
)
def test_bots_edits_and_deletions_are_ignored(
    dash: SlackDash, model: FakeModelServer, extra: dict[str, str]
) -> None:
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "hi", "ts": "1.1"}
    dash.event({**dm, **extra}, "Ev1")
    dash.idle()
    assert dash.slack.posted() == [] and model.chat_requests == []


def test_a_direct_message_is_answered(dash: SlackDash, model: FakeModelServer) -> None:
    model.script(text("Hello from Dash."))
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "hi", "ts": "5.1"}
    dash.event(dm, "Ev1")
    dash.idle()
    first, last = dash.slack.posted()[0], dash.slack.posted()[-1]
    assert (first.params["channel"], first.params["thread_ts"]) == ("D1", "5.1")
    assert (last.params["channel"], last.params["text"]) == ("D1", "Hello from Dash.")


def test_a_model_failure_reaches_the_user_as_a_friendly_message(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(error(500, "model exploded"))
    dash.event(mention("What is MRR?"), "Ev1")
    dash.idle()
    last = dash.slack.posted()[-1].params["text"]
    assert last.startswith("Sorry, I could not answer that")
    assert "exploded" not in last


def test_disabled_slack_answers_404_and_health_says_off(start_api: Callable[..., Api]) -> None:
    api = start_api()
    body = envelope(mention("hi"), "Ev1")
    response = httpx.post(f"{api.base}/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 404
    assert httpx.get(f"{api.base}/health").json()["slack"] == {"enabled": False}


def test_health_says_on_when_enabled(dash: SlackDash) -> None:
    assert httpx.get(f"{dash.api.base}/health").json()["slack"] == {"enabled": True}
