"""`/v1/learnings`: what the agents learned, scoped to global plus the caller's own namespace.

Reading needs the analyst role; editing and deleting need admin. A learning outside the caller's
namespaces is a 404, exactly like a missing one; so is, for anyone but an admin, one that search
would not show them (another user's proposal, a rejected, archived or merged one).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.auth import Role
from app.deps import Admin, Analyst, EnginesDep
from app.routes.models import documented_errors
from core.errors import NotFound
from db.knowledge.learnings import Learning, delete_learning, edit_learning, get_learning, list_learnings
from db.knowledge.search import visible_namespaces

router = APIRouter(prefix="/v1/learnings", tags=["learnings"])
LearningId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NOT_FOUND = documented_errors(e404="No such learning visible to the caller.")


class LearningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str = Field(examples=["Revenue excludes refunds"])
    learning: str
    context: str
    tags: list[str]
    namespace: str = Field(examples=["global"])
    created_by_agent: str | None
    created_by_user: str | None
    created_by_run: str | None
    created_at: datetime
    updated_at: datetime
    use_count: int
    last_used_at: datetime | None
    status: str = Field(
        description="live, proposed, rejected, archived or merged (only live ones, and your own proposed ones, are searched)."
    )
    merged_into: int | None = Field(
        default=None, description="The learning this near-duplicate was merged into."
    )
    flag: str | None = Field(default=None, description="Why curation wants a person to look at it.")
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


class LearningEdit(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    learning: str | None = Field(default=None, min_length=1, max_length=10_000)
    context: str | None = Field(default=None, max_length=10_000)
    tags: list[Annotated[str, Field(max_length=100)]] | None = Field(default=None, max_length=50)


@router.get("", summary="List learnings (global and yours), newest first")
async def list_all(
    principal: Analyst,
    engines: EnginesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[LearningOut]:
    reviewer = principal.role >= Role.admin
    found = await asyncio.to_thread(
        lambda: list_learnings(
            engines.service, user_id=principal.user_id, limit=limit, offset=offset, reviewer=reviewer
        )
    )
    return [_out(x) for x in found]


@router.get("/{learning_id}", summary="Read one learning", responses=NOT_FOUND)
async def read(principal: Analyst, engines: EnginesDep, learning_id: LearningId) -> LearningOut:
    ns = visible_namespaces(principal.user_id)
    viewer = None if principal.role >= Role.admin else principal.user_id
    found = await asyncio.to_thread(
        lambda: get_learning(engines.service, learning_id, namespaces=ns, viewer=viewer)
    )
    return _out(_found(found, learning_id))


@router.patch("/{learning_id}", summary="Edit a learning (re-embeds its text)", responses=NOT_FOUND)
async def edit(
    request: Request, principal: Admin, engines: EnginesDep, learning_id: LearningId, body: LearningEdit
) -> LearningOut:
    ns = visible_namespaces(principal.user_id)
    embedder = request.app.state.deps.embedder
    changes = body.model_dump(exclude_none=True)
    found = await asyncio.to_thread(
        lambda: edit_learning(engines.service, embedder, learning_id, namespaces=ns, **changes)
    )
    return _out(_found(found, learning_id))


@router.delete("/{learning_id}", status_code=204, summary="Delete a learning", responses=NOT_FOUND)
async def delete(principal: Admin, engines: EnginesDep, learning_id: LearningId) -> Response:
    ns = visible_namespaces(principal.user_id)
    if not await asyncio.to_thread(delete_learning, engines.service, learning_id, namespaces=ns):
        raise NotFound(f"Learning {learning_id} does not exist.", detail={"learning_id": learning_id})
    return Response(status_code=204)


def _found(found: Learning | None, learning_id: int) -> Learning:
    if found is None:
        raise NotFound(f"Learning {learning_id} does not exist.", detail={"learning_id": learning_id})
    return found


def _out(learning: Learning) -> LearningOut:
    return LearningOut(**{**learning.__dict__, "tags": list(learning.tags)})
