"""`/slack/events` answers what Slack would never send in Dash's one error shape, never a 500:
400 for a malformed timestamp or a signed body that is not an event, 401 for a bad signature."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import pytest

from tests.app.slack_helpers import SIGNING_SECRET, SlackDash, envelope, mention, signature


def _signed(body: bytes, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


SIGN_WITH = "sign-with-secret"
EVENT = envelope(mention("What is MRR?"), "EvShape").encode()
CASES = [
    # (id, body, headers, status, code, words in the message)
    ("timestamp-not-a-number", EVENT, {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=1"},
     400, "bad_request", "X-Slack-Request-Timestamp"),
    ("timestamp-superscript", EVENT, {"X-Slack-Request-Timestamp": "²".encode(), "X-Slack-Signature": "v0=1"},
     400, "bad_request", "X-Slack-Request-Timestamp"),
    ("no-signature", EVENT, {}, 401, "unauthorized", "X-Slack-Signature"),
    # Signed when the test runs (SIGN_WITH), not at collection: the timestamp must be fresh.
    ("wrong-secret", EVENT, {SIGN_WITH: "wrong-secret"}, 401, "unauthorized", "SLACK_SIGNING_SECRET"),
    ("signed-not-json", b"{not json", {SIGN_WITH: SIGNING_SECRET}, 400, "bad_request", "JSON"),
    ("signed-json-list", b"[1, 2]", {SIGN_WITH: SIGNING_SECRET}, 400, "bad_request", "JSON object"),
    ("signed-not-utf8", b'{"a": "\xff"}', {SIGN_WITH: SIGNING_SECRET}, 400, "bad_request", "UTF-8"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "headers", "status", "code", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_slack_requests_get_400_or_401_in_the_one_error_shape(
    dash: SlackDash, body: bytes, headers: dict[str, Any], status: int, code: str, words: str
) -> None:
    if SIGN_WITH in headers:
        headers = _signed(body, headers[SIGN_WITH])
    sent: Any = {"Content-Type": "application/json", **headers}
    response = httpx.post(f"{dash.api.base}/slack/events", content=body, headers=sent, timeout=10)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert words in error["message"]
    assert dash.slack.posted() == []


def test_a_correctly_signed_event_still_gets_through(dash: SlackDash) -> None:
    body = '{"token": "t", "challenge": "c-42", "type": "url_verification"}'
    ts = int(time.time())
    headers = {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature(body, ts)}
    response = httpx.post(f"{dash.api.base}/slack/events", content=body, headers=headers, timeout=10)
    assert response.status_code == 200
    assert "c-42" in response.text


def test_an_event_dash_does_not_listen_to_is_refused_in_the_one_error_shape(dash: SlackDash) -> None:
    body = envelope({"type": "channel_created", "channel": {"id": "C9"}}, "EvChannel").encode()
    response = httpx.post(f"{dash.api.base}/slack/events", content=body, headers=_signed(body), timeout=10)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
