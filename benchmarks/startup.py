"""How long the local stack takes to come up: embedded PostgreSQL cold and warm start, bootstrap,
generating the sample dataset, and the `dash` CLI's start (`--help`, and `sql` / `knowledge search`
end to end against the running server; targets 0.5 s and 1.5 s).

    python benchmarks/startup.py [--warm-runs N] [--seed N] [--cli-runs N]

Everything runs in a throw-away folder under /tmp (world-traversable, because the server runs as
`nobody` when we are root) that is destroyed at the end, servers included.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from core.settings import Settings
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


def child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CLI_COMMANDS = (
    ("dash --help", ["--help"]),
    ("dash sql 'SELECT 1'", ["sql", "SELECT 1"]),
    ("dash knowledge search revenue", ["knowledge", "search", "revenue"]),
)


def cli_times(home: Path, runs: int) -> list[tuple[str, float]]:
    """Median wall time of whole `dash` processes, the server already running."""
    dash = str(Path(sys.executable).parent / "dash")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DB_"))}
    env["DASH_HOME"] = str(home)
    # As on a user's machine, Python caches compiled modules (__pycache__); with
    # PYTHONDONTWRITEBYTECODE set (some sandboxes), every start would compile ~400 modules afresh.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    results = []
    for label, args in CLI_COMMANDS:
        command = [dash, *args]

        def once(command: list[str] = command) -> None:
            subprocess.run(command, env=env, check=True, capture_output=True)

        once()  # warm the OS file cache and the bytecode cache
        times, cpu = [], []
        for _ in range(runs):
            before = child_cpu_s()
            times.append(timed(once))
            cpu.append(child_cpu_s() - before)
        results.append((f"{label} (median of {runs}, wall)", statistics.median(times)))
        # CPU time does not grow when other processes share the cores: the fairer figure on a busy box.
        results.append((f"{label} (median of {runs}, CPU)", statistics.median(cpu)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Embedded PostgreSQL start-up benchmark.")
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cli-runs", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    print(machine())
    try:
        for label, seconds in [*run(home, args.warm_runs, args.seed), *cli_times(home, args.cli_runs)]:
            print(f"  {label:<55} {seconds:7.2f} s")
    finally:
        EmbeddedPostgres(home).destroy()  # stops the server by PID, then removes the folder


if __name__ == "__main__":
    main()
