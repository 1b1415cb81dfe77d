"""What metrics cost: one observed event, a run's event stream through `track_run`, one scrape.

    .venv/bin/python benchmarks/observability.py [--events 200000] [--runs 2000]

Prints the machine, the cost of `db.observe.emit` per event with the Prometheus listeners
installed (what every SQL statement, search and model call pays), the overhead `track_run` adds
to a run of 50 events, and the time and size of one `/metrics` exposition. No database needed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents import run_events as rev  # noqa: E402
from app import metrics  # noqa: E402
from db import observe  # noqa: E402

EVENTS_PER_RUN = 50


def machine() -> str:
    return f"cpus={os.cpu_count()} python={platform.python_version()} platform={platform.platform()}"


def per_event_us(count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        observe.emit("sql", role="analyst", decision="allowed", seconds=(i % 100) / 1000)
    return (time.perf_counter() - started) / count * 1e6


async def events() -> AsyncIterator[rev.RunEvent]:
    for _ in range(EVENTS_PER_RUN - 1):
        yield rev.ContentDelta("x")
    yield rev.RunCompleted("done")


async def drain(tracked: bool, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        source = metrics.track_run("rest", events()) if tracked else events()
        async for _event in source:
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2_000)
    args = parser.parse_args()
    metrics.install()
    print(machine())
    print(f"observe.emit('sql') with metrics installed: {per_event_us(args.events):.2f} µs per event")
    bare, tracked = asyncio.run(drain(False, args.runs)), asyncio.run(drain(True, args.runs))
    print(
        f"track_run overhead: {(tracked - bare) / args.runs * 1e6:.1f} µs per run of {EVENTS_PER_RUN} events"
    )
    started = time.perf_counter()
    body = metrics.scrape(None)
    print(f"one scrape: {(time.perf_counter() - started) * 1000:.2f} ms, {len(body)} bytes")


if __name__ == "__main__":
    main()
