"""Concurrent questions over REST to Dash in its own process, against a scripted model.

    python benchmarks/runs.py [--levels 1,50,200] [--rounds 3] [--model-s 1.0] [--users 20] [--workers N]

Dash runs as the product does (`dash up`, its own process, sample data and knowledge loaded) on
an embedded PostgreSQL started in a throw-away folder; the scripted model server runs in a
process of its own; the load client (benchmarks/raw_http.py, asyncio) runs here. Each question is posted to
`POST /v1/ask` with an API key and its SSE stream followed to the final event. A question is 4
model calls of `--model-s` each: the Leader delegates, the Analyst calls run_sql, the Analyst
answers, the Leader streams its answer over `--model-s`. Per-user limits are off.
A warm-up of one question per user comes first and is not counted.

For each level (that many questions at once, `--rounds` times one after another: one question's
CPU is a few of /proc's 10 ms ticks) it prints errors, throughput over the level's wall time, p50/p95 overhead beyond model time (latency - 4 x model-s), and CPU seconds per question
of Dash plus PostgreSQL (the `dash up` process tree, the postmaster and all its backends, from
/proc); the model server and the load client are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))  # for tests.fakes and the benchmarks' shared modules

from benchmarks import raw_http  # noqa: E402
from benchmarks.dash_process import DashServer, dash_server, load_average, machine  # noqa: E402
from benchmarks.proc_cpu import CpuMeter  # noqa: E402
from tests.fakes.model_server import (  # noqa: E402
    FakeModelServer,
    RecordedRequest,
    call,
    delay,
    respond,
    text,
    tools,
)
from tests.fakes.model_turns import Turn  # noqa: E402

MODEL_CALLS = 4
ANSWER = "The answer is one. " * 10
TERMINAL = {"run_completed", "run_failed", "run_cancelled"}


def scripted_turn(model_s: float) -> Turn:
    """Choose each reply from the request itself, so concurrent runs cannot take each other's turns."""
    chunks = len(ANSWER) // 4

    def choose(request: RecordedRequest) -> Turn:
        analyst = request.messages[0]["content"].startswith("You are the Analyst")
        answered = any(m.get("role") == "tool" for m in request.messages)
        if analyst:
            reply = text("One.") if answered else tools(call("run_sql", {"sql": "SELECT 1 AS one"}))
            return delay(model_s, reply)
        if answered:  # the Leader's answer, streamed over the whole call
            return text(ANSWER, chunk_size=4, chunk_delay=model_s / chunks)
        return delay(model_s, tools(call("ask_analyst", {"question": "What is one?"})))

    return respond(choose)


def model_process(turns: int, model_s: float, ready: Any, stop: Any) -> None:
    """The scripted model server in its own process: its work is not Dash's."""
    with FakeModelServer() as server:
        for _ in range(turns):
            server.script(scripted_turn(model_s))
        ready.put(server.base_url)
        stop.wait()


@dataclass(frozen=True)
class Outcome:
    latency_s: float
    error: str | None  # None: the run completed


async def one_question(base_url: str, key: str, question: str) -> Outcome:
    """Post one question and read its SSE stream to the final event, as a REST client would."""
    started, final = time.perf_counter(), None
    headers = {"Authorization": f"Bearer {key}"}
    try:
        async with raw_http.request(
            base_url, "POST", "/v1/ask", headers=headers, json_body={"message": question}
        ) as response:
            if response.status != 200:
                body = await response.body()
                return Outcome(time.perf_counter() - started, f"HTTP {response.status}: {body[:300]!r}")
            async for line in response.lines():
                if line.startswith("event: ") and line[7:] in TERMINAL | {"error"}:
                    final = line[7:]
                elif final and line.startswith("data: "):
                    final += f" {line[6:300]}"
    except OSError as exc:
        return Outcome(time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    error = None if final and final.startswith("run_completed") else f"the stream ended with {final}"
    return Outcome(time.perf_counter() - started, error)


@dataclass(frozen=True)
class Level:
    at_once: int
    rounds: int
    outcomes: list[Outcome]
    wall_s: float
    cpu: CpuMeter
    load: str  # the load average when the level started

    def report(self, model_s: float) -> str:
        errors = [o.error for o in self.outcomes if o.error]
        overhead = sorted(o.latency_s - MODEL_CALLS * model_s for o in self.outcomes if not o.error)
        p50 = statistics.median(overhead) if overhead else float("nan")
        p95 = overhead[int(0.95 * (len(overhead) - 1))] if overhead else float("nan")
        first = f" (first: {errors[0][:200]})" if errors else ""
        return (
            f"{self.at_once:>4} concurrent x {self.rounds}: errors {len(errors)}{first}, "
            f"throughput {len(self.outcomes) / self.wall_s:.1f} q/s (wall {self.wall_s:.1f} s), "
            f"overhead p50 {p50:.2f} s, p95 {p95:.2f} s, "
            f"CPU {self.cpu.per(len(self.outcomes))} per question; "
            f"load average before: {self.load}"
        )


async def run_level(dash: DashServer, keys: list[str], at_once: int, tag: str, rounds: int = 1) -> Level:
    meter, load = CpuMeter(dash.process.pid, dash.postmaster_pid), load_average()
    meter.start()
    started, outcomes = time.perf_counter(), []
    for r in range(rounds):
        outcomes += await asyncio.gather(
            *(
                one_question(dash.base_url, keys[i % len(keys)], f"What is one? ({tag}-{r}-{i})")
                for i in range(at_once)
            )
        )
    wall = time.perf_counter() - started
    meter.stop()
    return Level(at_once, rounds, outcomes, wall, meter, load)


def bench(args: argparse.Namespace, base_url: str) -> None:
    env = {
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "bench",
        "USER_MAX_ACTIVE_RUNS": "0",  # 0: no limit
        "USER_QUESTIONS_PER_MINUTE": "0",
        "LOG_LEVEL": "WARNING",
    }
    up_args = ("--workers", str(args.workers)) if args.workers else ()
    with dash_server(env, up_args) as dash:
        keys = [dash.create_key(f"bench{n}", "analyst") for n in range(args.users)]
        print(machine(dash.database))
        print(f"model: {MODEL_CALLS} calls of {args.model_s:g} s per question; {args.users} users")
        # The first questions load what stays loaded (the embedder's session, lazy imports, pools,
        # each user's verified API key): one per user, so the levels measure a server in use.
        warm = asyncio.run(run_level(dash, keys, len(keys), "warm"))
        print("warm-up, not counted: " + warm.report(args.model_s))
        for n, level in enumerate(args.levels):
            result = asyncio.run(run_level(dash, keys, level, f"L{n}", args.rounds))
            print(result.report(args.model_s), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=lambda v: [int(x) for x in v.split(",")], default=[1, 50, 200])
    parser.add_argument("--rounds", type=int, default=3, help="batches of each level, one after another")
    parser.add_argument("--model-s", type=float, default=1.0)
    parser.add_argument("--users", type=int, default=20, help="API-key users the questions rotate over")
    parser.add_argument("--workers", type=int, default=0, help="`dash up --workers N` (0: not passed)")
    args = parser.parse_args()
    spawn = mp.get_context("spawn")
    ready, stop = spawn.Queue(), spawn.Event()
    turns = sum(args.levels) * args.rounds * MODEL_CALLS + 100
    model = spawn.Process(target=model_process, args=(turns, args.model_s, ready, stop))
    model.start()
    try:
        bench(args, ready.get(timeout=60))
    finally:
        stop.set()
        model.join(10)


if __name__ == "__main__":
    main()
