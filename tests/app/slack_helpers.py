"""Signed Slack Events API requests, as Slack sends them (v0 HMAC-SHA256 of `v0:{ts}:{body}`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.app.api_fixtures import Api
from tests.fakes.slack_web import FakeSlackWeb, fake_slack_web

SIGNING_SECRET = "test-signing-secret"


def signature(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, age_s: int = 0, retry: int | None = None
) -> dict[str, str]:
    ts = int(time.time()) - age_s
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, ts, secret),
    }
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return headers


def envelope(event: dict[str, Any], event_id: str, team: str = "T1") -> str:
    body = {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }
    return json.dumps(body)


def mention(text: str, *, user: str = "U1", channel: str = "C1", ts: str = "100.0001") -> dict[str, Any]:
    return {"type": "app_mention", "user": user, "text": f"<@UDASH> {text}", "ts": ts, "channel": channel}


def reply(
    text: str, *, thread_ts: str, user: str = "U1", channel: str = "C1", ts: str = "101.0001"
) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "channel": channel,
    }


@dataclass
class SlackDash:
    api: Api
    slack: FakeSlackWeb

    def send(self, body: str, **kw: object) -> httpx.Response:
        headers = signed_headers(body, **kw)  # type: ignore[arg-type]
        return httpx.post(f"{self.api.base}/slack/events", content=body, headers=headers, timeout=10)

    def event(self, event: Mapping[str, object], event_id: str, **kw: object) -> httpx.Response:
        response = self.send(envelope(dict(event), event_id), **kw)
        assert response.status_code == 200, response.text
        return response

    def idle(self, timeout_s: float = 30) -> None:
        """Wait until every question in flight is answered."""
        deadline = time.monotonic() + timeout_s
        while self.api.app.state.slack.tasks:
            assert time.monotonic() < deadline, "Slack answers still running"
            time.sleep(0.02)


@pytest.fixture
def dash(start_api: Callable[..., Api]) -> Iterator[SlackDash]:
    with fake_slack_web() as slack:
        api = start_api(
            slack_bot_token="xoxb-test", slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.api_url
        )
        yield SlackDash(api, slack)
