"""Time from a Slack event's receipt to Dash's HTTP ack, while the model is busy answering.

    python benchmarks/slack.py [--events 200] [--answer-seconds 5] [--deadline 120]

Dash (one uvicorn process) runs with an embedded PostgreSQL, a fake Slack Web API and a scripted
model that streams every answer slowly over `--answer-seconds`, all on loopback. Signed
`app_mention` events (each a new thread) are sent one after another, every `--interval` seconds,
so earlier questions are still being answered while later ones arrive. Prints p50/p95/max of the
ack time (Slack retries after 3 s; the target is p95 < 100 ms), how many answers arrived, and the
machine. Bounded by `--deadline`; the servers and the database are removed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from app.main import create_app
from core.settings import Settings
from db.embedded import EmbeddedPostgres
from db.engines import resolve_target
from tests.app.slack_helpers import SIGNING_SECRET, envelope, mention, signed_headers
from tests.fakes.model_server import FakeModelServer, text
from tests.fakes.slack_web import FakeSlackWeb, fake_slack_web
from tests.serve import serve

CHUNKS = 25


def machine() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def send(http: httpx.Client, base: str, index: int) -> float:
    """Seconds from sending one signed mention to its ack."""
    body = envelope(mention(f"Question {index}?", ts=f"{1000 + index}.0001"), f"EvBench{index}")
    started = time.perf_counter()
    response = http.post(f"{base}/slack/events", content=body, headers=signed_headers(body))
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


def settings_for(home: Path, model: FakeModelServer, slack: FakeSlackWeb) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        dash_home=home,
        database_url=None,
        openai_api_key=None,
        openai_base_url=model.base_url,
        model_max_retries=0,
        scheduler_enabled=False,
        user_max_active_runs=0,  # one user asks everything here: measure load, not limits
        user_questions_per_minute=0,
        slack_bot_token=SecretStr("xoxb-bench"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.api_url,
    )


def answers(slack: FakeSlackWeb) -> int:
    return sum(1 for c in slack.calls_to("chat.update") if str(c.params.get("text", "")).startswith("word0"))


def measure(settings: Settings, slack: FakeSlackWeb, args: argparse.Namespace) -> None:
    app = create_app(settings, resolve_target(settings))
    with serve(app) as base, httpx.Client(timeout=10) as http:
        send(http, base, -1)  # warm-up: Bolt's one auth.test call, first connections
        acks = []
        for i in range(args.events):
            acks.append(send(http, base, i))
            time.sleep(args.interval)
        deadline = time.monotonic() + args.deadline
        while app.state.slack.tasks and time.monotonic() < deadline:
            time.sleep(0.1)
        report(acks, answers(slack), len(app.state.slack.tasks))


def report(acks: list[float], answered: int, unfinished: int) -> None:
    ms = [a * 1000 for a in acks]
    print(f"events: {len(ms)}, answers posted: {answered}, still running at the deadline: {unfinished}")
    print(f"ack time: p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, max {max(ms):.1f} ms")
    print(machine())


def run(home: Path, args: argparse.Namespace) -> None:
    database = EmbeddedPostgres(home, fast_unsafe=True)
    database.ensure_started()
    answer = " ".join(f"word{i}" for i in range(CHUNKS))
    turn = text(answer, chunk_size=len(answer) // CHUNKS + 1, chunk_delay=args.answer_seconds / CHUNKS)
    model: Any = FakeModelServer()
    try:
        with model, fake_slack_web() as slack:
            model.script(*[turn] * (args.events + 1))
            measure(settings_for(home, model, slack), slack, args)
    finally:
        database.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description="Slack event ack time with the model busy.")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.01, help="Seconds between events.")
    parser.add_argument("--answer-seconds", type=float, default=5.0, help="How long each answer streams.")
    parser.add_argument("--deadline", type=float, default=120.0, help="Wait at most this for the answers.")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    run(home, args)


if __name__ == "__main__":
    main()
