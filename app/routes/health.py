"""`/health` (no auth): is the database up, is a model configured. `/ready` for orchestrators.

Anyone may ask, so what only helps an operator (the driver's error, which names the database host
and port, and the model server's URL) is shown only to a caller who authenticates (any role; in
development without auth, everyone).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


def _check_database(request: Request) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with request.app.state.engines.service.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
    except Exception as exc:  # any failure means "down"; the message says which
        return {"status": "down", "error": str(exc).splitlines()[0]}
    return {
        "status": "up",
        "server_version": version,
        "kind": "embedded" if request.app.state.target.embedded else "external",
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _embedder(request: Request) -> dict[str, Any]:
    embedder = request.app.state.deps.embedder
    return {"name": embedder.name, "dimension": embedder.dimension}


async def _authenticated(request: Request) -> bool:
    try:
        await request.app.state.authenticator.principal(request.headers.get("authorization"))
    except Exception:  # no or bad credentials, or the database cannot tell: show the public view
        return False
    return True


def public_view(body: dict[str, Any]) -> dict[str, Any]:
    """`/health` for an anonymous caller: the same statuses, without addresses."""
    database = {k: v for k, v in body["database"].items() if k != "error"}
    if "error" in body["database"]:
        database["error"] = "the database did not answer (authenticate to see the driver's error)"
    model = {k: v for k, v in body["model"].items() if k != "base_url"}
    return body | {"database": database, "model": model}


@router.get("/health", summary="Service health: database and model configuration")
async def health(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    database = await asyncio.to_thread(_check_database, request)
    body = {
        "status": "ok" if database["status"] == "up" else "degraded",
        "database": database,
        "model": {
            "configured": settings.model_configured,
            "model": settings.dash_model,
            "base_url": settings.openai_base_url or "https://api.openai.com/v1",
        },
        "embedder": _embedder(request),
        "slack": {"enabled": settings.slack_enabled},
    }
    if not await _authenticated(request):
        body = public_view(body)
    return JSONResponse(body, status_code=200 if database["status"] == "up" else 503)


@router.get("/ready", summary="Readiness probe: 200 once the database answers")
async def ready(request: Request) -> JSONResponse:
    database = await asyncio.to_thread(_check_database, request)
    ok = database["status"] == "up"
    return JSONResponse({"ready": ok}, status_code=200 if ok else 503)
