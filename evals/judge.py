"""The optional LLM grader for accuracy: is the answer a clear, faithful explanation of the rows?

Off by default (it costs a model call per case); on with `DASH_EVAL_JUDGE=1`. It only runs on
answers whose numbers already passed, and its verdict is `PASS` or `FAIL: reason` on the first line.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from agents.model import create_model_client, message_text
from agents.model_client import CHAT_PATH
from core.settings import Settings
from evals.graders import PASS, Verdict

PROMPT = """You grade a data assistant's answer. Question: {question}
Rows the correct SQL returns: {rows}
Answer: {answer}
Is the answer correct, clear, and does it explain what the numbers mean? Reply on the first line with
PASS, or FAIL: <one-sentence reason>."""


def enabled() -> bool:
    return os.environ.get("DASH_EVAL_JUDGE", "").lower() in ("1", "true", "yes")


def judge(settings: Settings, question: str, rows: list[tuple[Any, ...]], answer: str) -> Verdict:
    """The model's verdict on the answer's explanation quality."""
    prompt = PROMPT.format(question=question, rows=rows[:20], answer=answer)
    reply = asyncio.run(_ask(settings, prompt)).strip()
    first = reply.splitlines()[0] if reply else "FAIL: the judge gave no verdict"
    return PASS if first.upper().startswith("PASS") else Verdict(False, f"judge: {first}")


async def _ask(settings: Settings, prompt: str) -> str:
    client = create_model_client(settings)
    try:
        body = {"model": settings.model_for("analyst"), "messages": [{"role": "user", "content": prompt}]}
        return message_text(await client.post(CHAT_PATH, body))
    finally:
        await client.close()
