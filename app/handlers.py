"""Error handlers the API adds to `app.errors`: 401 with WWW-Authenticate, bad values, the
database out of reach (503 with Retry-After), crashes.

Every one renders the same `{"error": {...}}` shape; an unexpected exception is a 500 in that
shape too (logged with its traceback), never a bare text page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError

from app.errors import error_body
from core.errors import DatabaseUnavailable, Unauthorized
from db.engines import database_unreachable

log = logging.getLogger(__name__)


def install_api_handlers(app: FastAPI) -> None:
    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer realm="dash"'}
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=401, headers=headers)

    @app.exception_handler(DataError)
    async def _bad_value(_: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character in an id: PostgreSQL text cannot hold it, so no such row can exist.
        message = "A value in the request cannot be stored or compared: " + str(exc.orig).splitlines()[0]
        return JSONResponse(error_body("invalid_input", message), status_code=422)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not database_unreachable(exc):
            return await _crash(request, exc)
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc.orig)
        down = DatabaseUnavailable()
        body = error_body(down.code, down.message)
        return JSONResponse(body, status_code=down.status_code, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = error_body("internal_error", "Dash failed unexpectedly; the server log has the details.")
        return JSONResponse(body, status_code=500)
