"""`dash up` and `dash db ...` as a user runs them: real processes, real ports, a fresh DASH_HOME."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from app.cli.workers import worker_settings
from core.settings import Settings
from db.embedded import EmbeddedPostgres, free_port

DASH = str(Path(sys.executable).parent / "dash")
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture
def home() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="dash-u-", dir="/tmp"))
    os.chmod(path, 0o755)
    yield path
    EmbeddedPostgres(path).destroy()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "OPENAI_", "DB_"))}
    env.update(DASH_HOME=str(home), KNOWLEDGE_PATH=str(KNOWLEDGE))
    env.update(extra)
    return env


def _dash(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DASH, *args], env=_env(home), capture_output=True, text=True, timeout=300, cwd=home
    )


def _wait_healthy(base: str, proc: subprocess.Popen[str], timeout_s: float = 240) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dash up exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            return httpx.get(f"{base}/health", timeout=2)
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError("dash up did not answer /health in time")


def test_dash_up_serves_health_with_sample_data_and_stops_cleanly(home: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [DASH, "up", "--port", str(port)],
        env=_env(home),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}", proc)
        assert health.status_code == 200
        assert health.json()["database"]["status"] == "up"
        url = _dash(home, "db", "url", "--role", "analyst").stdout.strip().splitlines()[-1]
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] > 800  # type: ignore[index]
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "embedded PostgreSQL stopped" in output
    assert f"knowledge ({KNOWLEDGE}):" in output
    assert not EmbeddedPostgres(home).status().running


def test_sigterm_stops_dash_up_and_its_embedded_server(home: Path) -> None:
    """Containers and process managers send SIGTERM, not Ctrl-C: the database must stop too.

    Also a first run on one's own data: no sample, and no knowledge folder yet (drafting writes it),
    which is said, not an error."""
    port = free_port()
    proc = subprocess.Popen(
        [DASH, "up", "--port", str(port), "--no-sample-data"],
        env=_env(home, KNOWLEDGE_PATH=str(home / "our-knowledge")),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_healthy(f"http://127.0.0.1:{port}", proc).status_code == 200
        pg_port = EmbeddedPostgres(home).status().port
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "embedded PostgreSQL stopped" in output
    assert f"knowledge: no folder at {home / 'our-knowledge'} yet; `dash knowledge draft`" in output
    assert not EmbeddedPostgres(home).status().running
    with pytest.raises(OSError):  # nothing listens on its port any more
        socket.create_connection(("127.0.0.1", pg_port or 0), timeout=2).close()


def test_db_commands(home: Path, tmp_path: Path) -> None:
    init = _dash(home, "db", "init")
    assert init.returncode == 0, init.stderr
    assert "dash_analyst" in init.stdout
    status = _dash(home, "db", "status")
    assert "running" in status.stdout and str(home) in status.stdout
    csv = tmp_path / "targets.csv"
    csv.write_text("region,target\nEU,100\nUS,200\n")
    loaded = _dash(home, "db", "load", str(csv), "--table", "targets")
    assert loaded.returncode == 0, loaded.stderr
    assert "2 rows" in loaded.stdout
    url = _dash(home, "db", "url", "--role", "analyst").stdout.strip().splitlines()[-1]
    assert url.startswith("postgresql://dash_analyst:")
    with psycopg.connect(url) as conn:  # the analyst can read what the data team loaded
        assert conn.execute("SELECT sum(target) FROM targets").fetchone() == (300,)
    engineer = _dash(home, "db", "url", "--role", "engineer").stdout.strip().splitlines()[-1]
    with psycopg.connect(engineer) as conn:  # libpq-style URL: the engineer acts as its owner role
        assert conn.execute("SELECT current_user").fetchone() == ("dash_engineer_owner",)
    missing = _dash(home, "db", "load", str(tmp_path / "nope.sql"))
    assert missing.returncode != 0 and "no such file" in missing.stderr
    stop = _dash(home, "db", "stop")
    assert stop.stdout.strip() == "stopped"
    assert "stopped" in _dash(home, "db", "status").stdout


def test_dash_up_refuses_a_public_interface_without_auth(home: Path) -> None:
    result = subprocess.run(
        [DASH, "up", "--host", "0.0.0.0", "--port", str(free_port())],
        env=_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "Refusing to listen on 0.0.0.0" in result.stderr
    assert "Traceback" not in result.stderr
    assert not EmbeddedPostgres(home).status().running  # the server it started is stopped again


def _workers(pid: int) -> list[int]:
    """The worker processes `dash up --workers N` started (not multiprocessing's helper processes)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(c)
        for c in children
        if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()
    ]


def _until(check: Callable[[], bool], timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_dash_up_workers_serve_one_port_replace_a_dead_worker_and_stop_together(home: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [DASH, "up", "--port", str(port), "--no-sample-data", "--no-knowledge", "--workers", "2"],
        env=_env(home),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert _wait_healthy(base, proc).status_code == 200
        assert _until(lambda: len(_workers(proc.pid)) == 2)
        first = _workers(proc.pid)
        with httpx.Client(base_url=base, timeout=30) as http:
            assert {http.get("/health").status_code for _ in range(20)} == {200}
        os.kill(first[0], signal.SIGKILL)  # a crashed worker is replaced; the port keeps answering
        assert _until(lambda: len(set(_workers(proc.pid)) - set(first)) == 1)
        assert _wait_healthy(base, proc).status_code == 200
        workers = _workers(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, output
    assert "with 2 worker processes" in output and "embedded PostgreSQL stopped" in output
    assert not any(Path(f"/proc/{w}").exists() for w in workers)
    assert not EmbeddedPostgres(home).status().running


@pytest.mark.parametrize(
    ("enabled", "index", "runs_scheduler"),
    [(True, 0, True), (True, 1, False), (True, 5, False), (False, 0, False)],
)
def test_only_the_first_worker_runs_the_scheduler(enabled: bool, index: int, runs_scheduler: bool) -> None:
    settings = Settings(_env_file=None, scheduler_enabled=enabled)  # type: ignore[call-arg]
    assert worker_settings(settings, index).scheduler_enabled is runs_scheduler
