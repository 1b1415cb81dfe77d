"""Reading a long session: the first page of `GET /v1/sessions/{id}` and every page of it.

    python benchmarks/sessions.py [--runs 300] [--events 20] [--limit 20]

Dash (one uvicorn process) runs on an embedded PostgreSQL; one session gets `--runs` completed
runs, each with `--events` stored events of about 800 bytes (a trace of tool calls and answer
text), written straight to the store. Prints the size and time of the default page, and of
walking every page with `next_cursor`, and the machine. The database is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from app.main import create_app
from core.settings import Settings
from db.embedded import EmbeddedPostgres
from db.engines import resolve_target
from db.store import Store
from tests.serve import serve

SESSION = "long-session"
FILLER = "x" * 700  # about what a tool call, its SQL and a preview of its rows take in a payload


def fill(store: Store, runs: int, events: int) -> None:
    for n in range(runs):
        run = store.open_run("local", SESSION, f"Question {n}: how did revenue move last month?")
        for i in range(events - 1):
            store.append_event(run.id, "tool_finished", {"agent": "analyst", "seq": i, "preview": FILLER})
        answer = f"Answer {n}: " + "revenue grew. " * 40
        store.mark_run_completed(run.id, answer, final_event=("run_completed", {"answer": answer}))


def timed_get(http: httpx.Client, url: str, params: dict[str, str | int]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = http.get(url, params=params)
    response.raise_for_status()
    return time.perf_counter() - started, response


def measure(base: str, limit: int) -> None:
    url = f"{base}/v1/sessions/{SESSION}"
    with httpx.Client(timeout=120) as http:
        firsts = [timed_get(http, url, {"limit": limit}) for _ in range(5)]
        walked, size, pages, cursor, started = 0, 0, 0, None, time.perf_counter()
        while True:
            _, page = timed_get(http, url, {"limit": limit, **({"cursor": cursor} if cursor else {})})
            walked, size, pages = walked + len(page.json()["runs"]), size + len(page.content), pages + 1
            if (cursor := page.json()["next_cursor"]) is None:
                break
        total = time.perf_counter() - started
    first_ms = statistics.median(t for t, _ in firsts) * 1000
    print(
        f"first page ({limit} runs): {len(firsts[0][1].content) / 1e3:.0f} kB, median {first_ms:.0f} ms of 5"
    )
    print(f"every page: {walked} runs in {pages} pages, {size / 1e6:.1f} MB, {total:.2f} s in all")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Paged reads of a long session.")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    database = EmbeddedPostgres(home, fast_unsafe=True)
    database.ensure_started()
    try:
        settings = Settings(_env_file=None, dash_home=home, database_url=None, scheduler_enabled=False)  # type: ignore[call-arg]
        app = create_app(settings, resolve_target(settings))
        with serve(app) as base:
            fill(app.state.store, args.runs, args.events)
            measure(base, args.limit)
    finally:
        database.destroy()


if __name__ == "__main__":
    main()
