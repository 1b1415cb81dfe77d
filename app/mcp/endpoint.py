"""`/mcp` on the FastAPI app: our bearer auth in front of the SDK's streamable HTTP transport.

The transport runs stateless (a fresh server exchange per POST), so every request carries and
proves its own credentials and any replica can answer any request; no MCP session pins a client
to one process. The caller's `Principal` rides on the request's ASGI state, where the tools find
it (`app.mcp.access.principal_of`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.auth import Authenticator, is_loopback
from app.errors import error_body
from app.mcp.server import build_server
from core.errors import DashError, DatabaseUnavailable
from core.settings import Settings
from db import log_context
from db.engines import database_unreachable

PATH = "/mcp"


class McpEndpoint:
    """ASGI app: authenticate like REST (one error shape on failure), then hand over to the SDK."""

    def __init__(self, app: FastAPI, manager: StreamableHTTPSessionManager) -> None:
        self.app, self.manager = app, manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        authenticator: Authenticator = self.app.state.authenticator
        try:
            principal = await authenticator.principal(Headers(scope=scope).get("authorization"))
        except DashError as exc:
            await refusal(exc)(scope, receive, send)
            return
        except DBAPIError as exc:
            if not database_unreachable(exc):
                raise
            await refusal(DatabaseUnavailable())(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        log_context.bind(user_id=principal.user_id)
        await self.manager.handle_request(scope, receive, send)


def refusal(exc: DashError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="dash"'} if exc.status_code == 401 else None
    body = error_body(exc.code, exc.message, exc.detail)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def transport_security(settings: Settings) -> TransportSecuritySettings | None:
    """On loopback, the SDK's DNS-rebinding protection (a web page must not reach the local admin);
    elsewhere every request is authenticated, so any Host may ask."""
    if not is_loopback(settings.host):
        return None
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )


def mount_mcp(app: FastAPI, settings: Settings) -> None:
    """Serve MCP at /mcp and run its session manager for as long as the app's lifespan."""
    server = build_server(app, settings)
    # Only the SDK's session manager is used; the Starlette app it returns around it is not.
    server.streamable_http_app(
        stateless_http=True,
        transport_security=transport_security(settings),
        max_request_body_size=settings.max_body_bytes,
    )
    manager = server.session_manager
    app.router.routes.append(Route(PATH, endpoint=McpEndpoint(app, manager), include_in_schema=False))
    app.router.lifespan_context = _with_manager(app.router.lifespan_context, manager)


Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def _with_manager(inner: Lifespan, manager: StreamableHTTPSessionManager) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with inner(app) as state, manager.run():
            yield state

    return lifespan
