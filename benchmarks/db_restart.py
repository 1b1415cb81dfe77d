"""The API under a database restart, end to end: `dash up` serving, then `dash db stop` and
`dash db init` from another shell (the embedded server comes back), twice: once on its own port,
once with that port taken meanwhile (it moves, and the API's pools follow it).

    python benchmarks/db_restart.py [--deadline 30]

Prints, for each restart, the seconds from `dash db init` returning (the database is back) to the
first 200 from /health and /v1/sessions. Target: under 10 s. Everything runs in a throw-away
DASH_HOME under /tmp that is removed at the end, servers included.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from db.embedded import EmbeddedPostgres, free_port

DASH = str(Path(sys.executable).parent / "dash")


def machine() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def dash(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DB_"))}
    subprocess.run([DASH, *args], env=env | {"DASH_HOME": str(home)}, check=True, capture_output=True)


def all_ok(base: str) -> bool:
    try:
        return all(
            httpx.get(f"{base}{path}", timeout=5).status_code == 200 for path in ("/health", "/v1/sessions")
        )
    except httpx.TransportError:
        return False


def seconds_until_ok(base: str, deadline_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if all_ok(base):
            return time.monotonic() - started
        time.sleep(0.1)
    return float("inf")


def restart(home: Path, base: str, deadline_s: float, *, squat: bool) -> tuple[int | None, int | None, float]:
    server = EmbeddedPostgres(home)
    before = server.status().port
    dash(home, "db", "stop")
    with socket.socket() as squatter:
        if squat:  # something else takes the port while the database is down
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", before or 0))
            squatter.listen()
        dash(home, "db", "init")
        return before, server.status().port, seconds_until_ok(base, deadline_s)


def run(home: Path, deadline_s: float) -> None:
    port = free_port()
    up = subprocess.Popen(
        [DASH, "up", "--port", str(port), "--no-sample-data", "--no-knowledge"],
        env={**os.environ, "DASH_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if seconds_until_ok(base, 300) == float("inf"):
            raise SystemExit("dash up did not come up")
        for label, squat in (("same port", False), ("port taken meanwhile", True)):
            before, after, seconds = restart(home, base, deadline_s, squat=squat)
            print(f"  restart, {label:<22} port {before} -> {after}: first 200 after {seconds:.2f} s")
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description="API recovery after an embedded database restart.")
    parser.add_argument("--deadline", type=float, default=30, help="Give up after this many seconds.")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    print(machine())
    try:
        run(home, args.deadline)
    finally:
        EmbeddedPostgres(home).destroy()


if __name__ == "__main__":
    main()
