"""`POST /v1/ask`: put a question to the team; stream its events (SSE) or wait for one JSON result.

The run is driven by the `Runner`, not by this request: if the client goes away the run still
finishes and is stored, and `GET /v1/runs/{id}/events` replays and follows it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

from agents.live import follow
from agents.run_events import StoredEvent
from agents.runner import RunRequest
from app.deps import RunnerDep, SettingsDep, Viewer
from app.limits import run_limits
from app.routes.models import Responses, documented_errors
from app.session_ids import reserved_by
from app.sse import SSE_RESPONSE, event_stream
from core.errors import Conflict, UpstreamError

router = APIRouter(prefix="/v1", tags=["ask"])


class AskRequest(BaseModel):
    # Strict: a field Dash does not know, or "stream": "yes", is a mistake worth a 422.
    model_config = ConfigDict(extra="forbid")

    message: StrictStr = Field(
        min_length=1,
        examples=["What was revenue last month?"],
        description="The question: not blank, at most QUESTION_MAX_CHARS characters (20,000 by default).",
    )
    session_id: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Continue this session of yours; omit to start a new one. Ids starting with"
        " `slack:` belong to Slack threads and are refused.",
    )
    stream: StrictBool = Field(default=True, description="true: text/event-stream; false: one JSON result.")

    @field_validator("session_id")
    @classmethod
    def _not_a_surface_session(cls, value: str | None) -> str | None:
        if value is not None and (surface := reserved_by(value)) is not None:
            raise ValueError(f"session ids starting with {value.split(':')[0]}: belong to {surface}")
        return value


class AskResult(BaseModel):
    run_id: str
    session_id: str
    status: str = Field(examples=["completed"])
    answer: str = Field(examples=["Revenue in October was $1.24M, up 3.1% on September."])
    sql: list[str] = Field(examples=[["SELECT sum(amount) FROM orders WHERE …"]])
    usage: dict[str, Any] = Field(examples=[{"prompt_tokens": 700, "completion_tokens": 112}])
    last_event_id: int = Field(description="Id of the final event (for `GET /v1/runs/{id}/events`).")
    result: dict[str, Any] | None = Field(
        default=None, description="The latest SQL result: columns, rows, truncated (null: no rows)."
    )
    chart: dict[str, Any] | None = Field(
        default=None, description="A Vega-Lite spec of that result (null: not chartable)."
    )


ASK_RESPONSES: Responses = {
    200: {
        **SSE_RESPONSE[200],
        "content": {
            **SSE_RESPONSE[200]["content"],
            "application/json": {"schema": AskResult.model_json_schema()},
        },
    },
    **documented_errors(
        e409="session_id belongs to another user, or the run was cancelled.",
        e429="You have USER_MAX_ACTIVE_RUNS runs in flight, or asked USER_QUESTIONS_PER_MINUTE"
        " questions within a minute (see Retry-After).",
        e502="The model server failed (non-streaming only; a stream ends with run_failed).",
        e503="No model is configured (the message names the setting), or the database is not reachable.",
    ),
}


@router.post(
    "/ask",
    summary="Ask a question (SSE stream by default, or one JSON result)",
    response_model=None,
    responses=ASK_RESPONSES,
)
async def ask_question(
    body: AskRequest, principal: Viewer, runner: RunnerDep, settings: SettingsDep
) -> StreamingResponse | AskResult:
    limits = run_limits(settings)
    live = await runner.start(RunRequest(principal.user_id, body.message, body.session_id, "rest", limits))
    if body.stream:
        return event_stream(live, 0, settings.sse_keepalive_s)
    final: StoredEvent | None = None
    async for record in follow(live, 0, settings.sse_keepalive_s):
        final = record or final
    return result(live.session_id, final)


def result(session_id: str, final: StoredEvent | None) -> AskResult:
    """The JSON result of a finished run; failures are errors, never a 200."""
    if final is not None and final.type == "run_cancelled":
        raise Conflict("The run was cancelled before it finished.", detail={"run_id": final.run_id})
    if final is None or final.type != "run_completed":  # failed, or ended without a final event
        payload = final.payload if final is not None and final.type == "run_failed" else {}
        detail = {"run_id": final.run_id if final else None, "session_id": session_id, **payload}
        raise UpstreamError(str(payload.get("error") or "The run ended without an answer."), detail=detail)
    p = final.payload
    return AskResult(
        run_id=final.run_id,
        session_id=session_id,
        status="completed",
        answer=p.get("answer", ""),
        sql=list(p.get("sql", [])),
        usage=p.get("usage", {}),
        last_event_id=final.id,
        result=p.get("result"),
        chart=p.get("chart"),
    )
