"""Build the FastAPI app. Everything that connects is created in the lifespan and handed down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.errors import install_error_handlers
from app.routes import health
from app.settings import Settings, get_settings
from db.bootstrap import RoleLimits, bootstrap
from db.engines import DatabaseTarget, Engines, resolve_target
from db.store import Store

STALE_RUN_S = 120


def create_app(settings: Settings | None = None, target: DatabaseTarget | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = target or resolve_target(settings)
        bootstrap(resolved, RoleLimits.from_settings(settings))
        engines = Engines(resolved, pool_size=settings.db_pool_size)
        store = Store(engines.service)
        # A process that died mid-run left its runs "running": close them as interrupted.
        store.recover_interrupted_runs(stale_after_s=STALE_RUN_S)
        app.state.store = store
        app.state.settings = settings
        app.state.target = resolved
        app.state.engines = engines
        try:
            yield
        finally:
            engines.dispose()

    app = FastAPI(
        title="Dash",
        summary="A self-hosted, self-learning data agent.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(health.router)
    return app
