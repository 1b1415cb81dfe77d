"""Prometheus metrics: what an operator alerts on. Every label has a small, fixed set of values
(surfaces, outcomes, agents, configured models, SQL roles and decisions): never a user, a
question or an id, so the number of series stays bounded however Dash is used.

App code calls the functions here in one line; `db/` and `agents/` report through `db.observe`,
whose events `install()` routes here. Metrics are per process (one series set per replica).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, contextmanager

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from db import observe
from db.engines import Engines

SLOW = (0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)  # runs and model calls take seconds
FAST = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15)  # SQL, search, acks

RUNS = Counter("dash_runs_total", "Runs finished, by surface and outcome.", ["surface", "outcome"])
RUN_SECONDS = Histogram(
    "dash_run_duration_seconds", "Run duration, start to final event.", ["surface"], buckets=SLOW
)
MODEL_CALLS = Counter("dash_model_calls_total", "Model calls (each attempt).", ["agent", "model", "outcome"])
MODEL_TOKENS = Counter("dash_model_tokens_total", "Tokens used.", ["agent", "model", "kind"])
MODEL_SECONDS = Histogram(
    "dash_model_call_duration_seconds", "Model call latency.", ["agent", "model"], buckets=SLOW
)
MODEL_RETRIES = Counter("dash_model_retries_total", "Model calls retried after an error.", ["agent", "model"])
SQL = Counter(
    "dash_sql_statements_total", "Agent SQL statements, by role and decision.", ["role", "decision"]
)
SQL_SECONDS = Histogram("dash_sql_duration_seconds", "SQL statement run time.", ["role"], buckets=FAST)
SEARCH_SECONDS = Histogram("dash_search_duration_seconds", "Knowledge search latency.", buckets=FAST)
SLACK_ACK = Histogram("dash_slack_ack_seconds", "Slack event receipt to HTTP ack.", buckets=FAST)
SLACK_DUPES = Counter("dash_slack_duplicate_events_total", "Slack deliveries already answered (retries).")
FIRINGS = Counter("dash_schedule_firings_total", "Schedule firings, by outcome.", ["outcome"])
STREAMS = Gauge("dash_live_streams", "Event streams (SSE) open right now.")
POOL = Gauge("dash_db_pool_connections", "Database pool connections.", ["role", "state"])

SURFACES = ("rest", "mcp", "slack", "schedule")


def slack_duplicate() -> None:
    SLACK_DUPES.inc()


@contextmanager
def slack_ack() -> Iterator[None]:
    with SLACK_ACK.time():
        yield


def schedule_fired(outcome: str) -> None:
    FIRINGS.labels(outcome).inc()


async def streamed(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass a live stream through, counted while it is open."""
    with STREAMS.track_inprogress():
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                yield chunk


def scrape(engines: Engines | None, registry: CollectorRegistry = REGISTRY) -> bytes:
    """The text exposition, with the pool figures read now."""
    if engines is not None:
        for role in ("service", "analyst", "engineer"):
            pool = getattr(engines, role).pool
            POOL.labels(role, "in_use").set(pool.checkedout())
            POOL.labels(role, "idle").set(pool.checkedin())
    return generate_latest(registry)


def _sql(role: str, decision: str, seconds: float) -> None:
    SQL.labels(role, decision).inc()
    if decision != "refused":
        SQL_SECONDS.labels(role).observe(seconds)


def _model_call(
    agent: str, model: str, outcome: str, seconds: float, prompt_tokens: int, completion_tokens: int
) -> None:
    MODEL_CALLS.labels(agent, model, outcome).inc()
    MODEL_SECONDS.labels(agent, model).observe(seconds)
    MODEL_TOKENS.labels(agent, model, "prompt").inc(prompt_tokens)
    MODEL_TOKENS.labels(agent, model, "completion").inc(completion_tokens)


def _run(surface: str, outcome: str, seconds: float) -> None:
    """A run ended (agents/runner.py): how, and how long it took. A question refused before its
    run started (no model configured, say) is not a run."""
    RUNS.labels(surface, outcome).inc()
    RUN_SECONDS.labels(surface).observe(seconds)


def _search(seconds: float) -> None:
    SEARCH_SECONDS.observe(seconds)


def _model_retry(agent: str, model: str) -> None:
    MODEL_RETRIES.labels(agent, model).inc()


def install() -> None:
    """Listen to what `db/` and `agents/` report (idempotent)."""
    observe.listen("sql", _sql)
    observe.listen("search", _search)
    observe.listen("model_call", _model_call)
    observe.listen("model_retry", _model_retry)
    observe.listen("run", _run)
