"""Fixtures for agent tests: model settings and a loop runner (the model server is in tests/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from agents.loop import LoopEvent, run_loop
from agents.model import create_model_client
from core.settings import Settings
from tests.fakes.model_server import FakeModelServer


@pytest.fixture
def model_settings(model_server: FakeModelServer) -> Callable[..., Settings]:
    """Settings pointing at the fake server, ignoring the developer's .env; overrides as keywords."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"openai_base_url": model_server.base_url, "openai_api_key": None}
        return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[call-arg]

    return build


@pytest.fixture
def run_agent_loop(model_settings: Callable[..., Settings]) -> Callable[..., list[LoopEvent]]:
    """Run the loop to the end against the fake server and return every event it yielded.

    Keywords go to `run_loop` (messages, toolset, limits; model defaults to "test-model"), except
    `settings`, which replaces the default settings.
    """

    def run(settings: Settings | None = None, **kwargs: Any) -> list[LoopEvent]:
        async def main() -> list[LoopEvent]:
            client = create_model_client(settings or model_settings())
            kwargs.setdefault("model", "test-model")
            kwargs.setdefault("messages", [{"role": "user", "content": "How many customers?"}])
            try:
                return [event async for event in run_loop(client, **kwargs)]
            finally:
                await client.close()

        return asyncio.run(main())

    return run
