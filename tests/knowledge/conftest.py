"""Fixtures for knowledge tests: an empty bootstrapped database per test (no sample data needed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from db.embeddings import LocalEmbedder, local_embedder
from db.engines import DatabaseTarget, resolve_target
from tests.conftest import cli_settings, fresh_database, test_settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "knowledge"


@pytest.fixture(scope="session")
def embedder() -> LocalEmbedder:
    return local_embedder()


@pytest.fixture(scope="session")
def server(pg_home: Path) -> DatabaseTarget:
    return resolve_target(test_settings(pg_home))


@pytest.fixture
def kb_target(server: DatabaseTarget) -> Iterator[DatabaseTarget]:
    """A fresh, bootstrapped, empty database for one test."""
    with fresh_database(server) as target:
        yield target


@pytest.fixture
def engine(kb_target: DatabaseTarget) -> Iterator[Engine]:
    """The service role's engine: the role that owns `ai` and that Dash itself uses."""
    eng = create_engine(kb_target.service_url, pool_size=2)
    yield eng
    eng.dispose()


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture knowledge folder."""
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURES / "valid", target)
    return target


@pytest.fixture
def cli_env(kb_target: DatabaseTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the `dash` CLI at this test's database (as DATABASE_URL, like an operator would)."""
    with cli_settings(kb_target, tmp_path / "home", monkeypatch):
        yield
