"""The API under a database restart (`dash db stop; dash db init` while `dash up` runs): back to
200 within seconds of the database returning, whether it comes back on its port or another."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import httpx
from sqlalchemy import create_engine

from app.main import create_app
from db.api_keys import create_key, revoke_key
from db.embedded import EmbeddedPostgres
from db.engines import resolve_target
from tests.app.api_fixtures import answering_slowly, parse_sse
from tests.conftest import test_settings
from tests.serve import serve


def _seconds_until_ok(base: str, timeout_s: float = 10) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        health = httpx.get(f"{base}/health", timeout=5)
        sessions = httpx.get(f"{base}/v1/sessions", timeout=5)
        if health.status_code == sessions.status_code == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"still {health.status_code} / {sessions.status_code} after {timeout_s} s")


def _until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"not so after {timeout_s} s"
        time.sleep(0.1)


def test_the_api_recovers_when_the_embedded_database_restarts(own_server: EmbeddedPostgres) -> None:
    server, home = own_server, own_server.home
    settings = test_settings(home, openai_base_url="http://127.0.0.1:9/v1")  # never reached
    app = create_app(settings, resolve_target(settings))
    with serve(app) as base:
        assert httpx.get(f"{base}/health").status_code == 200
        first = server.status().port
        server.stop()
        assert httpx.get(f"{base}/health").status_code == 503
        assert server.ensure_started().port == first  # its last port, still free: reused
        _seconds_until_ok(base)
        server.stop()
        with socket.socket() as squatter:  # meanwhile something else took that port
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", first or 0))
            squatter.listen()
            moved = server.ensure_started().port
            assert moved != first
            _seconds_until_ok(base)  # the pools follow the server to its new port
            _until(lambda: app.state.listener.listening.is_set())  # and so does the listener


def test_a_run_cut_off_by_the_restart_is_closed_once_the_database_is_back(
    own_server: EmbeddedPostgres,
) -> None:
    server = own_server
    with answering_slowly(server) as base:
        received = []
        with httpx.stream("POST", f"{base}/v1/ask", json={"message": "hi"}, timeout=30) as response:
            for event in parse_sse(response.iter_lines()):
                received.append(event)
                if event.event == "content_delta" and server.status().running:
                    server.stop()
        run_id = received[0].data["run_id"]  # type: ignore[index]
        server.ensure_started()
        started = time.monotonic()
        while time.monotonic() - started < 10:
            run = httpx.get(f"{base}/v1/runs/{run_id}", timeout=5)
            if run.status_code == 200 and run.json()["status"] != "running":
                break
            time.sleep(0.2)
    assert run.status_code == 200, run.text
    assert run.json()["status"] in ("failed", "interrupted")  # closed, not left `running`


def test_a_key_revoked_after_a_restart_still_stops_at_once(own_server: EmbeddedPostgres) -> None:
    # Verified keys are remembered only while revocations are heard: the listener reconnects
    # after the restart (and remembers nothing until then), so a revocation counts at once.
    server, home = own_server, own_server.home
    settings = test_settings(home, openai_base_url="http://127.0.0.1:9/v1")  # never reached
    target = resolve_target(settings)
    with serve(create_app(settings, target)) as base:
        engine = create_engine(target.service_url, pool_pre_ping=True)  # the test's own, across the restart
        key = create_key(engine, "alice", "viewer")[1]
        headers = {"Authorization": f"Bearer {key}"}
        assert httpx.get(f"{base}/v1/sessions", headers=headers).status_code == 200
        server.stop()
        server.ensure_started()
        assert _status_within(f"{base}/v1/sessions", headers, 200, 10)
        time.sleep(1.5)  # the listener is back (it retries every second): the key is remembered
        assert httpx.get(f"{base}/v1/sessions", headers=headers).status_code == 200
        assert revoke_key(engine, key)
        refused = _status_within(f"{base}/v1/sessions", headers, 401, 1)
        engine.dispose()
    assert refused


def _status_within(url: str, headers: dict[str, str], status: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while httpx.get(url, headers=headers, timeout=5).status_code != status:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
