"""What metrics cost: one observed event, counting one run, one scrape.

    .venv/bin/python benchmarks/observability.py [--events 200000] [--runs 2000]

Prints the machine, the cost of `db.observe.emit` per event with the Prometheus listeners
installed (what every SQL statement, search and model call pays), what counting one finished run
costs (agents/runner.py reports it once, at its end: nothing is paid per event), and the time and
size of one `/metrics` exposition. No database needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import metrics  # noqa: E402
from db import observe  # noqa: E402


def machine() -> str:
    return f"cpus={os.cpu_count()} python={platform.python_version()} platform={platform.platform()}"


def per_event_us(count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        observe.emit("sql", role="analyst", decision="allowed", seconds=(i % 100) / 1000)
    return (time.perf_counter() - started) / count * 1e6


def per_run_us(count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        observe.emit("run", surface="rest", outcome="completed", seconds=1 + (i % 10))
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2_000)
    args = parser.parse_args()
    metrics.install()
    print(machine())
    print(f"observe.emit('sql') with metrics installed: {per_event_us(args.events):.2f} µs per event")
    print(f"counting a finished run (observe.emit('run')): {per_run_us(args.runs):.2f} µs per run")
    started = time.perf_counter()
    body = metrics.scrape(None)
    print(f"one scrape: {(time.perf_counter() - started) * 1000:.2f} ms, {len(body)} bytes")


if __name__ == "__main__":
    main()
