"""Feedback on answers: `POST /v1/runs/{id}/feedback` (your own runs) and `GET /v1/feedback`
(the data team's list: analyst role and up).

A 👍 on an answer whose SQL ran proposes that SQL as a validated query; a 👎 with a comment becomes
a learning for you (agents/feedback.py). `reask: true` asks the same question again in the same
session, so the new answer already uses the learning.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from agents.feedback import Outcome, give_feedback
from agents.runner import Runner, RunRequest
from app.deps import Analyst, RunnerDep, SettingsDep, TeamDeps, Viewer
from app.limits import run_limits
from app.routes.models import documented_errors
from app.session_ids import reserved_by
from core.errors import InvalidInput
from db.store import RunNotFound
from db.store.feedback import Feedback, FeedbackFilter, Rating, list_feedback

router = APIRouter(tags=["feedback"])
NOT_FOUND = documented_errors(e404="No such run for this caller (someone else's looks the same).")
RATE_ERRORS = {
    **NOT_FOUND,
    **documented_errors(
        e409="The run has not finished yet.",
        e429="reask: you have too many runs in flight or asked too often (see Retry-After).",
    ),
}


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating = Field(description="`up` (👍) or `down` (👎).")
    comment: str = Field(
        default="",
        max_length=10_000,
        examples=["Revenue must exclude refunds."],
        description="What was wrong (with `down`, it becomes a learning for you).",
    )
    reask: StrictBool = Field(default=False, description="Ask the same question again in the same session.")


class LearningMade(BaseModel):
    id: int
    title: str
    learning: str
    namespace: str
    created_by_agent: str | None
    created_by_user: str | None
    created_by_run: str | None
    created_at: datetime


class FeedbackOut(BaseModel):
    id: int
    run_id: str
    session_id: str
    user_id: str
    rating: Rating
    comment: str
    source: str = Field(examples=["rest"], description="rest, slack, cli or mcp")
    question: str
    sql: list[str] = Field(description="The statements that ran successfully for the answer.")
    learning_id: int | None = Field(description="The learning made of this feedback, if any.")
    query_id: int | None = Field(description="The validated query saved from this 👍, if any.")
    proposal_id: int | None = Field(description="Its proposal, waiting for the data team (`/v1/proposals`).")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, feedback: Feedback) -> FeedbackOut:
        return cls(**{**feedback.__dict__, "sql": list(feedback.sql)})


class Reasked(BaseModel):
    run_id: str = Field(description="Follow it at `GET /v1/runs/{run_id}/events`.")
    session_id: str


class FeedbackResult(BaseModel):
    feedback: FeedbackOut
    learning: LearningMade | None = Field(
        default=None, description="The correction learned from your comment."
    )
    reask: Reasked | None = Field(default=None, description="The new run, when `reask` was asked for.")


@router.post(
    "/v1/runs/{run_id}/feedback",
    summary="Rate an answer of yours (👍/👎, optional comment); give it again to change it",
    responses=RATE_ERRORS,
)
async def rate_run(
    run_id: str,
    body: FeedbackIn,
    principal: Viewer,
    deps: TeamDeps,
    runner: RunnerDep,
    settings: SettingsDep,
) -> FeedbackResult:
    outcome = await give_feedback(deps, principal.user_id, run_id, body.rating, body.comment, "rest")
    if outcome is None:
        raise RunNotFound(run_id)
    reasked = await _reask(outcome, principal.user_id, runner, settings) if body.reask else None
    return FeedbackResult(feedback=FeedbackOut.of(outcome.feedback), learning=_made(outcome), reask=reasked)


@router.get("/v1/feedback", summary="Feedback on answers, newest first (the data team's review list)")
async def list_all(
    principal: Analyst,
    deps: TeamDeps,
    rating: Rating | None = None,
    user: Annotated[str | None, Query(max_length=200, description="Only this user's feedback")] = None,
    since: Annotated[datetime | None, Query(description="Only feedback given at or after this time")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[FeedbackOut]:
    where = FeedbackFilter(rating, user, since, limit, offset)
    found = await asyncio.to_thread(list_feedback, deps.store.engine, where)
    return [FeedbackOut.of(f) for f in found]


async def _reask(outcome: Outcome, user_id: str, runner: Runner, settings: SettingsDep) -> Reasked:
    session_id = outcome.feedback.session_id
    if (surface := reserved_by(session_id)) is not None:
        raise InvalidInput(
            f"The feedback is saved, but this answer belongs to {surface}: ask again there.",
            detail={"fields": [{"field": "body.reask", "message": f"the session belongs to {surface}"}]},
        )
    question = outcome.feedback.question
    live = await runner.start(RunRequest(user_id, question, session_id, "rest", run_limits(settings)))
    return Reasked(run_id=live.run_id, session_id=live.session_id)


def _made(outcome: Outcome) -> LearningMade | None:
    learning = outcome.learning
    return (
        None
        if learning is None
        else LearningMade(**{k: getattr(learning, k) for k in LearningMade.model_fields})
    )
