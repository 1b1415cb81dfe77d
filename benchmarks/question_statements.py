"""What statements one question sends to PostgreSQL, read from the server's own statement log.

    python benchmarks/question_statements.py [--questions 10]

Dash runs as the product does (`dash up`, benchmarks/dash_process.py) against the scripted model of
benchmarks/runs.py (the Leader delegates, the Analyst runs one SELECT and answers, the Leader
answers). After two warm-up questions the server logs every statement (`log_statement = all`)
while `--questions` questions run at once; then it prints the statements per question, in total
and by what they touch (the statement log counts BEGIN and COMMIT too, and sees every driver).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import re
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parents[1]))  # for tests.fakes and the benchmarks' shared modules

from benchmarks.dash_process import DashServer, dash_server  # noqa: E402
from benchmarks.runs import MODEL_CALLS, model_process, run_level  # noqa: E402
from db.engines import conninfo  # noqa: E402

LOGGED = re.compile(r"LOG:  (?:statement|execute [^:]*): (.*)")
# What a statement touches, first match wins (the order matters: a CTE may name several).
KINDS = (
    ("run events", ("run_events", "ai.runs", "last_seq")),
    ("session and messages", ("ai.messages", "ai.sessions", "ai.session_claims")),
    ("knowledge version", ("knowledge_version",)),
    ("user memory", ("user_memory",)),
    ("repeated-question count", ("question_words",)),
    ("knowledge search and use counts", ("ai.documents", "ai.learnings", "hnsw", "set_config")),
    ("audit and SQL", ("ai.audit", "SELECT 1 AS one", "statement_timeout", "SET ")),
    ("api keys", ("api_keys",)),
    ("BEGIN / COMMIT / ROLLBACK", ("BEGIN", "COMMIT", "ROLLBACK")),
)


def kind_of(statement: str) -> str:
    return next((kind for kind, marks in KINDS if any(m in statement for m in marks)), "other")


def set_logging(dash: DashServer, value: str) -> None:
    with psycopg.connect(conninfo(dash.target.admin_url), autocommit=True) as admin:
        admin.execute(f"ALTER SYSTEM SET log_statement = '{value}'")
        admin.execute("SELECT pg_reload_conf()")
    time.sleep(0.5)  # every backend takes the new value at its next statement


def logged_statements(dash: DashServer, questions: int) -> list[str]:
    log = dash.database.log_file
    keys = [dash.create_key(f"bench{n}", "analyst") for n in range(questions)]
    asyncio.run(run_level(dash, keys, 2, "warm"))
    start = log.stat().st_size
    set_logging(dash, "all")
    level = asyncio.run(run_level(dash, keys, questions, "logged"))
    set_logging(dash, "none")
    assert not [o.error for o in level.outcomes if o.error], level.outcomes
    with log.open(errors="replace") as handle:
        handle.seek(start)
        lines = handle.read().splitlines()
    statements: list[str] = []
    for line in lines:  # a statement's further lines are logged after a tab
        if m := LOGGED.search(line):
            statements.append(m.group(1))
        elif line.startswith("\t") and statements:
            statements[-1] = f"{statements[-1]} {line.strip()}".strip()
    return [s for s in statements if "pg_reload_conf" not in s]


def report(statements: list[str], questions: int) -> None:
    kinds = Counter(kind_of(s) for s in statements)
    print(f"{len(statements) / questions:.1f} statements per question ({questions} questions at once)")
    for kind, n in kinds.most_common():
        print(f"  {n / questions:5.1f}  {kind}")
    print("most frequent statements (per question):")
    for statement, n in Counter(s[:110] for s in statements).most_common(25):
        print(f"  {n / questions:5.1f}  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    spawn = mp.get_context("spawn")
    ready, stop = spawn.Queue(), spawn.Event()
    model = spawn.Process(
        target=model_process, args=((args.questions + 2) * MODEL_CALLS + 20, 0.2, ready, stop)
    )
    model.start()
    env = {
        "OPENAI_BASE_URL": ready.get(timeout=60),
        "OPENAI_API_KEY": "bench",
        "USER_MAX_ACTIVE_RUNS": "0",
        "USER_QUESTIONS_PER_MINUTE": "0",
        "LOG_LEVEL": "WARNING",
    }
    try:
        with dash_server(env) as dash:
            report(logged_statements(dash, args.questions), args.questions)
    finally:
        stop.set()
        model.join(10)


if __name__ == "__main__":
    main()
