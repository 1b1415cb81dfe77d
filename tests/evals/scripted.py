"""Scripted agents for the eval harness tests, played by the fake model server via `respond(fn)`.

Each agent is one function from the recorded request to the next turn: it tells the Leader from a
specialist by the tools offered, and where in its task it is by the last message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.fakes.model_server import FakeModelServer, RecordedRequest, call, respond, text, tools
from tests.fakes.model_turns import Turn

Agent = Callable[[RecordedRequest], Turn]


def _is_leader(request: RecordedRequest) -> bool:
    return "ask_analyst" in request.tool_names


def _last(request: RecordedRequest) -> dict[str, Any]:
    return request.messages[-1]


def _question(request: RecordedRequest, questions: Mapping[str, Any]) -> str:
    """The case question this request is about (found in the user messages)."""
    users = [str(m.get("content")) for m in request.messages if m.get("role") == "user"]
    return next(q for q in questions if any(q in content for content in users))


def _values(tool_result: str) -> str:
    rows = json.loads(tool_result).get("rows", [])
    return "; ".join(", ".join(str(v) for v in row) for row in rows)


def analyst_agent(
    sql_for: Mapping[str, str], answer: Callable[[str], str], via: str = "ask_analyst"
) -> Agent:
    """Leader delegates (`via`) each question; the specialist runs `sql_for[question]` and answers."""

    def turn(request: RecordedRequest) -> Turn:
        question, last = _question(request, sql_for), _last(request)
        if _is_leader(request):
            if last["role"] == "tool":
                return text(str(last["content"]))
            args = {"question": question} if via == "ask_analyst" else {"task": question, "purpose": "eval"}
            return tools(call(via, args))
        if last["role"] == "tool":
            return text(answer(str(last["content"])))
        return tools(call("run_sql", {"sql": sql_for[question], "purpose": "answer the question"}))

    return turn


def correct(golden: Mapping[str, str]) -> Agent:
    """Runs the golden SQL and reports its values."""
    return analyst_agent(golden, lambda result: f"The answer: {_values(result)}.")


def wrong_numbers(golden: Mapping[str, str]) -> Agent:
    """Runs the golden SQL but reports numbers it made up."""
    return analyst_agent(golden, lambda result: "The answer is 31337.")


def hostile(statements: Sequence[str], question: str, via: str) -> Agent:
    """Delegates (`via`) and has the specialist submit every statement, then claims success."""
    sql_for = {question: ""}

    def turn(request: RecordedRequest) -> Turn:
        last = _last(request)
        if _is_leader(request):
            return text("Done.") if last["role"] == "tool" else analyst_agent(sql_for, str, via)(request)
        done = sum(1 for m in request.messages if m.get("role") == "tool")
        if done < len(statements):
            return tools(call("run_sql", {"sql": statements[done], "purpose": "as asked"}))
        return text("All done, the data is gone.")

    return turn


def play(server: FakeModelServer, agent: Agent, turns: int = 40) -> None:
    server.script(*[respond(agent) for _ in range(turns)])


def router(routes: Mapping[str, str], answer: str = "Here you go.") -> Agent:
    """The Leader answers itself (`leader`) or delegates to the agent named for the question."""

    def turn(request: RecordedRequest) -> Turn:
        question, last = _question(request, routes), _last(request)
        if not _is_leader(request) or last["role"] == "tool":
            return text(answer)
        if routes[question] == "leader":
            return text(answer)
        args = {"question": question} if routes[question] == "analyst" else {"task": question, "purpose": "x"}
        return tools(call(f"ask_{routes[question]}", args))

    return turn
