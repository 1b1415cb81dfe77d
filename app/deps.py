"""FastAPI dependencies: the caller (`Caller`), role checks (`require`), and what the lifespan built."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agents.runner import Runner
from agents.scope import Deps
from app.auth import Authenticator, Principal, Role
from core.errors import Forbidden
from core.settings import Settings
from db import log_context
from db.engines import Engines
from db.store import Store

# auto_error=False: a missing header is our own 401 (one error shape, WWW-Authenticate set).
bearer = HTTPBearer(auto_error=False, description="A Dash API key (`dash keys create`) or a JWT.")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """Who is calling: from the bearer token, or the local admin when no auth is configured."""
    authenticator: Authenticator = request.app.state.authenticator
    header = f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization")
    principal = await authenticator.principal(header)
    request.state.principal = principal
    log_context.bind(user_id=principal.user_id)
    return principal


def require(role: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets the caller through only with at least `role`."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role < role:
            raise Forbidden(
                f"This needs the {role.name} role; you ({principal.user_id}) have {principal.role.name}.",
                detail={"required_role": role.name, "role": principal.role.name},
            )
        return principal

    return check


# What the lifespan built, as `async def`: FastAPI runs a plain `def` dependency in a worker thread,
# a hop per request that costs more than the request's own work on a busy server.
async def _store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _engines(request: Request) -> Engines:
    return request.app.state.engines  # type: ignore[no-any-return]


async def _runner(request: Request) -> Runner:
    return request.app.state.runner  # type: ignore[no-any-return]


async def _deps(request: Request) -> Deps:
    return request.app.state.deps  # type: ignore[no-any-return]


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Analyst = Annotated[Principal, Depends(require(Role.analyst))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
EnginesDep = Annotated[Engines, Depends(_engines)]
RunnerDep = Annotated[Runner, Depends(_runner)]
TeamDeps = Annotated[Deps, Depends(_deps)]
