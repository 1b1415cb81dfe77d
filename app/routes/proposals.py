"""`/v1/proposals`: knowledge the agents proposed for everyone, waiting for an admin (PROPOSE mode).

Admins list, edit, approve (the item goes live for everyone) or reject (kept as a trace, searched by
no one) each proposal. Until then only the user whose run proposed it finds it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from app.deps import Admin, EnginesDep
from app.routes.models import documented_errors
from core.errors import NotFound
from db.knowledge.proposals import Proposal, decide, edit_proposal, get_proposal, list_proposals

router = APIRouter(prefix="/v1/proposals", tags=["proposals"])
ProposalId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NOT_FOUND = documented_errors(e404="No such proposal.")


class ProposalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    item_kind: Literal["learning", "query"]
    item_id: int
    status: Literal["proposed", "approved", "rejected"]
    title: str = Field(examples=["Refunds are negative amounts"])
    body: str = Field(description="The learning's text, or the query's description.")
    sql: str = Field(description="The query's SQL ('' for a learning).")
    created_by_agent: str | None
    created_by_user: str | None
    created_by_run: str | None
    created_at: datetime
    use_count: int
    reviewed_by: str | None
    reviewed_at: datetime | None
    note: str


class Decision(BaseModel):
    note: str = Field(default="", max_length=2_000, description="Why (kept with the decision).")


class ProposalEdit(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    learning: str | None = Field(default=None, min_length=1, max_length=10_000)
    context: str | None = Field(default=None, max_length=10_000)
    description: str | None = Field(default=None, min_length=1, max_length=2_000)
    sql: str | None = Field(default=None, min_length=1, max_length=100_000)


@router.get("", summary="List proposals (pending by default), newest first")
async def list_all(
    principal: Admin,
    engines: EnginesDep,
    status: Annotated[Literal["proposed", "approved", "rejected", "all"], Query()] = "proposed",
    kind: Annotated[Literal["learning", "query"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ProposalOut]:
    wanted = None if status == "all" else status
    found = await asyncio.to_thread(list_proposals, engines.service, status=wanted, kind=kind, limit=limit)
    return [ProposalOut.model_validate(p) for p in found]


@router.get("/{proposal_id}", summary="Read one proposal", responses=NOT_FOUND)
async def read(principal: Admin, engines: EnginesDep, proposal_id: ProposalId) -> ProposalOut:
    return _out(await asyncio.to_thread(get_proposal, engines.service, proposal_id), proposal_id)


@router.post("/{proposal_id}/approve", summary="Approve: live for everyone", responses=NOT_FOUND)
async def approve(
    principal: Admin, engines: EnginesDep, proposal_id: ProposalId, body: Decision | None = None
) -> ProposalOut:
    note = body.note if body else ""
    found = await asyncio.to_thread(
        decide, engines.service, proposal_id, "approve", reviewer=principal.user_id, note=note
    )
    return _out(found, proposal_id)


@router.post(
    "/{proposal_id}/reject", summary="Reject: kept as a trace, searched by no one", responses=NOT_FOUND
)
async def reject(
    principal: Admin, engines: EnginesDep, proposal_id: ProposalId, body: Decision | None = None
) -> ProposalOut:
    note = body.note if body else ""
    found = await asyncio.to_thread(
        decide, engines.service, proposal_id, "reject", reviewer=principal.user_id, note=note
    )
    return _out(found, proposal_id)


@router.patch("/{proposal_id}", summary="Edit the proposed item before deciding", responses=NOT_FOUND)
async def edit(
    request: Request, principal: Admin, engines: EnginesDep, proposal_id: ProposalId, body: ProposalEdit
) -> ProposalOut:
    embedder = request.app.state.deps.embedder
    changes = body.model_dump(exclude_none=True)
    found = await asyncio.to_thread(edit_proposal, engines.service, embedder, proposal_id, changes)
    return _out(found, proposal_id)


def _out(found: Proposal | None, proposal_id: int) -> ProposalOut:
    if found is None:
        raise NotFound(f"Proposal {proposal_id} does not exist.", detail={"proposal_id": proposal_id})
    return ProposalOut.model_validate(found)
