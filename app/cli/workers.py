"""`dash up --workers N`: N API processes on one listening socket, so one host uses all its cores.

One Python process runs its event loop on one core (the GIL): under load `dash up` saturates one
core and leaves the others idle. With `--workers N` the parent prepares once (database, bootstrap,
checks, knowledge), binds the port, and starts N worker processes that accept on that same
socket; the kernel spreads connections over them. Each worker is a full Dash (its own pools,
model client, embedder, hub), like replicas behind a load balancer: all state is in PostgreSQL.

Only worker 0 runs the scheduler (a schedule must fire once). The parent restarts a worker that
dies (pausing longer each time one keeps dying right after its start), and on Ctrl-C / SIGTERM
stops every worker (each finishes its lifespan) before the embedded database stops.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import socket
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from core.settings import Settings
    from db.engines import DatabaseTarget

STOP_TIMEOUT_S = 30.0
QUICK_DEATH_S = 10.0  # a worker dying this soon after its start is failing to start
RESTART_MAX_S = 30.0


def worker_settings(settings: Settings, index: int) -> Settings:
    """Worker `index`'s settings: the scheduler only in worker 0 (and only when enabled at all)."""
    return settings.model_copy(update={"scheduler_enabled": settings.scheduler_enabled and index == 0})


def serve_workers(settings: Settings, target: DatabaseTarget, port: int, workers: int) -> None:
    """Serve on `settings.host:port` with `workers` processes until SIGINT/SIGTERM."""
    sock = _bind(settings.host, port)
    context = mp.get_context("spawn")  # a fresh interpreter each: nothing inherited mid-state
    pool = [
        _Worker(i, lambda i: _start(context, worker_settings(settings, i), target, sock))
        for i in range(workers)
    ]
    stopping: list[int] = []
    previous = {s: signal.signal(s, lambda n, f: stopping.append(n)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            time.sleep(0.5)
            for worker in pool:
                worker.keep_alive()
    finally:
        _stop([w.process for w in pool])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()


class _Worker:
    """One worker slot: its process, replaced when it dies; again and again only after a pause that
    doubles (up to RESTART_MAX_S) while it keeps dying within QUICK_DEATH_S of its start."""

    def __init__(self, index: int, start: Callable[[int], BaseProcess]) -> None:
        self.index, self._start = index, start
        self.process, self.started = start(index), time.monotonic()
        self.quick_deaths, self.restart_at = 0, 0.0

    def keep_alive(self) -> None:
        now = time.monotonic()
        if self.process.is_alive() or now < self.restart_at:
            return
        if self.restart_at == 0.0:  # just noticed: say so, and decide when to start another
            quick = now - self.started < QUICK_DEATH_S
            self.quick_deaths = self.quick_deaths + 1 if quick else 0
            pause = min(RESTART_MAX_S, 2.0 ** (self.quick_deaths - 1)) if quick else 0.0
            typer.echo(
                f"worker {self.index} exited ({self.process.exitcode}); a new one in {pause:.0f} s", err=True
            )
            self.restart_at = now + pause
            if pause:
                return
        self.process, self.started, self.restart_at = self._start(self.index), now, 0.0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _start(context: Any, settings: Settings, target: DatabaseTarget, sock: socket.socket) -> BaseProcess:
    process = context.Process(target=_worker, args=(settings, target, sock), daemon=False)
    process.start()
    return process


def _stop(processes: list[BaseProcess]) -> None:
    """SIGTERM: each worker's uvicorn finishes its requests and lifespan; SIGKILL after the timeout."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(5)


def _worker(settings: Settings, target: DatabaseTarget, sock: socket.socket) -> None:
    """One worker: the whole app on the shared socket (the parent already prepared the database)."""
    import uvicorn

    from app.logs import logging_config
    from app.main import create_app

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    app = create_app(settings, target, prepared=True)
    config = uvicorn.Config(
        app, log_level=settings.log_level.lower(), log_config=logging_config(settings), lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[sock])
