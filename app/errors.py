"""One error hierarchy for Dash; the HTTP status lives on the class, one handler renders one shape.

Every error response looks like::

    {"error": {"code": "not_found", "message": "Session abc does not exist.", "detail": {...}}}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


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


# What FastAPI wraps in a bare 400 while parsing a JSON body, and what each means for the sender.
UNREADABLE_WHY: dict[type[Exception], str] = {
    UnicodeDecodeError: "it is not UTF-8 text.",
    RecursionError: "it is nested too deeply.",
}


def unreadable_body(exc: Exception) -> str | None:
    """Why FastAPI's bare 400 "error parsing the body" happened, when it is the sender's JSON."""
    cause = exc.__cause__
    return next((why for kind, why in UNREADABLE_WHY.items() if isinstance(cause, kind)), None)


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail or {}}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DashError)
    async def _dash_error(_: Request, exc: DashError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.detail), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors()
        ]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "Invalid request."
        return JSONResponse(error_body("invalid_input", message, {"fields": fields}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if (why := unreadable_body(exc)) is not None:
            return JSONResponse(
                error_body("invalid_input", f"The request body is not valid JSON: {why}"), 422
            )
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )
