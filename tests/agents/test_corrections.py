"""Which thread replies are worth the correction call, and what is read from the model's reply."""

from __future__ import annotations

import pytest

from agents.corrections import Correcting, Correction, as_said, looks_like_correction, parse_correction


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("no — revenue must exclude refunds", True),
        ("No, MRR excludes trials", True),
        ("Nope. Use paid_at, not created_at", True),
        ("wrong: the fiscal year starts in February", True),
        ("That's not right, churn counts cancelled only", True),
        ("that is wrong", True),
        ("Actually, trials are not customers", True),
        ("You forgot the refunds", True),
        ("It should be grouped by month", True),
        ("should exclude internal accounts", True),
        ("And the month before?", False),
        ("What about churn?", False),
        ("Nothing else, thanks", False),
        ("nobody asked for EUR", False),  # "no" only as a word of its own
        ("great, thanks!", False),
    ],
)
def test_the_cheap_rule_picks_replies_that_open_like_corrections(reply: str, expected: bool) -> None:
    assert looks_like_correction(reply) is expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            '{"correction": true, "title": "Refunds out", "learning": "Exclude refunds."}',
            Correction("Refunds out", "Exclude refunds."),
        ),
        (
            'Sure:\n```json\n{"title": "Refunds out", "learning": "Exclude refunds."}\n```',
            Correction("Refunds out", "Exclude refunds."),
        ),
        (
            '{"correction": true, "learning": "Exclude refunds."}',
            Correction("Exclude refunds.", "Exclude refunds."),
        ),
        ('{"correction": false}', None),
        ('{"correction": true, "title": "t"}', None),
        ("I cannot help with that.", None),
        ("{not json}", None),
    ],
)
def test_the_models_reply_is_read_as_a_learning_or_not_a_correction(
    reply: str, expected: Correction | None
) -> None:
    assert parse_correction(reply) == expected


def test_without_the_model_the_correction_is_kept_in_the_persons_words() -> None:
    kept = as_said(Correcting("What was revenue?", "100", ("SELECT 1",), "no,   refunds\nmust be out"))
    assert kept.title == "no, refunds must be out" and not kept.by_model
    assert "What was revenue?" in kept.learning and "no, refunds must be out" in kept.learning
