"""`POST /v1/ask`: put a question to the team; stream its events (SSE) or wait for one JSON result.

The run is driven by the `RunHub`, not by this request: if the client goes away the run still
finishes and is stored, and `GET /v1/runs/{id}/events` replays and follows it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from agents.team import ask
from app.deps import HubDep, SettingsDep, TeamDeps, Viewer
from app.errors import Conflict, UpstreamError
from app.live import follow
from app.routes.models import Responses, documented_errors
from app.sse import SSE_RESPONSE, event_stream
from db.store import EventRecord

router = APIRouter(prefix="/v1", tags=["ask"])


class AskRequest(BaseModel):
    message: str = Field(min_length=1, max_length=20_000, examples=["What was revenue last month?"])
    session_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Continue this session of yours; omit to start a new one.",
    )
    stream: bool = Field(default=True, description="true: text/event-stream; false: one JSON result.")


class AskResult(BaseModel):
    run_id: str
    session_id: str
    status: str = Field(examples=["completed"])
    answer: str = Field(examples=["Revenue in October was $1.24M, up 3.1% on September."])
    sql: list[str] = Field(examples=[["SELECT sum(amount) FROM orders WHERE …"]])
    usage: dict[str, Any] = Field(examples=[{"prompt_tokens": 700, "completion_tokens": 112}])
    last_event_id: int = Field(description="Id of the final event (for `GET /v1/runs/{id}/events`).")


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
    body: AskRequest, principal: Viewer, deps: TeamDeps, hub: HubDep, settings: SettingsDep
) -> StreamingResponse | AskResult:
    started = await hub.start(principal.user_id, ask(deps, principal.user_id, body.message, body.session_id))
    source = hub.source(principal.user_id, started.run_id)
    if body.stream:
        return event_stream(source, 0, settings.sse_keepalive_s)
    final: EventRecord | None = None
    async for record in follow(source, 0, settings.sse_keepalive_s):
        final = record or final
    return result(started.session_id, final)


def result(session_id: str, final: EventRecord | None) -> AskResult:
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
    )
