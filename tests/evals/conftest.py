"""Fixtures for the eval harness tests: model settings and the team's database."""

from __future__ import annotations

from tests.agents.conftest import model_settings
from tests.agents.harness import agents_template, deps, make_deps, team_db

__all__ = [
    "agents_template",
    "deps",
    "make_deps",
    "model_settings",
    "team_db",
]
