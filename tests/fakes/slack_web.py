"""A fake Slack Web API over real HTTP for the Slack bot: auth.test, users.info, chat.postMessage
and chat.update. Every call is recorded as a `SlackCall` (method + parameters) in order.

with fake_slack_web() as slack:
    settings = test_settings(home, slack_bot_token="xoxb-test", slack_api_url=slack.api_url, ...)
    ...
    slack.calls_to("chat.update")
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.serve import serve

BOT_USER = "UDASH"
TEAM = "T1"


@dataclass(frozen=True)
class SlackCall:
    method: str
    params: dict[str, Any]


@dataclass
class FakeSlackWeb:
    api_url: str = ""
    calls: list[SlackCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posted(self) -> list[SlackCall]:
        """Messages and updates, in order: what a person in Slack sees change."""
        with self._lock:
            return [c for c in self.calls if c.method in ("chat.postMessage", "chat.update")]

    async def handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        raw = await request.body()
        params = json.loads(raw) if raw.startswith(b"{") else dict(parse_qsl(raw.decode()))
        params.update(request.query_params)
        with self._lock:
            self.calls.append(SlackCall(method, params))
            count = len(self.calls)
        return JSONResponse(self._answer(method, params, count))

    def _answer(self, method: str, params: dict[str, Any], count: int) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BDASH", "team_id": TEAM, "user": "dash"}
        if method == "users.info":
            email = f"{params.get('user', '').lower()}@example.com"
            return {"ok": True, "user": {"id": params.get("user"), "profile": {"email": email}}}
        if method in ("chat.postMessage", "chat.update"):
            ts = params.get("ts") or f"9{count:04d}.0001"
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        return {"ok": False, "error": "unknown_method"}


@contextmanager
def fake_slack_web() -> Iterator[FakeSlackWeb]:
    slack = FakeSlackWeb()
    app = Starlette(routes=[Route("/api/{method}", slack.handle, methods=["POST", "GET"])])
    with serve(app) as base:
        slack.api_url = f"{base}/api/"
        yield slack
