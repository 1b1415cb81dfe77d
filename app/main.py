"""Build the FastAPI app. Everything that connects is created in the lifespan and handed down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from agents.model import create_model_client
from agents.model_client import ModelClient
from agents.runner import Runner
from agents.scope import Deps
from app import console
from app.auth import Authenticator, check_listen
from app.errors import install_error_handlers
from app.handlers import install_api_handlers
from app.limits import BodyLimit
from app.mcp import mount_mcp
from app.metrics import install as install_metrics
from app.routes import (
    ask,
    audit,
    feedback,
    health,
    knowledge,
    learnings,
    me,
    memory,
    proposals,
    runs,
    schedules,
    sessions,
)
from app.routes import metrics as metrics_route
from app.routes.models import COMMON_ERRORS
from app.scheduling import build_scheduler
from app.slack import build_slack
from app.slack import router as slack_router
from app.slack.review import review_notifier
from app.sweeper import Sweeper
from core.settings import Settings, get_settings
from db.bootstrap import RoleLimits, bootstrap
from db.embeddings import Embedder, make_embedder
from db.engines import DatabaseTarget, Engines, resolve_target, service_conninfo
from db.knowledge.coverage import refresh_if_stale
from db.knowledge.shared import shared_knowledge
from db.knowledge.vectors import check_embedder
from db.notifications import CANCEL_CHANNEL, Listener
from db.store import Store

log = logging.getLogger(__name__)
ROUTERS = (ask, sessions, runs, feedback, knowledge, learnings, proposals, memory, audit, schedules, me)


def shared_client(settings: Settings) -> ModelClient | None:
    """One model client (one connection pool) for every run; None: each run reports the missing model."""
    return create_model_client(settings) if settings.model_configured else None


def start_checks(settings: Settings, engines: Engines) -> Embedder:
    """What start-up refuses: a public interface without auth, stored vectors from another embedder
    (which would make every search wrong). Returns the configured embedder."""
    check_listen(settings, settings.host, engines.service)
    embedder = make_embedder(settings)
    check_embedder(engines.service, embedder)
    return embedder


def measure_coverage(engines: Engines) -> None:
    """Measure what the data covers when nothing is stored, it is a day old or tables changed.
    The agents then only miss the dates, so a failure is logged, not fatal."""
    try:
        report = refresh_if_stale(engines)
    except Exception as exc:  # e.g. the analyst role cannot connect: /health says more
        log.warning("could not measure the data coverage: %s", exc)
        return
    if report is not None:
        log.info("%s", report.summary())


def create_app(
    settings: Settings | None = None, target: DatabaseTarget | None = None, *, prepared: bool = False
) -> FastAPI:
    """The app. `prepared`: the caller (`dash up`) already bootstrapped and ran `start_checks`."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = target or resolve_target(settings)
        if not prepared:
            bootstrap(resolved, RoleLimits.from_settings(settings))
        engines = Engines(resolved, pool_size=settings.db_pool_size)
        try:
            embedder = make_embedder(settings) if prepared else start_checks(settings, engines)
            await asyncio.to_thread(measure_coverage, engines)
            store = Store(engines.service)
            app.state.store, app.state.settings, app.state.target = store, settings, resolved
            app.state.engines = engines
            app.state.authenticator = authenticator = Authenticator(settings, engines.service)
            notify = review_notifier(settings, engines.service)
            app.state.deps = Deps(settings, engines, store, embedder, shared_client(settings), notify)
            app.state.runner = runner = Runner(app.state.deps)
            # Another process's cancel of a run this one drives stops it at once, not at a heartbeat;
            # a key revoked anywhere stops working here at once; a knowledge change anywhere is seen.
            app.state.listener = listener = Listener(partial(service_conninfo, resolved))
            listener.on(CANCEL_CHANNEL, runner.cancel)
            authenticator.hear(listener)
            shared_knowledge(engines.service).hear(listener)  # no version query per context while it hears
            app.state.scheduler = build_scheduler(settings, engines, store, runner=runner)
            app.state.slack = build_slack(settings, runner)
            # A process that died mid-run left its runs "running": close them now, then keep looking.
            ledger = app.state.slack.ledger if app.state.slack is not None else None
            app.state.sweeper = sweeper = Sweeper(store, ledger)
            sweeper.sweep()
            if settings.scheduler_enabled:
                await app.state.scheduler.start()
            sweeper.start()
            listener.start()
            yield
            await listener.close()
            await sweeper.close()
            await app.state.scheduler.stop()
            if app.state.slack is not None:
                await app.state.slack.close()
            await runner.close()
            if app.state.deps.client is not None:
                await app.state.deps.client.close()
        finally:
            engines.dispose()

    app = FastAPI(
        title="Dash",
        summary="A self-hosted, self-learning data agent.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_api_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(slack_router)
    app.include_router(console.router)
    for module in ROUTERS:
        app.include_router(module.router, responses=COMMON_ERRORS)
    if settings.metrics_enabled:
        install_metrics()
        app.include_router(metrics_route.router)
    mount_mcp(app, settings)
    return app
