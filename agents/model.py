"""The model client and the retry policy around one model call.

The client (agents/model_client.py) is built from settings alone and never retries on its own
(except a kept-alive connection the server had just closed): the loop retries itself so every
retry is an event a person can see and a trace can record.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import re
import time
from dataclasses import dataclass
from typing import Any

from agents.model_client import CHAT_PATH, ModelClient
from agents.model_errors import (
    ModelConnectionError,
    ModelHTTPError,
    ModelStatusError,
    ModelStreamError,
    ModelTimeout,
)
from core.errors import ModelNotConfigured, UpstreamError
from core.settings import Settings

OPENAI_URL = "https://api.openai.com/v1"
# Local servers (vLLM, Ollama, LM Studio) ignore the key; the header is sent all the same.
KEYLESS_PLACEHOLDER = "not-needed"
RETRYABLE_STATUS = frozenset({408, 409, 429})


def create_model_client(settings: Settings) -> ModelClient:
    """A `ModelClient` for the configured server; raises `ModelNotConfigured` when nothing is set.

    Share one per process (its connection pool): the app builds it in the lifespan.
    """
    if not settings.model_configured:
        raise ModelNotConfigured()
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    return ModelClient(
        settings.openai_base_url or OPENAI_URL,
        api_key=key or KEYLESS_PLACEHOLDER,
        timeout_s=settings.model_timeout_s,
    )


class ModelCallFailed(UpstreamError):
    """A model call that failed for good: not retryable, or out of attempts.

    `status` is the HTTP status when the server answered (None for timeouts and connection errors).
    """

    code = "model_call_failed"

    def __init__(self, message: str, *, status: int | None, attempts: int) -> None:
        super().__init__(message, detail={"status": status, "attempts": attempts})
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter, capped at `max_s`.

    A server's Retry-After wins (it knows when its window reopens), up to `max_retry_after_s` so a
    person is not left waiting for minutes on one answer.
    """

    base_s: float = 0.5
    max_s: float = 30.0
    max_retry_after_s: float = 60.0

    def delay(self, attempt: int, error: Exception, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        asked = retry_after_s(error)
        if asked is not None:
            return min(asked, self.max_retry_after_s)
        ceiling = min(self.max_s, self.base_s * 2 ** (attempt - 1))
        # Half fixed, half random: spreads out replicas that failed together, never waits ~0.
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def is_retryable(error: Exception) -> bool:
    """Timeouts, connection errors, 408/409/429 and 5xx are worth another attempt; others are not."""
    if isinstance(error, ModelStatusError):
        return error.status in RETRYABLE_STATUS or error.status >= 500
    # An error event inside the stream is the server failing mid-answer, like a 5xx.
    return isinstance(error, ModelConnectionError | ModelStreamError)


def status_of(error: Exception) -> int | None:
    return error.status if isinstance(error, ModelStatusError) else None


def retry_after_s(error: Exception) -> float | None:
    """The wait a 429/503 response asked for (`retry-after-ms`, `Retry-After` seconds or HTTP date)."""
    if not isinstance(error, ModelStatusError):
        return None
    headers = error.headers
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return max(0.0, millis / 1000)
    value = headers.get("retry-after")
    seconds = _number(value)
    if seconds is None and value:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return None if seconds is None else max(0.0, seconds)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def describe_error(error: Exception) -> str:
    """One line naming what went wrong on the wire, for events and traces."""
    status = status_of(error)
    if isinstance(error, ModelTimeout):
        return "timed out"
    if isinstance(error, ModelConnectionError):
        return f"connection error: {error}"
    detail = getattr(error, "message", None) or str(error)
    return f"HTTP {status}: {detail}" if status else detail


def failure(error: Exception, *, attempts: int, model: str) -> ModelCallFailed:
    """The error a person reads once we give up: what happened and which setting to look at."""
    status = status_of(error)
    tried = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    if isinstance(error, ModelTimeout):
        hint = f"The model server did not answer in time {tried}. Raise MODEL_TIMEOUT_S or check the server."
    elif isinstance(error, ModelConnectionError):
        hint = f"Could not reach the model server {tried}. Check OPENAI_BASE_URL and that the server is up."
    elif status in (401, 403):
        hint = f"The model server refused the credentials (HTTP {status}). Check OPENAI_API_KEY."
    elif status == 404:
        hint = f"The model server does not know model {model!r} (HTTP 404). Check DASH_MODEL and OPENAI_BASE_URL."
    elif status == 429:
        hint = f"The model server kept rate limiting (HTTP 429) {tried}. Wait a minute, or raise your quota."
    elif status is not None and status >= 500:
        hint = f"The model server failed (HTTP {status}) {tried}. Check the server, then ask again."
    else:
        hint = f"The model call failed {tried}: {describe_error(error)}."
    return ModelCallFailed(hint, status=status, attempts=attempts)


async def complete(client: ModelClient, settings: Settings, messages: list[dict[str, str]]) -> str:
    """One fixed-prompt call outside the agent loop (a correction, a description), with the same
    retry policy as the loop; raises ModelCallFailed when the retries are spent."""
    rng, backoff, attempts = random.Random(), Backoff(), settings.model_max_retries + 1
    body = {"model": settings.dash_model, "messages": messages}
    for attempt in range(1, attempts + 1):
        try:
            return message_text(await client.post(CHAT_PATH, body))
        except ModelHTTPError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise failure(exc, attempts=attempt, model=settings.dash_model) from exc
            await asyncio.sleep(backoff.delay(attempt, exc, rng))
    return ""


def message_text(reply: Any) -> str:
    """The assistant's text in a (non-streamed) chat completion; a malformed one raises."""
    try:
        return reply["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise ModelHTTPError(f"the model server's answer has no message: {str(reply)[:80]}") from None


def json_object(answer: str) -> dict[str, Any]:
    """The JSON object in a model's answer (it may wrap it in prose or a code fence); {} if none."""
    match = re.search(r"\{.*\}", answer, flags=re.DOTALL)
    if not match:
        return {}
    try:
        found = json.loads(match.group(0))
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}
