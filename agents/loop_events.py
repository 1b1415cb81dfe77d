"""What the agent loop reports while it runs: small frozen values, one per thing that happened.

Consumers (REST SSE, Slack progress, the CLI, the trace store) match on the type. A run's stream
always ends with exactly one of LoopFinished, LoopFailed or LoopCancelled. ContentDelta pieces of a
model call that then fails and is retried (ModelCallRetrying) are superseded by the next attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.errors import DashError


@dataclass(frozen=True)
class Usage:
    """Token counts; zero when the server did not report them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
        )

    @classmethod
    def of(cls, sdk_usage: Any) -> Usage:
        """From the SDK's CompletionUsage (fields may be missing on non-OpenAI servers)."""
        prompt = getattr(sdk_usage, "prompt_tokens", 0) or 0
        completion = getattr(sdk_usage, "completion_tokens", 0) or 0
        return cls(prompt, completion, getattr(sdk_usage, "total_tokens", 0) or prompt + completion)


class ExitReason(StrEnum):
    answered = "answered"  # the model replied without asking for tools
    turn_limit = "turn_limit"  # it still wanted tools after the last allowed model call


@dataclass(frozen=True)
class ModelCallStarted:
    turn: int
    attempt: int
    model: str


@dataclass(frozen=True)
class ModelCallRetrying:
    """Attempt `attempt` failed with `error`; the loop waits `delay_s` and tries again."""

    turn: int
    attempt: int
    error: str
    status: int | None
    delay_s: float
    latency_ms: float


@dataclass(frozen=True)
class ModelCallFinished:
    turn: int
    attempt: int
    model: str
    usage: Usage | None  # None: the server sent no usage
    latency_ms: float  # request sent -> stream ended
    first_token_ms: float | None
    finish_reason: str | None


@dataclass(frozen=True)
class ContentDelta:
    text: str
    turn: int


@dataclass(frozen=True)
class ToolStarted:
    name: str
    arguments: str  # the JSON text exactly as the model sent it (it may be invalid)
    call_id: str
    turn: int


@dataclass(frozen=True)
class ToolFinished:
    """`result` is what the model reads; `error` is set when the call failed (result starts `Error:`)."""

    name: str
    call_id: str
    result: str
    error: str | None
    duration_ms: float
    turn: int


@dataclass(frozen=True)
class LoopFinished:
    answer: str
    reason: ExitReason
    usage: Usage  # summed over all model calls
    turns: int
    messages: tuple[dict[str, Any], ...]  # the whole transcript, for session history


@dataclass(frozen=True)
class LoopFailed:
    error: DashError  # ModelCallFailed for model trouble; its message says what to do
    usage: Usage
    turns: int
    messages: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class LoopCancelled:
    usage: Usage
    turns: int
    messages: tuple[dict[str, Any], ...]


LoopEvent = (
    ModelCallStarted
    | ModelCallRetrying
    | ModelCallFinished
    | ContentDelta
    | ToolStarted
    | ToolFinished
    | LoopFinished
    | LoopFailed
    | LoopCancelled
)
