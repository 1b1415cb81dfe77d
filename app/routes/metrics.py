"""`GET /metrics`: Prometheus text exposition (METRICS_ENABLED).

A scrape from loopback (a sidecar, `curl` on the host) needs no credentials; from anywhere else it
needs a bearer API key or JWT with the admin role. Behind a reverse proxy on the same host every
request looks local: route /metrics away there, or set METRICS_ENABLED=false.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app import metrics
from app.auth import Authenticator, Role, is_loopback
from core.errors import Forbidden

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def prometheus_metrics(request: Request) -> Response:
    client = request.client.host if request.client else ""
    if not is_loopback(client):
        await _require_admin(request)
    body = await asyncio.to_thread(metrics.scrape, getattr(request.app.state, "engines", None))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def _require_admin(request: Request) -> None:
    authenticator: Authenticator = request.app.state.authenticator
    principal = await authenticator.principal(request.headers.get("authorization"))
    if principal.role < Role.admin:
        raise Forbidden(
            f"Metrics need the admin role outside loopback; you ({principal.user_id}) have {principal.role.name}.",
            detail={"required_role": "admin", "role": principal.role.name},
        )
