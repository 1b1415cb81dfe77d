"""One error hierarchy for Dash, free of any web framework; the HTTP status lives on the class.

`app/errors.py` renders every one of them in one JSON shape.

Every error response looks like::

    {"error": {"code": "not_found", "message": "Session abc does not exist.", "detail": {...}}}
"""

from __future__ import annotations

from typing import Any


class DashError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}

    @property
    def headers(self) -> dict[str, str]:
        """Response headers this error adds (e.g. Retry-After)."""
        return {}


class BadRequest(DashError):
    status_code = 400
    code = "bad_request"


class Unauthorized(DashError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DashError):
    status_code = 403
    code = "forbidden"


class NotFound(DashError):
    status_code = 404
    code = "not_found"


class Conflict(DashError):
    status_code = 409
    code = "conflict"


class InvalidInput(DashError):
    status_code = 422
    code = "invalid_input"


class TooManyRequests(DashError):
    """A per-user limit was reached; `retry_after_s` says when asking again can work."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message, detail={**(detail or {}), "retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class UpstreamError(DashError):
    status_code = 502
    code = "upstream_error"


class ServiceUnavailable(DashError):
    status_code = 503
    code = "service_unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The database is not reachable, so this request was not carried out. Try again in a "
            "moment; an operator can check GET /health and `dash db status`.",
        )


class ModelNotConfigured(ServiceUnavailable):
    code = "model_not_configured"

    def __init__(self) -> None:
        super().__init__(
            "No language model is configured. Set OPENAI_API_KEY (and OPENAI_BASE_URL for a "
            "non-OpenAI server such as vLLM or Ollama), then restart Dash.",
            detail={"settings": ["OPENAI_API_KEY", "OPENAI_BASE_URL"]},
        )
