"""The `learning` eval category, played by a scripted model that follows its context: a correction
reaches the user's next session (and the model request shows it) and no one else's; a proposed query
is hidden from others until approved; memory changes one user's answer only."""

from __future__ import annotations

import json

from agents.team import Deps
from evals import learning
from evals.category import evaluate, load_cases
from tests.evals import scripted
from tests.fakes.model_server import FakeModelServer, RecordedRequest, call, text, tools
from tests.fakes.model_turns import Turn

RULE = "Revenue excludes refunded invoices: count only paid invoices."
CASES = {c["id"]: c for c in load_cases(learning.CATEGORY.path)[1]}
MARKERS = (RULE, "Regards, EMEA desk")


def learner(follows_context: bool = True) -> scripted.Agent:
    """Leader delegates, Analyst runs SQL; the answer adds what the context told it (if it follows);
    the correction prompt gets a learning back."""

    def turn(request: RecordedRequest) -> Turn:
        first = str(request.messages[0].get("content"))
        if "A person corrected a data assistant's answer" in first:
            return text(
                json.dumps({"correction": True, "title": "Revenue excludes refunds", "learning": RULE})
            )
        last = request.messages[-1]
        if "ask_analyst" in request.tool_names:  # the Leader
            if last["role"] == "tool":
                return text(str(last["content"]))
            question = next(m["content"] for m in request.messages if m["role"] == "user")
            return tools(call("ask_analyst", {"question": question}))
        if last["role"] == "tool":
            told = [m for m in MARKERS if follows_context and m in str(request.messages[0])]
            return text(" ".join(["The answer is 42.", *told]))
        return tools(call("run_sql", {"sql": "SELECT 42 AS answer", "purpose": "answer"}))

    return turn


def test_every_learning_scenario_passes_with_a_model_that_follows_its_context(
    deps: Deps, model_server: FakeModelServer
) -> None:
    scripted.play(model_server, learner(), turns=120)
    report = evaluate(learning.CATEGORY, deps)
    assert report["passed"], report["failures"]
    assert report["cases"] == 3


def test_the_corrected_users_next_session_shows_the_learning_in_the_model_request(
    deps: Deps, model_server: FakeModelServer
) -> None:
    scripted.play(model_server, learner(), turns=60)
    report = evaluate(learning.CATEGORY, deps, [CASES["correction-revenue-refunds"]])
    assert report["passed"], report["failures"]
    # The Analyst's first request of each run: the wrong answer, the user's new session, the bystander.
    analyst_starts = [
        r
        for r in model_server.chat_requests
        if "run_sql" in r.tool_names and r.messages[-1]["role"] == "user"
    ]
    assert [RULE in str(r.messages) for r in analyst_starts] == [False, True, False]


def test_a_model_that_ignores_memory_fails_the_memory_case(deps: Deps, model_server: FakeModelServer) -> None:
    scripted.play(model_server, learner(follows_context=False), turns=20)
    report = evaluate(learning.CATEGORY, deps, [CASES["memory-sign-off"]])
    assert not report["passed"]
    assert "does not follow their memory" in report["failures"][0]["reason"]
