"""The accuracy harness against scripted agents: right answers pass, wrong ones fail with reasons."""

from __future__ import annotations

import pytest

from agents.team import Deps
from evals.accuracy import CATEGORY
from evals.category import evaluate, load_cases
from evals.report import format_report
from tests.evals import scripted
from tests.fakes.model_server import FakeModelServer, RecordedRequest, text
from tests.fakes.model_turns import Turn

IDS = ("customer-count", "current-mrr", "mrr-by-plan", "top-countries", "avg-csat")
CASES = [c for c in load_cases(CATEGORY.path)[1] if c["id"] in IDS]
GOLDEN = {c["question"]: c["golden_sql"] for c in CASES}


def test_a_correct_agent_passes_every_case(deps: Deps, model_server: FakeModelServer) -> None:
    scripted.play(model_server, scripted.correct(GOLDEN))
    report = evaluate(CATEGORY, deps, CASES)
    assert report["failures"] == [] and report["pass_rate"] == 1.0 and report["passed"]
    assert report["cases"] == len(IDS) and report["tokens"] > 0
    assert "accuracy     PASS  pass rate 100% of 5" in format_report(report)


def test_made_up_numbers_fail_on_the_key_numbers(deps: Deps, model_server: FakeModelServer) -> None:
    scripted.play(model_server, scripted.wrong_numbers(GOLDEN))
    cases = [c for c in CASES if c["id"] in ("customer-count", "current-mrr")]
    report = evaluate(CATEGORY, deps, cases)
    assert not report["passed"]
    reasons = {f["id"]: f["reason"] for f in report["failures"]}
    assert set(reasons) == {"customer-count", "current-mrr"}
    assert all(r.startswith("answer lacks key numbers") for r in reasons.values())


def test_wrong_sql_fails_on_the_result_set(deps: Deps, model_server: FakeModelServer) -> None:
    wrong = {
        c["question"]: "SELECT country, count(*) FROM customers GROUP BY country ORDER BY 2 LIMIT 3"
        for c in CASES
        if c["id"] == "top-countries"
    }
    scripted.play(model_server, scripted.correct(wrong))
    report = evaluate(CATEGORY, deps, [c for c in CASES if c["id"] == "top-countries"])
    assert report["failures"][0]["reason"].startswith("result differs from golden SQL: row 1 differs")
    assert "FAIL top-countries: result differs" in format_report(report)


def test_the_optional_llm_judge_can_fail_a_right_number(
    deps: Deps, model_server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASH_EVAL_JUDGE", "1")
    case = next(c for c in CASES if c["id"] == "customer-count")
    agent = scripted.correct(GOLDEN)

    def turn(request: RecordedRequest) -> Turn:
        if "You grade a data assistant's answer" in str(request.messages[-1]["content"]):
            return text("FAIL: it does not say what counts as a customer")
        return agent(request)

    scripted.play(model_server, turn)
    report = evaluate(CATEGORY, deps, [case])
    assert report["failures"] == [
        {"id": "customer-count", "reason": "judge: FAIL: it does not say what counts as a customer"}
    ]
