"""CPU per streamed model call: the openai SDK's path (what Dash used before) vs our own client.

    python benchmarks/model_client.py [--calls 200] [--chunks 50] [--rounds 3]

The scripted model server runs in a process of its own; each call streams `--chunks` chunks over
about a second (20 ms apart, each its own packet, as a model's tokens arrive), with a request the
size of a Leader's (a 6 kB system prompt, tools). Each round, each client first answers `--calls`
calls at once to open its connections, then another `--calls` at once are measured: CPU seconds
of this process (the client side only) per call, and the wall time. The two clients alternate
within a round, so the machine's other load weighs on both alike.

The SDK path is kept here only, as a reference: `openai.AsyncOpenAI` over eight httpx pools used
in turn, `client.post(..., stream=True, stream_cls=AsyncStream[object])`, chunks as dicts.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))  # for tests.fakes and the benchmarks' shared modules

import httpx2  # noqa: E402
import openai  # noqa: E402

from agents.model_client import CHAT_PATH, ModelClient  # noqa: E402
from benchmarks.dash_process import load_average  # noqa: E402
from benchmarks.proc_cpu import cpu_model  # noqa: E402
from tests.fakes.model_server import FakeModelServer, text  # noqa: E402

CHUNK_CHARS = 4
SYSTEM = "You are the Leader of a data team. " * 180  # ~6 kB, like a Leader's instructions
TOOL = {
    "type": "function",
    "function": {
        "name": "ask_analyst",
        "description": "Ask the Analyst a question about the data.",
        "parameters": {
            "type": "object",
            "properties": {"question": {"type": "string"}},
            "required": ["question"],
        },
    },
}


def body(model: str = "bench") -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "How many?"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "tools": [TOOL],
    }


def model_process(turns: int, chunks: int, ready: Any, stop: Any) -> None:
    """The scripted model server in its own process: its work is not the client's."""
    with FakeModelServer() as server:
        server.script(*[text("word" * chunks, chunk_size=CHUNK_CHARS, chunk_delay=0.02)] * turns)
        ready.put(server.base_url)
        stop.wait()


class PoolsInTurn(httpx2.AsyncBaseTransport):
    """main's agents/model_pools.py: requests spread over eight httpx pools in turn."""

    def __init__(self, pools: int = 8, connections: int = 1000) -> None:
        share = httpx2.Limits(
            max_connections=connections // pools, max_keepalive_connections=connections // pools
        )
        self.pools = [httpx2.AsyncHTTPTransport(limits=share) for _ in range(pools)]
        self._turn = itertools.cycle(self.pools)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await next(self._turn).handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()


def sdk_path(base_url: str) -> tuple[Callable[[], Awaitable[int]], Callable[[], Awaitable[None]]]:
    client = openai.AsyncOpenAI(
        api_key="not-needed",
        base_url=base_url,
        timeout=60,
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(transport=PoolsInTurn()),
    )

    async def call() -> int:
        stream = await client.post(
            "/chat/completions",
            body=body(),
            cast_to=object,
            stream=True,
            stream_cls=openai.AsyncStream[object],
        )
        try:
            return len([1 async for chunk in stream if isinstance(chunk, dict) and chunk.get("choices")])
        finally:
            await stream.close()

    return call, client.close


def our_path(base_url: str) -> tuple[Callable[[], Awaitable[int]], Callable[[], Awaitable[None]]]:
    client = ModelClient(base_url, api_key="not-needed", timeout_s=60)

    async def call() -> int:
        stream = client.stream(CHAT_PATH, body())
        try:
            return len([1 async for chunk in stream if isinstance(chunk, dict) and chunk.get("choices")])
        finally:
            await stream.aclose()

    return call, client.close


async def measure(path: Callable[..., Any], base_url: str, calls: int, chunks: int) -> tuple[float, float]:
    """(CPU ms per call, wall s) of `calls` calls at once, on connections a first batch opened."""
    call, close = path(base_url)
    try:
        await asyncio.gather(*(call() for _ in range(calls)))  # opens the connections
        cpu, wall = time.process_time(), time.perf_counter()
        counts = await asyncio.gather(*(call() for _ in range(calls)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await close()
    # The fake adds a first (role) and a last (finish reason) chunk to the text's.
    assert set(counts) == {chunks + 2}, f"expected {chunks + 2} chunks per call: {set(counts)}"
    return cpu * 1000 / calls, wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    spawn = mp.get_context("spawn")
    ready, stop = spawn.Queue(), spawn.Event()
    turns = args.rounds * 2 * 2 * args.calls
    server = spawn.Process(target=model_process, args=(turns, args.chunks, ready, stop))
    server.start()
    try:
        base_url = ready.get(timeout=60)
        print(
            f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}; "
            f"load average {load_average()}"
        )
        print(f"{args.calls} streamed calls at once, {args.chunks} chunks each (client CPU only)")
        figures: dict[str, list[float]] = {"openai SDK": [], "ours": []}
        for round_ in range(1, args.rounds + 1):
            for name, path in (("openai SDK", sdk_path), ("ours", our_path)):
                cpu_ms, wall = asyncio.run(measure(path, base_url, args.calls, args.chunks))
                figures[name].append(cpu_ms)
                print(f"  round {round_}  {name:<10}  {cpu_ms:6.2f} ms CPU per call  wall {wall:5.2f} s")
        for name, values in figures.items():
            print(f"{name:<10}  median {statistics.median(values):6.2f} ms CPU per call")
    finally:
        stop.set()
        server.join(timeout=10)


if __name__ == "__main__":
    main()
