"""Turn a person's correction of an answer into a learning: one model call with a fixed prompt.

This is a system step, not an agent's choice: whenever someone gives a 👎 with a comment, or replies
in a Slack thread correcting Dash's answer, the question, the answer, the SQL that ran and the
correction go to the model once, and what comes back is saved as a learning for that person.

Whether a Slack thread reply is a correction at all is decided cheaply first: only a reply that
opens like a correction ("no", "wrong", "that's not right", "actually, ...") or follows the
person's own 👎 is sent to the model, and the model may still answer that it is not one (then the
reply is a plain follow-up question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.model import complete, json_object
from agents.model_client import ModelClient
from core.settings import Settings

PROMPT = """A person corrected a data assistant's answer. Write down what the assistant must do \
differently next time, as one concise, reusable rule about the data (not about this one answer).

Question: {question}
Answer: {answer}
SQL that ran:
{sql}
The person's reply: {correction}

Answer with JSON only. When the reply corrects the answer or the SQL:
{{"correction": true, "title": "<at most 10 words>", "learning": "<one or two sentences>"}}
When it does not (a new question, thanks, chatter): {{"correction": false}}"""
OPENING = re.compile(
    r"^\W*(no\b|nope\b|wrong\b|incorrect\b|not (quite|right|correct)\b|actually\b"
    r"|that('?s| is| was) (not|wrong|incorrect)\b|this (is|was) (not|wrong|incorrect)\b"
    r"|you (forgot|missed|should)\b|it should\b|should (be|have|exclude|include)\b)",
    re.IGNORECASE,
)
MAX_TITLE = 120
MAX_LEARNING = 2000


@dataclass(frozen=True)
class Correcting:
    """What the model sees: the run's question, answer and SQL, and the person's words."""

    question: str
    answer: str
    sql: tuple[str, ...]
    correction: str


@dataclass(frozen=True)
class Correction:
    """The learning to save; `by_model` False when the model failed and the words were kept as said."""

    title: str
    learning: str
    by_model: bool = True


def looks_like_correction(reply: str) -> bool:
    """The cheap rule for a thread reply: does it open the way corrections do?"""
    return bool(OPENING.match(reply.strip()))


def correction_prompt(case: Correcting) -> str:
    sql = "\n".join(case.sql) or "(none)"
    return PROMPT.format(
        question=case.question, answer=case.answer[:4000], sql=sql[:4000], correction=case.correction
    )


def parse_correction(reply: str) -> Correction | None:
    """The model's learning; None when it says the reply is not a correction or gives no learning."""
    found = json_object(reply)
    if found.get("correction") is False:
        return None
    title, learning = str(found.get("title") or "").strip(), str(found.get("learning") or "").strip()
    if not learning:
        return None
    return Correction((title or learning)[:MAX_TITLE], learning[:MAX_LEARNING])


def as_said(case: Correcting) -> Correction:
    """The person's own words as the learning, when the model could not be asked (nothing is lost)."""
    words = " ".join(case.correction.split())
    return Correction(
        words[:MAX_TITLE], f"Asked {case.question!r}, a person corrected: {words}"[:MAX_LEARNING], False
    )


async def make_correction(client: ModelClient, settings: Settings, case: Correcting) -> Correction | None:
    """One model call (retried like any other) → the learning, or None for "not a correction"."""
    reply = await complete(client, settings, [{"role": "user", "content": correction_prompt(case)}])
    return parse_correction(reply)
