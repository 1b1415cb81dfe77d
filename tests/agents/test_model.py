"""The model client factory and the retry policy, against the fake server over real HTTP."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time

import pytest

from agents.model import (
    Backoff,
    ModelCallFailed,
    complete,
    create_model_client,
    failure,
    is_retryable,
    retry_after_s,
)
from agents.model_errors import ModelConnectionError, ModelStatusError, ModelStreamError, ModelTimeout
from core.errors import ModelNotConfigured
from core.settings import Settings
from tests.fakes.model_server import FakeModelServer, error, text


def ask(settings: Settings) -> str:
    async def main() -> str:
        client = create_model_client(settings)
        try:
            return await complete(client, settings, [{"role": "user", "content": "hi"}])
        finally:
            await client.close()

    return asyncio.run(main())


def test_nothing_configured_raises_model_not_configured() -> None:
    settings = Settings(_env_file=None, openai_api_key=None, openai_base_url=None)  # type: ignore[call-arg]
    with pytest.raises(ModelNotConfigured, match="OPENAI_API_KEY"):
        create_model_client(settings)


def test_a_local_server_needs_no_key(model_server: FakeModelServer, model_settings) -> None:
    model_server.script(text("hello"))
    assert ask(model_settings()) == "hello"
    assert model_server.requests[0].headers["authorization"] == "Bearer not-needed"


def test_the_configured_key_is_sent(model_server: FakeModelServer, model_settings) -> None:
    model_server.script(text("hello"))
    ask(model_settings(openai_api_key="sk-test-123"))
    assert model_server.requests[0].headers["authorization"] == "Bearer sk-test-123"


def test_complete_retries_a_5xx_then_answers(model_server: FakeModelServer, model_settings) -> None:
    model_server.script(error(500, "down"), text("hello"))
    assert ask(model_settings()) == "hello"
    assert len(model_server.chat_requests) == 2 and model_server.requests[0].body["model"] == "gpt-4.1"


def test_complete_gives_up_with_the_hint_once_retries_are_spent(
    model_server: FakeModelServer, model_settings
) -> None:
    model_server.script(error(404, "no such model"))
    with pytest.raises(ModelCallFailed, match="does not know model 'gpt-4.1'"):
        ask(model_settings())
    assert len(model_server.requests) == 1


def test_each_agent_has_its_own_model_defaulting_to_dash_model() -> None:
    settings = Settings(_env_file=None, dash_model="base", analyst_model="sql-tuned")  # type: ignore[call-arg]
    assert [settings.model_for(a) for a in ("leader", "analyst", "engineer")] == ["base", "sql-tuned", "base"]


def status_error(status: int, headers: dict[str, str] | None = None) -> ModelStatusError:
    """The error the client raises for an HTTP error status (headers arrive lower-cased)."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return ModelStatusError(status, lowered, b'{"error": {"message": "failed"}}')


TIMEOUT = ModelTimeout()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After": "2"}, 2.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
    ids=["milliseconds", "seconds", "garbage", "absent"],
)
def test_retry_after_is_read_from_the_response(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_s(status_error(429, headers)) == expected


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (retry_after_s(status_error(503, {"Retry-After": when})) or 0) <= 30


def test_backoff_grows_with_jitter_and_respects_its_caps() -> None:
    backoff, rng = Backoff(base_s=1, max_s=4, max_retry_after_s=10), random.Random(7)
    delays = [backoff.delay(attempt, TIMEOUT, rng) for attempt in (1, 2, 3, 4)]
    assert 0.5 <= delays[0] <= 1 and 1 <= delays[1] <= 2 and 2 <= delays[2] <= 4 and 2 <= delays[3] <= 4
    assert backoff.delay(1, status_error(429, {"Retry-After": "600"}), rng) == 10


@pytest.mark.parametrize(
    ("error_", "retryable"),
    [
        (status_error(429), True),
        (status_error(503), True),
        (status_error(408), True),
        (TIMEOUT, True),
        (ModelConnectionError("refused"), True),
        (ModelStreamError("overloaded"), True),
        (status_error(400), False),
        (status_error(401), False),
        (status_error(404), False),
    ],
    ids=["429", "503", "408", "timeout", "connection", "stream-error", "400", "401", "404"],
)
def test_what_is_worth_another_attempt(error_: Exception, retryable: bool) -> None:
    assert is_retryable(error_) is retryable


@pytest.mark.parametrize(
    ("error_", "says"),
    [
        (status_error(401), "Check OPENAI_API_KEY"),
        (status_error(404), "does not know model 'gpt-x'"),
        (status_error(429), "kept rate limiting (HTTP 429) after 4 attempts"),
        (TIMEOUT, "Raise MODEL_TIMEOUT_S"),
        (ModelConnectionError("refused"), "Check OPENAI_BASE_URL"),
    ],
    ids=["401", "404", "429", "timeout", "connection"],
)
def test_failures_say_what_to_do(error_: Exception, says: str) -> None:
    failed = failure(error_, attempts=4, model="gpt-x")
    assert isinstance(failed, ModelCallFailed) and says in failed.message and failed.status_code == 502


def test_embeddings_are_served_deterministically(model_server: FakeModelServer, model_settings) -> None:
    async def main() -> list[list[float]]:
        client = create_model_client(model_settings())
        try:
            reply = await client.post("/embeddings", {"model": "e", "input": ["churn", "churn", "mrr"]})
            return [item["embedding"] for item in reply["data"]]
        finally:
            await client.close()

    first, again, other = asyncio.run(main())
    assert len(first) == 384 and first == pytest.approx(again) and first != pytest.approx(other)
    assert sum(v * v for v in first) == pytest.approx(1.0, rel=1e-5)


def test_an_error_status_carries_the_servers_message() -> None:
    assert status_error(500).message == "Error code: 500 - failed"
    assert ModelStatusError(502, {}, b"<html>bad gateway</html>").message == "Error code: 502"
