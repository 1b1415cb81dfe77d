"""Dash as the product runs it, for benchmarks: `dash up` in its own process, on an embedded
PostgreSQL started here in a throw-away folder under /tmp (world-traversable: the server runs
as `nobody` when we are root), both stopped and removed at the end.

    with dash_server({"USER_MAX_ACTIVE_RUNS": "0"}) as dash:
        key = dash.create_key("bench-user", "analyst")
        httpx.get(f"{dash.base_url}/v1/sessions", headers={"Authorization": f"Bearer {key}"})
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine

from benchmarks.proc_cpu import cpu_model
from core.settings import Settings
from db.api_keys import create_key
from db.embedded import EmbeddedPostgres, free_port
from db.engines import DatabaseTarget, resolve_target

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 300  # sample data and knowledge load first, on a busy machine


@dataclass(frozen=True)
class DashServer:
    base_url: str
    process: subprocess.Popen[bytes]
    database: EmbeddedPostgres
    target: DatabaseTarget

    @property
    def postmaster_pid(self) -> int:
        pid = self.database.status().pid
        assert pid is not None, "the embedded PostgreSQL is not running"
        return pid

    def create_key(self, user_id: str, role: str) -> str:
        """An API key made the way `dash keys create` makes it (auth is on from then on)."""
        engine = create_engine(self.target.service_url)
        try:
            return create_key(engine, user_id, role)[1]
        finally:
            engine.dispose()


def postgres_version(database: EmbeddedPostgres) -> str:
    result = subprocess.run([str(database.bin_dir / "postgres"), "--version"], capture_output=True, text=True)
    return result.stdout.strip()


def machine(database: EmbeddedPostgres) -> str:
    return (
        f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
        f"{postgres_version(database)}, {platform.platform()}; load average {load_average()}"
    )


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine skews every figure)."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


@contextmanager
def dash_server(env: dict[str, str], up_args: tuple[str, ...] = ()) -> Iterator[DashServer]:
    """Dash serving on loopback with `env` added to ours; yields once /health answers 200."""
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    database = EmbeddedPostgres(home)
    try:
        database.ensure_started()
        with _dash_up(home, env, up_args) as (process, base_url):
            settings = Settings(_env_file=None, dash_home=home)  # type: ignore[call-arg]
            yield DashServer(base_url, process, database, resolve_target(settings, start=False))
    finally:
        database.destroy()


@contextmanager
def _dash_up(
    home: Path, env: dict[str, str], up_args: tuple[str, ...]
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    # Run in the throw-away folder, so no .env of the checkout applies.
    environment = {**os.environ, "DASH_HOME": str(home), "KNOWLEDGE_PATH": str(REPO / "knowledge"), **env}
    log = (home / "dash.log").open("wb")
    command = [str(Path(sys.executable).parent / "dash"), "up", "--port", str(port), *up_args]
    process = subprocess.Popen(command, cwd=home, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_healthy(process, base_url, home / "dash.log")
        yield process, base_url
    finally:
        _stop(process)
        log.close()


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`dash up` exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"`dash up` did not answer /health in {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a process manager stops it; then SIGKILL if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
