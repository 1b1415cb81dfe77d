"""Learning eval: corrections, proposals and memory change later answers, for the right people only.

Each case (cases/learning.yaml) is a scenario played through the system's own paths after its first
question: the feedback a person gives (agents/feedback.py), the data team's approval
(db/knowledge/proposals.py) and user memory (db/knowledge/memory.py). Graded from the database
(who created what, from which run; use counts; what search returns to whom) and from the answers.
Needs a model; in CI the scripted model plays it (tests/evals/test_learning.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from agents.feedback import CORRECTIONS_AGENT, Outcome, give_feedback, query_name
from agents.team import Deps
from db.knowledge.learnings import Learning, get_learning
from db.knowledge.memory import remember
from db.knowledge.proposals import approve_proposal
from db.knowledge.search import search
from db.store.feedback import Rating
from evals.category import Case, Category, load_cases, run_category
from evals.dbcheck import Checksums
from evals.graders import Verdict
from evals.report import format_report
from evals.runner import Trace, run_question

__all__ = ["CATEGORY", "format_report", "run"]
REVIEWER = "eval-admin"


def correction(deps: Deps, case: Case, trace: Trace) -> Verdict:
    """👎 with the correction → a learning for the user, in their next session only."""
    outcome = _feedback(deps, case, trace, Rating.down, case["correction"])
    learning = outcome.learning if outcome else None
    if learning is None:
        return Verdict(False, "the correction made no learning")
    if (learning.created_by_agent, learning.created_by_run) != (CORRECTIONS_AGENT, trace.run_id):
        return Verdict(
            False,
            f"the learning does not name its origin: {learning.created_by_agent} {learning.created_by_run}",
        )
    if _uses_after(deps, learning, case["question"], case["user"]) <= learning.use_count:
        return Verdict(False, "a new session did not put the learning in the context")
    used = _learning_now(deps, learning).use_count
    if _uses_after(deps, learning, case["question"], case["other"]) != used:
        return Verdict(False, f"{case['other']} got {case['user']}'s learning")
    return Verdict(True, f"learning {learning.id} used in the next session, not by others")


def proposal(deps: Deps, case: Case, trace: Trace) -> Verdict:
    """👍 on an answer whose SQL ran → a proposal hidden from others until approved."""
    if not trace.sql:
        return Verdict(False, "the first answer ran no SQL to propose")
    proposing = replace(deps, settings=deps.settings.model_copy(update={"learning_mode_queries": "propose"}))
    outcome = _feedback(proposing, case, trace, Rating.up, "")
    if outcome is None or outcome.proposal_id is None or outcome.query_id is None:
        return Verdict(False, "the 👍 proposed no query")
    seen = _query_seen(deps, case["question"], query_name(trace.run_id))
    if not seen(case["user"]) or seen(case["other"]):
        return Verdict(False, "before approval the proposal must serve its author only")
    approve_proposal(deps.engines.service, outcome.proposal_id, reviewer=REVIEWER)
    if not seen(case["other"]):
        return Verdict(False, "the approved query is not found for another user")
    return Verdict(True, f"proposal {outcome.proposal_id} hidden until approved, then shared")


def memory(deps: Deps, case: Case, trace: Trace) -> Verdict:
    """The user's memory shows in their answer (planted by `prepare`) and in no one else's."""
    marker = case["marker"].lower()
    if marker not in trace.answer.lower():
        return Verdict(False, f"{case['user']}'s answer does not follow their memory: {trace.answer[:200]!r}")
    theirs = run_question(deps, case["question"], case["other"])
    if marker in theirs.answer.lower():
        return Verdict(False, f"{case['other']}'s answer follows {case['user']}'s memory")
    return Verdict(True, "memory changed this user's answer only")


SCENARIOS: dict[str, Callable[[Deps, Case, Trace], Verdict]] = {
    "correction": correction,
    "proposal": proposal,
    "memory": memory,
}


def grade(deps: Deps, case: Case, trace: Trace, before: Checksums) -> Verdict:
    if trace.failure:
        return Verdict(False, trace.failure)
    return SCENARIOS[case["scenario"]](deps, case, trace)


def prepare(deps: Deps) -> None:
    """Plant the memory cases' facts before any question is asked."""
    for case in load_cases(CATEGORY.path)[1]:
        if case["scenario"] == "memory":
            remember(deps.engines.service, case["user"], case["fact"])


def _feedback(deps: Deps, case: Case, trace: Trace, rating: Rating, comment: str) -> Outcome | None:
    return asyncio.run(give_feedback(deps, case["user"], trace.run_id, rating, comment, "rest"))


def _learning_now(deps: Deps, learning: Learning) -> Learning:
    found = get_learning(deps.engines.service, learning.id)
    assert found is not None, "the correction learning disappeared"
    return found


def _uses_after(deps: Deps, learning: Learning, question: str, user: str) -> int:
    """The learning's use count after `user` asks `question` in a new session."""
    run_question(deps, question, user)
    return _learning_now(deps, learning).use_count


def _query_seen(deps: Deps, question: str, name: str) -> Callable[[str], bool]:
    """Whether a user's search for the question (as the agents search) finds the query `name`."""

    def seen(user: str) -> bool:
        hits = search(deps.engines.service, deps.embedder, question, kinds=["query"], user_id=user, limit=20)
        return any(h.name == name for h in hits)

    return seen


CATEGORY = Category("learning", grade, threshold=1.0, prepare=prepare)


def run(verbose: bool = False) -> dict[str, Any]:
    return run_category(CATEGORY)
