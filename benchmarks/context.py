"""What assembling a question's context costs: statements and time, shared knowledge cached or read each time.

    .venv/bin/python benchmarks/context.py [--questions 50] [--history 5000]

Starts its own embedded PostgreSQL in a temporary folder (destroyed at the end), loads the
knowledge/ folder, and prints for one question (the Leader's context, then the Analyst's):
- statements and milliseconds with every step reading the database (no shared-knowledge snapshot)
  and as `assemble` does it (one knowledge-version look, shared knowledge from memory);
- the Leader's repeated-question count over `--history` completed runs: the former way (the newest
  2,000 questions loaded and matched in Python) against the SQL count (pg_trgm + word overlap).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.context import (  # noqa: E402
    ANALYST_STEPS,
    EmbedOnce,
    Request,
    Sources,
    assemble,
    company,
    instructions,
    today_and_coverage,
    user_memory,
)
from agents.leader import leader_context, repeated_questions  # noqa: E402
from agents.prompts import ANALYST, LEADER  # noqa: E402
from core.settings import Settings  # noqa: E402
from db.bootstrap import bootstrap  # noqa: E402
from db.embedded import EmbeddedPostgres  # noqa: E402
from db.embeddings import local_embedder  # noqa: E402
from db.engines import Engines, resolve_target  # noqa: E402
from db.knowledge.loader import load_knowledge  # noqa: E402
from db.store.similar_questions import times_asked  # noqa: E402
from tests.statements import statements  # noqa: E402

QUESTION = "What is our MRR by plan?"
WEEK = timedelta(days=7)
FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "for",
        "to",
        "is",
        "are",
        "was",
        "were",
        "what",
        "how",
        "many",
        "much",
        "do",
        "does",
        "did",
        "by",
        "per",
        "our",
        "we",
    ]
)
LEADER_STEPS = (instructions, company, user_memory, today_and_coverage, repeated_questions)
FORMER_HISTORY = text(
    "SELECT question FROM ai.runs WHERE status = 'completed' AND created_at > now() - :window"
    " ORDER BY created_at DESC LIMIT 2000"
)


def machine() -> str:
    return f"cpus={os.cpu_count()} python={platform.python_version()} platform={platform.platform()}"


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def one_question(sources: Sources, cached: bool) -> None:
    """The Leader's context, then the Analyst's, as one question builds them."""
    if cached:
        leader_context(sources, Request(QUESTION, "alice", LEADER))
        assemble(sources, Request(QUESTION, "alice", ANALYST), ANALYST_STEPS)
        return
    for steps, prompt in ((LEADER_STEPS, LEADER), (ANALYST_STEPS, ANALYST)):
        request = Request(QUESTION, "alice", prompt)
        alone = replace(sources, embedder=EmbedOnce(sources.embedder))  # each step reads the database
        [step(alone, request) for step in steps]


def former_count(service: Engine) -> int:
    """The repeated-question count as it was: newest 2,000 questions, matched in Python."""
    with service.connect() as conn:
        earlier = conn.execute(FORMER_HISTORY, {"window": WEEK}).scalars().all()
    asked = _words(QUESTION)
    return sum(1 for q in earlier if asked and (w := _words(q)) and len(asked & w) / len(asked | w) >= 0.8)


def _words(question: str) -> frozenset[str]:
    plain = re.sub(r"'\w*", "", question.lower())
    return frozenset(w for w in re.findall(r"[a-z0-9]+", plain) if w not in FILLER)


def fill_history(service: Engine, runs: int) -> None:
    """`runs` completed questions of the last week: a tenth ask QUESTION in other words."""
    with service.begin() as conn:
        conn.execute(text("INSERT INTO ai.sessions (id, user_id) VALUES ('bench', 'bench')"))
        conn.execute(
            text(
                "INSERT INTO ai.runs (id, session_id, user_id, status, question)"
                " SELECT 'bench-' || i, 'bench', 'bench', 'completed', CASE WHEN i % 10 = 0"
                " THEN 'what''s the MRR by plan' ELSE 'how many ' || (ARRAY['customers', 'invoices',"
                " 'tickets', 'seats', 'trials'])[1 + i % 5] || ' in ' || (ARRAY['january', 'march', 'may',"
                " 'july'])[1 + i % 4] || ' for segment ' || i % 97 END FROM generate_series(1, :n) AS i"
            ),
            {"n": runs},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50, help="timed questions per way")
    parser.add_argument("--history", type=int, default=5000, help="completed runs in the last week")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    home = Path(tempfile.mkdtemp(prefix="dash-bench-context-", dir="/tmp"))
    os.chmod(home, 0o755)  # the server runs as `nobody` when we are root
    server = EmbeddedPostgres(home, fast_unsafe=True)
    try:
        server.ensure_started()
        settings = Settings(_env_file=None, dash_home=home, database_url=None)  # type: ignore[call-arg]
        target = resolve_target(settings)
        bootstrap(target)
        engines = Engines(target, pool_size=2)
        embedder = local_embedder()
        load_knowledge(engines.service, embedder, ROOT / "knowledge")
        measure(Sources(engines.service, embedder, settings), args)
        engines.dispose()
    finally:
        server.destroy()


def measure(sources: Sources, args: argparse.Namespace) -> None:
    ways = {"every step reads the database": False, "shared knowledge cached": True}
    samples: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.questions):  # interleaved, so a busy moment of the machine hits both ways
        for cached in ways.values():
            started = time.perf_counter()
            one_question(sources, cached)
            samples[cached].append((time.perf_counter() - started) * 1000)
    for label, cached in ways.items():
        with statements(sources.service) as seen:
            one_question(sources, cached)
        ms = statistics.median(samples[cached])
        print(f"context of one question, {label}: {len(seen)} statements, {ms:.1f} ms (median)")
    fill_history(sources.service, args.history)
    former, now = former_count(sources.service), times_asked(sources.service, QUESTION, WEEK)
    print(f"repeated-question count over {args.history} runs: former {former} (newest 2,000 only), SQL {now}")
    former_ms = median_ms(lambda: former_count(sources.service), args.questions)
    sql_ms = median_ms(lambda: times_asked(sources.service, QUESTION, WEEK), args.questions)
    print(f"  former (2,000 rows to Python): {former_ms:.1f} ms (median)")
    print(f"  SQL (pg_trgm + overlap):       {sql_ms:.1f} ms (median)")


if __name__ == "__main__":
    main()
