"""Fixtures for the team tests: a database with the sample data AND the curated knowledge loaded.

Loading knowledge embeds ~100 documents, so it is done once into a template; each test gets a copy.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from agents import run_events as rev
from agents.team import Deps, ask
from core.settings import Settings
from db.bootstrap import admin_dsn
from db.embeddings import local_embedder
from db.engines import DatabaseTarget, Engines, with_database
from db.knowledge.loader import load_knowledge
from db.store import Store
from tests.conftest import TEMPLATE

KNOWLEDGE = Path(__file__).parents[2] / "knowledge"
AGENTS_TEMPLATE = "dash_agents_template"


def _create(target: DatabaseTarget, name: str, template: str) -> None:
    with psycopg.connect(admin_dsn(target), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )


@pytest.fixture(scope="session")
def agents_template(pg_server: DatabaseTarget) -> str:
    _create(pg_server, AGENTS_TEMPLATE, TEMPLATE)
    engines = Engines(with_database(pg_server, AGENTS_TEMPLATE), pool_size=2)
    load_knowledge(engines.service, local_embedder(), KNOWLEDGE)
    engines.dispose()
    return AGENTS_TEMPLATE


@pytest.fixture
def team_db(pg_server: DatabaseTarget, agents_template: str) -> Iterator[DatabaseTarget]:
    name = f"a_{uuid.uuid4().hex[:12]}"
    _create(pg_server, name, agents_template)
    try:
        yield with_database(pg_server, name)
    finally:
        with psycopg.connect(admin_dsn(pg_server), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def make_deps(
    team_db: DatabaseTarget, model_settings: Callable[..., Settings]
) -> Iterator[Callable[..., Deps]]:
    """Deps on the test's database and the fake model server; settings overrides as keywords."""
    made: list[Engines] = []

    def build(**overrides: Any) -> Deps:
        values = {"database_url": None, "model_max_retries": 0, **overrides}
        engines = Engines(team_db, pool_size=4)
        made.append(engines)
        return Deps(model_settings(**values), engines, Store(engines.service), local_embedder())

    yield build
    for engines in made:
        engines.dispose()


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    return make_deps()


def run(deps: Deps, question: str, *, user: str = "alice", session: str | None = None) -> list[rev.RunEvent]:
    """Every event of one run, to the end."""

    async def main() -> list[rev.RunEvent]:
        return [event async for event in ask(deps, user, question, session)]

    return asyncio.run(main())


def final(events: list[rev.RunEvent]) -> rev.RunEvent:
    assert events[-1].terminal, events
    return events[-1]


def of_type(events: list[rev.RunEvent], kind: type[rev.E]) -> list[rev.E]:
    return [e for e in events if isinstance(e, kind)]


def audit_rows(deps: Deps, run_id: str) -> list[Any]:
    with deps.engines.service.connect() as conn:
        return list(
            conn.execute(
                text("SELECT * FROM ai.sql_audit WHERE run_id = :r ORDER BY id"), {"r": run_id}
            ).all()
        )
