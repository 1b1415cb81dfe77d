"""How long the local stack takes to come up: embedded PostgreSQL cold and warm start, bootstrap,
and generating the sample dataset.

    python benchmarks/startup.py [--warm-runs N] [--seed N]

Everything runs in a throw-away folder under /tmp (world-traversable, because the server runs as
`nobody` when we are root) that is destroyed at the end, servers included.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.settings import Settings
from db.bootstrap import bootstrap
from db.embedded import EmbeddedPostgres
from db.engines import resolve_target
from db.sample_data import generate


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def machine() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def run(home: Path, warm_runs: int, seed: int) -> list[tuple[str, float]]:
    server = EmbeddedPostgres(home)
    results = [("cold start (initdb + start + create database)", timed(server.ensure_started))]
    warm = []
    for _ in range(warm_runs):
        server.stop()
        warm.append(timed(server.ensure_started))
    results.append((f"warm start (stop, start again; median of {warm_runs})", statistics.median(warm)))
    settings = Settings(_env_file=None, dash_home=home, database_url=None, openai_api_key=None)  # type: ignore[call-arg]
    target = resolve_target(settings)
    results.append(("bootstrap (extensions, roles, grants, migrations)", timed(lambda: bootstrap(target))))
    report = generate(target, seed=seed)
    results.append((f"sample data ({sum(report.counts.values()):,} rows, seed {seed})", report.seconds))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Embedded PostgreSQL start-up benchmark.")
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    print(machine())
    try:
        for label, seconds in run(home, args.warm_runs, args.seed):
            print(f"  {label:<55} {seconds:7.2f} s")
    finally:
        EmbeddedPostgres(home).destroy()  # stops the server by PID, then removes the folder


if __name__ == "__main__":
    main()
