"""Signed Slack Events API requests, as Slack sends them (v0 HMAC-SHA256 of `v0:{ts}:{body}`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

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
