"""Many concurrent SSE streams on one Dash process, against the scripted model server.

    python benchmarks/api.py [--streams 1000] [--answer-seconds 5] [--deadline 240]

Dash (uvicorn, one process, one event loop) runs here with an embedded PostgreSQL, on loopback
only; the scripted model and the load client run in processes of their own, so their work does
not count against Dash's event loop or memory. Each stream asks one question; the model answers
in chunks spread over `--answer-seconds`. Prints completed streams, errors, p50/p95 time to first event, event-loop lag
inside Dash, and memory. Everything is bounded by `--deadline` and cleaned up at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from app.main import create_app
from core.settings import Settings
from db.bootstrap import bootstrap
from db.embedded import EmbeddedPostgres, free_port
from db.engines import resolve_target
from tests.fakes.model_server import FakeModelServer, text

CHUNKS = 50


def machine() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_stream(client: httpx.AsyncClient, index: int) -> tuple[float | None, str]:
    """(seconds to the first event, how the stream ended)."""
    started, first = time.perf_counter(), None
    try:
        async with client.stream("POST", "/v1/ask", json={"message": f"Question {index}?"}) as response:
            if response.status_code != 200:
                return None, f"http {response.status_code}"
            async for line in response.aiter_lines():
                if line.startswith("id:") and first is None:
                    first = time.perf_counter() - started
                if line.startswith("event: run_"):
                    ending = line.split(": ", 1)[1]
                    if ending != "run_started":
                        return first, ending
    except httpx.HTTPError as exc:
        return first, type(exc).__name__
    return first, "no final event"


def load(base: str, streams: int, deadline: float, out: Any) -> None:
    """The client process: open every stream at once, report (first-event times, endings)."""

    async def main() -> list[tuple[float | None, str]]:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=deadline) as client:
            tasks = [asyncio.create_task(one_stream(client, i)) for i in range(streams)]
            done, pending = await asyncio.wait(tasks, timeout=deadline)
            for task in pending:
                task.cancel()
            return [t.result() if t in done else (None, "deadline") for t in tasks]

    out.put(asyncio.run(main()))


class LagProbe:
    """Runs on Dash's loop: how late a 50 ms sleep wakes up is how busy the loop is."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.running = True

    async def run(self) -> None:
        while self.running:
            started = time.perf_counter()
            await asyncio.sleep(0.05)
            self.lags.append(time.perf_counter() - started - 0.05)


def serve_dash(settings: Settings, target: Any) -> tuple[uvicorn.Server, asyncio.AbstractEventLoop, str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, target), host="127.0.0.1", port=port, log_level="error", backlog=4096
    )
    server, loop = uvicorn.Server(config), asyncio.new_event_loop()
    threading.Thread(target=lambda: loop.run_until_complete(server.serve()), daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, loop, f"http://127.0.0.1:{port}"


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[q - 1]


def report(
    results: list[tuple[float | None, str]], lags: list[float], seconds: float, rss: tuple[float, float]
) -> None:
    firsts = sorted(f for f, _ in results if f is not None)
    endings: dict[str, int] = {}
    for _, ending in results:
        endings[ending] = endings.get(ending, 0) + 1
    completed = endings.pop("run_completed", 0)
    print(f"streams: {len(results)}, completed: {completed}, errors: {sum(endings.values())} {endings or ''}")
    print(f"wall time: {seconds:.1f}s")
    print(
        f"time to first event: p50 {percentile(firsts, 50) * 1000:.0f} ms, p95 {percentile(firsts, 95) * 1000:.0f} ms"
    )
    print(
        f"event-loop lag in Dash: p95 {percentile(lags, 95) * 1000:.1f} ms, max {max(lags, default=0) * 1000:.1f} ms"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory of the Dash process: RSS {rss[0]:.0f} -> {rss[1]:.0f} MiB, peak {peak:.0f} MiB")
    print(machine())


def model_process(streams: int, answer_seconds: float, ready: Any, stop: Any) -> None:
    """The scripted model server, in its own process: `streams` answers, each over `answer_seconds`."""
    answer = " ".join(f"word{i}" for i in range(CHUNKS))
    turn = text(answer, chunk_size=len(answer) // CHUNKS + 1, chunk_delay=answer_seconds / CHUNKS)
    with FakeModelServer() as model:
        model.script(*[turn] * streams)
        ready.put(model.base_url)
        stop.wait()


def run(home: Path, args: argparse.Namespace) -> None:
    database = EmbeddedPostgres(home, fast_unsafe=True)
    database.ensure_started()
    spawn = mp.get_context("spawn")
    ready, stop = spawn.Queue(), spawn.Event()
    model = spawn.Process(target=model_process, args=(args.streams, args.answer_seconds, ready, stop))
    model.start()
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            dash_home=home,
            database_url=None,
            openai_api_key=None,
            openai_base_url=ready.get(timeout=60),
            db_pool_size=args.pool,
            model_max_retries=0,
            user_max_active_runs=0,  # one user asks everything here: measure load, not limits
            user_questions_per_minute=0,
        )
        target = resolve_target(settings)
        bootstrap(target)
        measure(settings, target, args)
    finally:
        stop.set()
        model.join(10)
        database.destroy()


def measure(settings: Settings, target: Any, args: argparse.Namespace) -> None:
    server, loop, base = serve_dash(settings, target)
    probe = LagProbe()
    asyncio.run_coroutine_threadsafe(probe.run(), loop)
    before, started = rss_mib(), time.perf_counter()
    out: Any = mp.get_context("spawn").Queue()
    client = mp.get_context("spawn").Process(target=load, args=(base, args.streams, args.deadline, out))
    client.start()
    results = out.get(timeout=args.deadline + 60)
    client.join(10)
    seconds, after = time.perf_counter() - started, rss_mib()
    probe.running = False
    server.should_exit = True
    time.sleep(1)
    report(results, probe.lags, seconds, (before, after))


def main() -> None:
    parser = argparse.ArgumentParser(description="Concurrent SSE streams against one Dash process.")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--answer-seconds", type=float, default=5.0)
    parser.add_argument("--deadline", type=float, default=240.0, help="Give up on streams after this.")
    parser.add_argument("--pool", type=int, default=20, help="DB_POOL_SIZE for Dash.")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    run(home, args)


if __name__ == "__main__":
    main()
