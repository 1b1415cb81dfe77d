"""Proposals reviewed in Slack (buttons in the review channel, signed interaction payloads) and `forget`
in a DM, against the fake Slack Web API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from db.knowledge.memory import list_memory, remember
from tests.app.api_fixtures import Api, events
from tests.app.slack_helpers import SIGNING_SECRET, SlackDash, signature
from tests.fakes.model_server import FakeModelServer, call, text, tools
from tests.fakes.slack_web import fake_slack_web

REVIEW = "CREVIEW"
LEARNING = {"title": "Seats are licences", "learning": "A seat is one paid licence, not one user."}


@pytest.fixture
def dash(start_api: Callable[..., Api]) -> Iterator[SlackDash]:
    with fake_slack_web() as slack:
        api = start_api(
            slack_bot_token="xoxb-test",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
            slack_review_channel=REVIEW,
            slack_reviewers="U2, U3",
        )
        yield SlackDash(api, slack)


def _click(dash: SlackDash, user: str, action: str, proposal_id: str, ts: str) -> httpx.Response:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "channel": {"id": REVIEW},
        "message": {"ts": ts, "text": "proposal"},
        "actions": [
            {"action_id": action, "block_id": "b", "value": proposal_id, "type": "button", "action_ts": "1"}
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    now = int(time.time())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(now),
        "X-Slack-Signature": signature(body, now),
    }
    return httpx.post(f"{dash.api.base}/slack/interactions", content=body, headers=headers, timeout=10)


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def test_a_proposal_is_posted_with_buttons_and_only_a_reviewer_decides(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "What is a seat?"})),
        tools(call("save_learning", LEARNING)),
        text("A seat is a licence."),
        text("A seat is one paid licence."),
    )
    with (
        httpx.Client(base_url=dash.api.base, timeout=30) as http,
        http.stream("POST", "/v1/ask", json={"message": "What is a seat?"}) as response,
    ):
        assert events(response)[-1].event == "run_completed"
    (posted,) = [c for c in dash.slack.calls_to("chat.postMessage") if c.params["channel"] == REVIEW]
    buttons = _blocks(posted.params)[1]["elements"]
    assert [b["action_id"] for b in buttons] == ["proposal_approve", "proposal_reject"]
    proposal_id, ts = buttons[0]["value"], "90001.0001"
    assert "Seats are licences" in posted.params["text"]

    assert _click(dash, "U9", "proposal_approve", proposal_id, ts).status_code == 200
    refusal = dash.slack.calls_to("chat.postMessage")[-1].params
    assert "SLACK_REVIEWERS" in refusal["text"] and refusal["thread_ts"] == ts
    with httpx.Client(base_url=dash.api.base, timeout=30) as http:
        assert http.get("/v1/proposals").json()[0]["status"] == "proposed"

        assert _click(dash, "U2", "proposal_approve", proposal_id, ts).status_code == 200
        (approved,) = http.get("/v1/proposals", params={"status": "approved"}).json()
    assert approved["reviewed_by"] == "slack:T1:U2"
    (update,) = dash.slack.calls_to("chat.update")
    assert update.params["ts"] == ts and "Approved by slack:T1:U2" in json.dumps(_blocks(update.params))


def test_a_tampered_interaction_is_refused(dash: SlackDash) -> None:
    body = urlencode({"payload": "{}"})
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=forged"}
    refused = httpx.post(f"{dash.api.base}/slack/interactions", content=body, headers=headers, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"


def test_forget_in_a_dm_deletes_only_the_senders_memory(dash: SlackDash) -> None:
    engine = dash.api.engine
    me, other = "slack:T1:U1", "slack:T1:U7"
    remember(engine, me, "Amounts in EUR")
    remember(engine, me, "Works on EMEA accounts")
    remember(engine, other, "Amounts in EUR")

    def dm(words: str, ts: str) -> str:
        event = {
            "type": "message",
            "channel_type": "im",
            "user": "U1",
            "text": words,
            "ts": ts,
            "channel": "D1",
        }
        dash.event(event, f"Ev{ts}")
        dash.idle()
        return str(dash.slack.calls_to("chat.postMessage")[-1].params["text"])

    assert "Amounts in EUR" in dm("forget EUR", "200.0001")
    assert [m.fact for m in list_memory(engine, me)] == ["Works on EMEA accounts"]
    assert "forgot everything" in dm("forget everything", "201.0001")
    assert list_memory(engine, me) == []
    assert [m.fact for m in list_memory(engine, other)] == ["Amounts in EUR"]
