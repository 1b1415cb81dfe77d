"""The world an agent eval runs in: settings from the environment, a database with the sample
data and the shipped knowledge, and the `Deps` of the run API built on them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agents.team import Deps
from core.settings import Settings
from db.bootstrap import bootstrap
from db.embeddings import make_embedder
from db.engines import Engines
from db.knowledge.coverage import refresh_coverage
from db.knowledge.loader import load_knowledge
from db.sample_data import generate
from db.store import Store
from evals.database import eval_database

KNOWLEDGE = Path(__file__).parents[1] / "knowledge"
NO_MODEL = (
    "no model configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server) "
    "to run this category; `--category retrieval` needs no model"
)


class ModelMissing(RuntimeError):
    """The category needs a model and none is configured."""


def model_settings() -> Settings:
    """Settings from the environment and .env; ModelMissing when no model is configured."""
    settings = Settings()
    if not settings.model_configured:
        raise ModelMissing(NO_MODEL)
    return settings


@contextmanager
def eval_deps(settings: Settings) -> Iterator[Deps]:
    """Deps on a scratch database holding the sample data and the knowledge; dropped afterwards."""
    with eval_database() as target:
        generate(target, seed=42)
        bootstrap(target)  # grants on the tables the generator just created
        engines = Engines(target, pool_size=4)
        try:
            embedder = make_embedder(settings)
            load_knowledge(engines.service, embedder, KNOWLEDGE)
            refresh_coverage(engines)  # the agents are told what the data covers, as in the service
            yield Deps(settings, engines, Store(engines.service), embedder)
        finally:
            engines.dispose()
