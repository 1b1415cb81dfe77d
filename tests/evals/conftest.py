"""Fixtures for the eval harness tests: the scripted model server and the team's database."""

from __future__ import annotations

from tests.agents.conftest import _model_server_process, model_server, model_settings
from tests.agents.harness import agents_template, deps, make_deps, team_db

__all__ = [
    "_model_server_process",
    "agents_template",
    "deps",
    "make_deps",
    "model_server",
    "model_settings",
    "team_db",
]
