"""A tiny fake Slack Web API over real HTTP: records chat.postMessage calls and answers ok.

with fake_slack() as slack:
    settings = test_settings(home, slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    ...
    assert slack.messages[0]["channel"] == "#alerts"
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.serve import serve


@dataclass
class FakeSlack:
    api_url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    async def post_message(self, request: Request) -> JSONResponse:
        raw = await request.body()
        body = json.loads(raw) if raw.startswith(b"{") else dict((await request.form()).items())
        self.tokens.append(request.headers.get("authorization", ""))
        self.messages.append(body)
        return JSONResponse({"ok": True, "channel": body.get("channel"), "ts": f"{len(self.messages)}.000"})


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    app = Starlette(routes=[Route("/api/chat.postMessage", slack.post_message, methods=["POST"])])
    with serve(app) as base:
        slack.api_url = f"{base}/api/"
        yield slack
