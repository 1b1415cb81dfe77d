"""Many concurrent questions through the run API against a scripted model that streams for 2 s.

    python benchmarks/runs.py [--questions 200] [--stream-s 2.0] [--pool 10]

Each question: the Leader delegates to the Analyst, the Analyst runs one guarded SQL statement,
then the Leader streams its answer for `--stream-s` seconds. Every run is recorded (run, events,
history, audit) in an embedded PostgreSQL started in a throw-away folder under /tmp
(world-traversable: the server runs as `nobody` when we are root), destroyed at the end.
Overhead = a run's latency minus the time the model spends streaming the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

from agents import run_events as rev  # noqa: E402
from agents.model import create_model_client  # noqa: E402
from agents.team import Deps, ask  # noqa: E402
from core.settings import Settings  # noqa: E402
from db.bootstrap import bootstrap  # noqa: E402
from db.embedded import EmbeddedPostgres  # noqa: E402
from db.embeddings import local_embedder  # noqa: E402
from db.engines import Engines, resolve_target  # noqa: E402
from db.store import Store  # noqa: E402
from tests.fakes.model_server import FakeModelServer, RecordedRequest, call, respond, text, tools  # noqa: E402
from tests.fakes.model_turns import Turn  # noqa: E402

ANSWER = "The answer is one. " * 10


def scripted_turn(stream_s: float) -> Turn:
    """Choose each reply from the request itself, so concurrent runs cannot take each other's turns."""
    chunks = len(ANSWER) // 4

    def choose(request: RecordedRequest) -> Turn:
        analyst = request.messages[0]["content"].startswith("You are the Analyst")
        answered = any(m.get("role") == "tool" for m in request.messages)
        if analyst:
            return text("One.") if answered else tools(call("run_sql", {"sql": "SELECT 1 AS one"}))
        if answered:
            return text(ANSWER, chunk_size=4, chunk_delay=stream_s / chunks)
        return tools(call("ask_analyst", {"question": "What is one?"}))

    return respond(choose)


async def one(deps: Deps, index: int) -> tuple[float, bool]:
    started = time.perf_counter()
    last: rev.RunEvent | None = None
    async for event in ask(deps, f"user{index % 20}", f"What is one? ({index})"):
        last = event
    if not isinstance(last, rev.RunCompleted):
        print(f"run {index} did not complete: {last}", file=sys.stderr)
    return time.perf_counter() - started, isinstance(last, rev.RunCompleted)


async def main_async(deps: Deps, questions: int) -> tuple[list[float], int, float]:
    started = time.perf_counter()
    results = await asyncio.gather(*(one(deps, i) for i in range(questions)))
    return [r[0] for r in results], sum(r[1] for r in results), time.perf_counter() - started


def report(latencies: list[float], completed: int, wall: float, args: argparse.Namespace) -> None:
    overhead = sorted(latency - args.stream_s for latency in latencies)
    p50, p95 = statistics.median(overhead), overhead[int(0.95 * (len(overhead) - 1))]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
    print(
        f"questions: {args.questions}, completed: {completed}, DB pool: {args.pool} (+{args.pool} overflow)"
    )
    print(f"wall time: {wall:.2f} s, throughput: {args.questions / wall:.1f} runs/s")
    print(
        f"overhead beyond the model's {args.stream_s:g} s stream: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )
    print(f"peak memory (RSS, the Dash process; the model server runs in its own): {peak_mb:.0f} MB")


def model_process(turns: int, stream_s: float, ready: Any, stop: Any) -> None:
    """The scripted model server in its own process, so its streaming does not share our GIL."""
    with FakeModelServer() as server:
        for _ in range(turns):
            server.script(scripted_turn(stream_s))
        ready.put(server.base_url)
        stop.wait()


def run(home: Path, args: argparse.Namespace) -> None:
    spawn = mp.get_context("spawn")
    ready, stop = spawn.Queue(), spawn.Event()
    model = spawn.Process(target=model_process, args=(args.questions * 4, args.stream_s, ready, stop))
    model.start()  # four model calls per question
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, dash_home=home, openai_base_url=ready.get(timeout=60), model_max_retries=0
        )
        target = resolve_target(settings)
        bootstrap(target)
        engines = Engines(target, pool_size=args.pool)
        deps = Deps(
            settings, engines, Store(engines.service), local_embedder(), create_model_client(settings)
        )
        try:
            latencies, completed, wall = asyncio.run(main_async(deps, args.questions))
        finally:
            engines.dispose()
    finally:
        stop.set()
        model.join(10)
    report(latencies, completed, wall, args)
    if completed != args.questions:
        raise SystemExit(f"only {completed} of {args.questions} runs completed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--stream-s", type=float, default=2.0)
    parser.add_argument("--pool", type=int, default=10)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-runs-", dir="/tmp"))
    os.chmod(home, 0o755)
    try:
        run(home, args)
    finally:
        EmbeddedPostgres(home).destroy()


if __name__ == "__main__":
    main()
