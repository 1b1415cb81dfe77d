"""What a question must be before a run starts: the same rules on every surface (REST, Slack,
schedules, CLI), checked by `ask()` before anything is stored, so a refused question leaves no
session or run behind. Surfaces may check earlier to answer in their own way (a Slack reply).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidInput


@dataclass(frozen=True)
class Refusal:
    """Why a question cannot be asked, in words for the person who asked it."""

    reason: str
    message: str


def refusal(question: str, max_chars: int) -> Refusal | None:
    """None when `question` may be asked; otherwise why not."""
    if not question.strip():
        return Refusal("empty", "The question is empty. Ask something about your data.")
    if "\x00" in question:  # PostgreSQL text cannot hold it: refuse before anything is stored
        return Refusal("nul_character", "The question contains a NUL character; remove it and ask again.")
    if len(question) > max_chars:
        return Refusal(
            "too_long",
            f"The question is {len(question):,} characters long; the limit is {max_chars:,} "
            "(QUESTION_MAX_CHARS). Shorten it, or ask about one part at a time.",
        )
    return None


class QuestionRefused(InvalidInput):
    """A question that breaks the rules above: 422, naming the message field."""

    def __init__(self, refused: Refusal) -> None:
        super().__init__(
            refused.message,
            detail={
                "reason": refused.reason,
                "fields": [{"field": "body.message", "message": refused.message}],
            },
        )
        self.refusal = refused


def check_question(question: str, max_chars: int) -> None:
    """Raise QuestionRefused when the question may not be asked."""
    if (refused := refusal(question, max_chars)) is not None:
        raise QuestionRefused(refused)
