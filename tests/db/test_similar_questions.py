"""Repeated questions counted in PostgreSQL: the same question in other words, within the window."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import text

from db.store import Store
from db.store.similar_questions import SIMILAR, times_asked

WEEK = timedelta(days=7)
# (id, one question, another, the same question?)
PAIRS = [
    ("case-and-filler", "What is our MRR by plan?", "mrr by plan", True),
    ("contraction", "what's the MRR by plan", "What is the MRR by plan?", True),
    ("word-order", "revenue by region and month", "month and region: revenue", True),
    (
        "one-extra-word-of-six",
        "monthly revenue per region last year",
        "monthly revenue region last year total",
        True,
    ),
    (
        "one-word-swapped",
        "monthly revenue by region last year",
        "monthly revenue by region last month",
        False,
    ),
    (
        "four-of-five-at-the-threshold",
        "churn rate of enterprise customers",
        "enterprise customers churn rate q1",
        True,
    ),
    ("three-of-four", "churn rate enterprise customers", "churn rate enterprise", False),
    ("different-subject", "MRR by plan", "churn by country", False),
    ("one-shared-word", "active customers", "active subscriptions", False),
    ("only-filler", "what is the", "how many do we", False),
    ("digits", "top 10 customers", "top 10 customers?", True),
    ("other-digits", "top 10 customers", "top 20 customers", False),
]


def reference_words(question: str) -> frozenset[str]:
    """The Python rule this replaced, kept as the oracle: content words of a question."""
    filler = "a an the of in on for to is are was were what how many much do does did by per our we"
    plain = re.sub(r"'\w*", "", question.lower())
    return frozenset(w for w in re.findall(r"[a-z0-9]+", plain) if w not in filler.split())


def reference_same(a: str, b: str) -> bool:
    x, y = reference_words(a), reference_words(b)
    return bool(x and y) and len(x & y) / len(x | y) >= SIMILAR


def test_the_same_question_in_other_words_matches_as_the_python_rule_did(store: Store) -> None:
    sql = text(
        "SELECT ai.content_words(:a) % ai.content_words(:b)"
        " AND ai.word_overlap(ai.content_words(:a), ai.content_words(:b)) >= :similar"
    )
    with store.engine.connect() as conn:
        matched = {
            case: conn.execute(sql, {"a": one, "b": other, "similar": SIMILAR}).scalar_one()
            for case, one, other, _ in PAIRS
        }
    assert matched == {case: same for case, _, _, same in PAIRS}
    assert matched == {case: reference_same(one, other) for case, one, other, _ in PAIRS}


def test_completed_runs_of_every_user_within_the_window_count(store: Store) -> None:
    service = store.engine
    for user, question, status in [
        ("alice", "what's the MRR by plan", "completed"),
        ("bob", "MRR by plan?", "completed"),
        ("carol", "What is the MRR by plan", "failed"),
        ("dave", "churn by country", "completed"),
        ("erin", "mrr by plan", "completed"),
    ]:
        run = store.start_run(user, store.create_or_get_session(user).id, question)
        if status == "completed":
            store.mark_run_completed(run.id, "an answer")
    with service.begin() as conn:  # erin asked it a month ago
        conn.execute(
            text("UPDATE ai.runs SET created_at = now() - interval '30 days' WHERE user_id = 'erin'")
        )
    assert times_asked(service, "What is our MRR by plan?", WEEK) == 2
    assert times_asked(service, "What is our MRR by plan?", timedelta(days=60)) == 3
    assert times_asked(service, "what is", WEEK) == 0
