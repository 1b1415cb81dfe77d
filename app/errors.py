"""One handler renders every error in one shape; the classes live in `core.errors`.

Every error response looks like::

    {"error": {"code": "not_found", "message": "Session abc does not exist.", "detail": {...}}}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import DashError

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
