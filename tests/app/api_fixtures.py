"""Shared by the REST API tests: the scripted model server, a running Dash, keys, tokens, SSE parsing.

Test modules import the fixtures they use from here (`from tests.app.api_fixtures import ...`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine

from app.main import create_app
from db.api_keys import create_key
from db.embedded import EmbeddedPostgres
from db.engines import DatabaseTarget, resolve_target
from tests.conftest import test_settings
from tests.fakes.model_server import FakeModelServer, text
from tests.serve import serve

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256!"


@dataclass
class Api:
    """A Dash app served over real HTTP, and a service-role engine on its database."""

    base: str
    app: FastAPI
    engine: Engine

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30, **kwargs)

    def key(self, user: str, role: str = "viewer") -> str:
        return create_key(self.engine, user, role)[1]


@pytest.fixture
def model(model_server: FakeModelServer) -> FakeModelServer:
    """The session's scripted model server (tests/conftest.py), reset for this test."""
    return model_server


@pytest.fixture
def start_api(db: DatabaseTarget, pg_home: Path, model: FakeModelServer) -> Iterator[Callable[..., Api]]:
    """`start_api(**settings)` serves Dash on the test's database and the scripted model."""
    with ExitStack() as stack:
        engine = create_engine(db.service_url, pool_size=2)
        stack.callback(engine.dispose)

        def start(**overrides: Any) -> Api:
            values = {"openai_base_url": model.base_url, "model_max_retries": 0, **overrides}
            app = create_app(test_settings(pg_home, **values), db)
            return Api(stack.enter_context(serve(app)), app, engine)

        yield start


@pytest.fixture
def api(start_api: Callable[..., Api]) -> Api:
    return start_api()


def token(sub: str = "alice", roles: Any = ("viewer",), *, secret: str = JWT_SECRET, **claims: Any) -> str:
    now = int(time.time())
    body = {"sub": sub, "roles": list(roles), "iat": now, "exp": now + 300, **claims}
    return jwt.encode(body, secret, algorithm="HS256")


@dataclass(frozen=True)
class Sse:
    id: int | None
    event: str | None
    data: dict[str, Any] | None
    comment: bool = False


def parse_sse(lines: Iterator[str]) -> Iterator[Sse]:
    """Events (and keep-alive comments) of an SSE body, as they arrive."""
    fields: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            yield Sse(None, None, None, comment=True)
        elif line == "":
            if fields:
                event_id = int(fields["id"]) if "id" in fields else None  # the closing `error` has none
                yield Sse(event_id, fields.get("event"), json.loads(fields.get("data", "null")))
            fields = {}
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def events(response: httpx.Response) -> list[Sse]:
    """All events (no comments) of a complete streamed response."""
    return [e for e in parse_sse(response.iter_lines()) if not e.comment]


@contextmanager
def answering_slowly(server: EmbeddedPostgres) -> Iterator[str]:
    """Dash on `server` (a test's own database server, to stop under it), the scripted model
    streaming about 2 s of answer; yields the API's base URL."""
    with FakeModelServer() as model:
        model.script(text("Hello! " * 60, chunk_size=4, chunk_delay=0.02))
        settings = test_settings(server.home, openai_base_url=model.base_url, sse_keepalive_s=0.5)
        with serve(create_app(settings, resolve_target(settings))) as base:
            yield base
