"""Is this request from Slack, and is it an event? A pure decision, made before slack-bolt sees it.

Bolt checks the signature too, but a timestamp that is not a number or a signed body that is not
JSON makes it raise (a 500), and its 401 has its own shape. So the route asks `refusal()` first
and answers 400/401 in Dash's one error shape. Slack signs `v0:{timestamp}:{raw body}` with
HMAC-SHA256 under the app's signing secret and sends the time in whole Unix seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from core.errors import BadRequest, DashError, Unauthorized

MAX_SKEW_S = 300  # Slack's replay window: older (or future) requests are refused
TIMESTAMP, SIGNATURE = "X-Slack-Request-Timestamp", "X-Slack-Signature"


@dataclass(frozen=True)
class Refusal:
    """Why a request to /slack/events is not handed to Bolt: 400 (malformed) or 401 (not Slack)."""

    status: int
    message: str

    def error(self) -> DashError:
        return BadRequest(self.message) if self.status == 400 else Unauthorized(self.message)


def refusal(
    headers: Mapping[str, str], body: bytes, secret: str, now: float, *, form: bool = False
) -> Refusal | None:
    """None when the request is signed by Slack, recent, and carries a JSON object (an interaction:
    a form with a JSON `payload`, `form=True`); else why not."""
    timestamp, signature = headers.get(TIMESTAMP), headers.get(SIGNATURE)
    if not timestamp or not signature:
        return Refusal(
            401, f"Not a request from Slack: the {TIMESTAMP} and {SIGNATURE} headers are required."
        )
    if not (timestamp.isascii() and timestamp.isdigit()):
        return Refusal(400, f"{TIMESTAMP} must be a Unix time in whole seconds, not {timestamp[:40]!r}.")
    if abs(now - int(timestamp)) > MAX_SKEW_S:
        return Refusal(401, f"{TIMESTAMP} is more than {MAX_SKEW_S} s from now: a replay, or a wrong clock.")
    if not hmac.compare_digest(expected_signature(secret, timestamp, body), signature):
        return Refusal(401, f"{SIGNATURE} does not match the body: check SLACK_SIGNING_SECRET.")
    return _form_refusal(body) if form else _body_refusal(body)


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _body_refusal(body: bytes) -> Refusal | None:
    """Dash subscribes to Events API callbacks only, and Slack sends those as one JSON object."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return Refusal(400, "The body is not UTF-8 text; Slack sends events as UTF-8 JSON.")
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        return Refusal(400, f"The body is not JSON ({exc}); Slack sends events as a JSON object.")
    if not isinstance(payload, dict):
        return Refusal(400, "The body is JSON but not a JSON object; Slack sends events as a JSON object.")
    return None


def _form_refusal(body: bytes) -> Refusal | None:
    """Slack sends a button click as a form whose one field `payload` is a JSON object."""
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return Refusal(400, "The body is not a form; Slack sends interactions as payload=<JSON>.")
    payload = fields.get("payload", [""])[0].encode()
    refused = _body_refusal(payload)
    return Refusal(400, f"The form's payload field: {refused.message}") if refused else None
