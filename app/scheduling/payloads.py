"""What each task's payload must hold, validated when a schedule is saved, and the alert rule."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.questions import refusal
from core.settings import get_settings
from db.sql_guard import check_analyst

Op = Literal[">", ">=", "<", "<=", "==", "!="]
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class KnowledgeRefreshPayload(BaseModel):
    """Reload the knowledge files from KNOWLEDGE_PATH; no options."""

    model_config = ConfigDict(extra="forbid")


class LearningCurationPayload(BaseModel):
    """Merge near-duplicate learnings, flag contradictions, archive stale ones; no options."""

    model_config = ConfigDict(extra="forbid")


class AskPayload(BaseModel):
    """Ask `question` as `user_id`; the answer is stored as a report and posted to `channel` if set."""

    model_config = ConfigDict(extra="forbid")
    question: str
    user_id: str = Field(min_length=1, max_length=200)
    channel: str | None = None

    @field_validator("question")
    @classmethod
    def _askable(cls, question: str) -> str:
        """The rules of every surface (QUESTION_MAX_CHARS among them), checked when saved."""
        if (refused := refusal(question, get_settings().question_max_chars)) is not None:
            raise ValueError(refused.message)
        return question


class SqlCheckPayload(BaseModel):
    """Run `sql` as the analyst; alert with `message` when `column` of the first row `op` `threshold`."""

    model_config = ConfigDict(extra="forbid")
    sql: str = Field(min_length=1)
    column: str | None = None
    op: Op = ">"
    threshold: float
    message: str = "Metric check triggered"
    channel: str | None = None

    @field_validator("sql")
    @classmethod
    def _guarded(cls, sql: str) -> str:
        """Refused now, with the guard's reason, rather than at every firing."""
        decision = check_analyst(sql)
        if not decision.allowed:
            raise ValueError(f"refused by the SQL guard: {decision.reason}")
        return sql

    @field_validator("threshold")
    @classmethod
    def _finite(cls, threshold: float) -> float:
        if not math.isfinite(threshold):  # NaN compares false with everything: the alert would never fire
            raise ValueError(f"threshold must be a finite number such as 10 or 0.5, not {threshold}")
        return threshold


PAYLOADS: dict[str, type[BaseModel]] = {
    "knowledge_refresh": KnowledgeRefreshPayload,
    "ask": AskPayload,
    "sql_check": SqlCheckPayload,
    "learning_curation": LearningCurationPayload,
}


def validate_payload(task: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload in its canonical form; pydantic ValidationError naming the field otherwise."""
    return PAYLOADS[task].model_validate(payload).model_dump(exclude_none=True)


def condition_holds(value: Any, op: Op, threshold: float) -> bool:
    """Whether the alert fires; a missing value never fires, a non-number is a ValueError."""
    if value is None:
        return False
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"the checked value {value!r} is not a number")
    return OPS[op](float(value), threshold)
