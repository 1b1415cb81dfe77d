"""What can go wrong on the wire to the model server, as our own error classes.

`agents/model.py` decides from these which failures are worth another attempt and what a person
reads when we give up; the HTTP client (agents/model_http.py) only raises them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping


class ModelHTTPError(Exception):
    """Any failure of one model request; `message` is the line shown in events and traces."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ModelStatusError(ModelHTTPError):
    """The server answered with an HTTP error status; `headers` are lower-cased (Retry-After...)."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes = b"") -> None:
        super().__init__(f"Error code: {status}{_detail(body)}")
        self.status = status
        self.headers = dict(headers)
        self.body = body


class ModelConnectionError(ModelHTTPError):
    """The server could not be reached, or the connection broke before the response was whole."""


class ModelTimeout(ModelConnectionError):
    """No byte arrived for MODEL_TIMEOUT_S (connecting, or between two bytes of the response)."""

    def __init__(self) -> None:
        super().__init__("Request timed out.")


class ModelStreamError(ModelHTTPError):
    """The server reported an error inside an event stream it had already started (retryable)."""


def _detail(body: bytes) -> str:
    """` - <message>` from an OpenAI-style error body; empty when it has none."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    error = parsed.get("error", parsed) if isinstance(parsed, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return f" - {message}" if isinstance(message, str) and message else ""
