"""Many concurrent authenticated `GET /v1/sessions` to Dash in its own process.

    python benchmarks/session_list.py [--requests 500] [--sessions 50] [--users 20] [--rounds 3]

Dash runs as the product does (`dash up`, its own process, no sample data) on an embedded
PostgreSQL started in a throw-away folder. `--users` users get an API key each (made as
`dash keys create` makes it) and `--sessions` sessions each, written through the store. Then
`--rounds` times: `--requests` requests at once, each with one of the keys, each asking for the
first page of that user's sessions (benchmarks/raw_http.py: httpx itself would be the bottleneck). Prints p50/p95/max latency and errors per round, and the CPU
Dash and PostgreSQL spent per request (from /proc; the load client here is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).parents[1]))  # the benchmarks' shared modules

from benchmarks import raw_http
from benchmarks.dash_process import DashServer, dash_server, load_average, machine
from benchmarks.proc_cpu import CpuMeter
from db.store import Store


def fill(dash: DashServer, users: int, sessions: int) -> list[str]:
    """One key per user and `sessions` finished sessions each; returns the keys."""
    engine = create_engine(dash.target.service_url)
    store = Store(engine)
    try:
        for user in range(users):
            for n in range(sessions):
                run = store.open_run(f"user{user}", None, f"Question {n}: how did revenue move?")
                store.mark_run_completed(run.id, f"Answer {n}.")
    finally:
        engine.dispose()
    return [dash.create_key(f"user{user}", "viewer") for user in range(users)]


async def one_request(base_url: str, key: str, expected: int) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        headers = {"Authorization": f"Bearer {key}"}
        async with raw_http.request(base_url, "GET", "/v1/sessions", headers=headers) as response:
            body = await response.body()
    except OSError as exc:
        return time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    if response.status != 200:
        return elapsed, f"HTTP {response.status}: {body[:200]!r}"
    if (got := len(json.loads(body)["items"])) != expected:
        return elapsed, f"{got} sessions instead of {expected}"
    return elapsed, None


async def burst(dash: DashServer, keys: list[str], requests: int, expected: int) -> str:
    meter, load = CpuMeter(dash.process.pid, dash.postmaster_pid), load_average()
    meter.start()
    results = await asyncio.gather(
        *(one_request(dash.base_url, keys[i % len(keys)], expected) for i in range(requests))
    )
    meter.stop()
    times = sorted(t for t, _ in results)
    errors = [e for _, e in results if e]
    first = f" (first: {errors[0]})" if errors else ""
    return (
        f"{requests} at once: p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms, "
        f"errors {len(errors)}{first}; CPU {meter.per(requests)} per request; "
        f"load average before: {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=50, help="sessions of each user")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="`dash up --workers N` (0: not passed)")
    args = parser.parse_args()
    up_args: tuple[str, ...] = ("--no-sample-data", "--no-knowledge")
    up_args += ("--workers", str(args.workers)) if args.workers else ()
    with dash_server({"LOG_LEVEL": "WARNING"}, up_args) as dash:
        keys = fill(dash, args.users, args.sessions)
        print(machine(dash.database))
        print(f"{args.users} users with an API key and {args.sessions} sessions each; first page of 20")
        for n in range(args.rounds):
            print(f"round {n + 1}: " + asyncio.run(burst(dash, keys, args.requests, min(20, args.sessions))))


if __name__ == "__main__":
    main()
