"""The model client's connections: spread over a few pools, or the SDK's own behind a proxy."""

from __future__ import annotations

import asyncio

import pytest

from agents.model import create_model_client
from agents.model_pools import POOLS, PoolsInTurn
from tests.fakes.model_server import respond, text


def test_concurrent_answers_are_spread_over_the_pools_and_each_arrives_whole(
    model_server, model_settings
) -> None:
    echo = respond(lambda request: text(f"echo {request.messages[-1]['content']}", chunk_size=2))
    model_server.script(*[echo] * (2 * POOLS))

    async def ask_all() -> tuple[list[str], list[int]]:
        client = create_model_client(model_settings())
        transport = client._client._transport  # the SDK's httpx client; we gave it our transport
        assert isinstance(transport, PoolsInTurn)

        async def one(i: int) -> str:
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": f"q{i}"}], stream=True
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

        answers = await asyncio.gather(*(one(i) for i in range(2 * POOLS)))
        used = [len(pool._pool.connections) for pool in transport.pools]
        await client.close()
        return list(answers), used

    answers, used = asyncio.run(ask_all())
    assert answers == [f"echo q{i}" for i in range(2 * POOLS)]
    assert all(count >= 1 for count in used), used


def test_behind_a_proxy_the_sdk_client_is_used_as_it_is(
    model_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    client = create_model_client(model_settings())
    assert not isinstance(client._client._transport, PoolsInTurn)
    assert client._client._mounts, "the proxy from the environment is mounted, as the SDK does it"
