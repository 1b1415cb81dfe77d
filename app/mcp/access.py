"""Who is calling an MCP tool, whether their role allows it, and Dash errors as tool errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from sqlalchemy.exc import DBAPIError

from app.auth import Principal, Role
from app.errors import error_body
from core.errors import DashError, DatabaseUnavailable, Forbidden, ServiceUnavailable
from db.embeddings import EmbedderError
from db.engines import database_unreachable
from db.knowledge.vectors import EmbedderMismatch


def principal_of(ctx: Context) -> Principal:
    """The caller `McpEndpoint` authenticated for this HTTP request."""
    request = ctx.request_context.request
    principal = getattr(getattr(request, "state", None), "principal", None)
    if not isinstance(principal, Principal):  # only reachable if the endpoint was bypassed
        raise ToolError(_text(Forbidden("This MCP request was not authenticated.")))
    return principal


def caller(ctx: Context, role: Role = Role.viewer) -> Principal:
    """The caller, if their role is at least `role` (the same rule as REST's `require`)."""
    principal = principal_of(ctx)
    if principal.role < role:
        raise ToolError(
            _text(
                Forbidden(
                    f"This needs the {role.name} role; you ({principal.user_id}) have {principal.role.name}.",
                    detail={"required_role": role.name, "role": principal.role.name},
                )
            )
        )
    return principal


@contextmanager
def tool_errors() -> Iterator[None]:
    """A Dash error reaches the client as a tool error in the one JSON error shape."""
    try:
        yield
    except DashError as exc:
        raise ToolError(_text(exc)) from exc
    except (EmbedderError, EmbedderMismatch) as exc:  # as over REST: what to fix, not a crash
        raise ToolError(_text(ServiceUnavailable(str(exc), detail={"settings": ["EMBEDDER"]}))) from exc
    except DBAPIError as exc:
        if not database_unreachable(exc):
            raise
        raise ToolError(_text(DatabaseUnavailable())) from exc


def _text(exc: DashError) -> str:
    return json.dumps(error_body(exc.code, exc.message, exc.detail))
