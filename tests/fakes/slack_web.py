"""A fake Slack Web API over real HTTP for the Slack bot: auth.test, users.info, chat.postMessage,
chat.update and the file upload flow (files.getUploadURLExternal → POST the bytes to the returned
upload URL, on this server → files.completeUploadExternal). Every API call is recorded as a
`SlackCall` (method + parameters) in order; files shared into a channel as `SlackFile`s with the
bytes that arrived. `fail(method, error)` makes a method answer Slack's error (e.g. missing_scope).

with fake_slack_web() as slack:
    settings = test_settings(home, slack_bot_token="xoxb-test", slack_api_url=slack.api_url, ...)
    ...
    slack.calls_to("chat.update"), slack.files()
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
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from tests.serve import serve

BOT_USER = "UDASH"
TEAM = "T1"


@dataclass(frozen=True)
class SlackCall:
    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class SlackFile:
    """A file shared into a channel (and thread) by files.completeUploadExternal."""

    filename: str
    title: str
    channel: str
    thread_ts: str | None
    content: bytes


@dataclass
class FakeSlackWeb:
    base_url: str = ""
    calls: list[SlackCall] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file id → (filename, bytes)
    shared: list[SlackFile] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # the Authorization header of each API call
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def fail(self, method: str, error: str) -> None:
        """From now on, `method` answers `{"ok": false, "error": error}`."""
        self.errors[method] = error

    def files(self) -> list[SlackFile]:
        with self._lock:
            return list(self.shared)

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
            self.tokens.append(request.headers.get("authorization", ""))
            count = len(self.calls)
            answer = self._answer(method, params, count)
        return JSONResponse(answer)

    async def upload(self, request: Request) -> PlainTextResponse:
        """The upload URL files.getUploadURLExternal hands out: takes the file's bytes."""
        file_id, content = request.path_params["file_id"], await request.body()
        with self._lock:
            if file_id not in self.uploads:
                return PlainTextResponse("no such upload", status_code=404)
            self.uploads[file_id] = (self.uploads[file_id][0], content)
        return PlainTextResponse(f"OK - {len(content)}")

    def _answer(self, method: str, params: dict[str, Any], count: int) -> dict[str, Any]:
        if method in self.errors:
            return {"ok": False, "error": self.errors[method]}
        if method.startswith("files."):
            return self._file_answer(method, params, count)
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BDASH", "team_id": TEAM, "user": "dash"}
        if method == "users.info":
            email = f"{params.get('user', '').lower()}@example.com"
            return {"ok": True, "user": {"id": params.get("user"), "profile": {"email": email}}}
        if method in ("chat.postMessage", "chat.update"):
            ts = params.get("ts") or f"9{count:04d}.0001"
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        return {"ok": False, "error": "unknown_method"}

    def _file_answer(self, method: str, params: dict[str, Any], count: int) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            file_id = f"F{count:04d}"
            self.uploads[file_id] = (params["filename"], b"")
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(params["files"])
            for f in files:
                filename, content = self.uploads.pop(f["id"])
                title = f.get("title") or filename
                self.shared.append(
                    SlackFile(filename, title, params["channel_id"], params.get("thread_ts"), content)
                )
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}


@contextmanager
def fake_slack_web() -> Iterator[FakeSlackWeb]:
    slack = FakeSlackWeb()
    routes = [
        Route("/api/{method}", slack.handle, methods=["POST", "GET"]),
        Route("/upload/{file_id}", slack.upload, methods=["POST"]),
    ]
    with serve(Starlette(routes=routes)) as base:
        slack.base_url = base
        yield slack
