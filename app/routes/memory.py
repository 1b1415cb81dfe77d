"""`/v1/memory`: what Dash remembers about the caller (facts and preferences they stated).

Always scoped to the caller: there is no way to name another user, and another user's memory id is
a 404, exactly like a missing one. Any authenticated role may read and change their own memory.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.deps import EnginesDep, Viewer
from app.routes.models import documented_errors
from core.errors import NotFound
from db.knowledge.memory import MAX_FACT_CHARS, Memory, edit_memory, forget, get_memory, list_memory, remember

router = APIRouter(prefix="/v1/memory", tags=["memory"])
MemoryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NOT_FOUND = documented_errors(e404="No such memory of the caller.")


class MemoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    fact: str = Field(examples=["Wants amounts in EUR"])
    source: str = Field(description="tool (an agent saved it), command, slack or api.")
    created_by_agent: str | None
    created_by_run: str | None
    created_at: datetime
    updated_at: datetime
    use_count: int
    last_used_at: datetime | None


class MemoryIn(BaseModel):
    fact: str = Field(
        min_length=1,
        max_length=MAX_FACT_CHARS,
        pattern=r"\S",
        examples=["I work on EMEA enterprise accounts"],
    )


@router.get("", summary="List what Dash remembers about you, newest first")
async def list_all(principal: Viewer, engines: EnginesDep) -> list[MemoryOut]:
    found = await asyncio.to_thread(list_memory, engines.service, principal.user_id)
    return [MemoryOut.model_validate(m) for m in found]


@router.post("", status_code=201, summary="Tell Dash a fact or preference about you")
async def add(principal: Viewer, engines: EnginesDep, body: MemoryIn) -> MemoryOut:
    saved = await asyncio.to_thread(remember, engines.service, principal.user_id, body.fact, source="api")
    return MemoryOut.model_validate(saved)


@router.get("/{memory_id}", summary="Read one of your memories", responses=NOT_FOUND)
async def read(principal: Viewer, engines: EnginesDep, memory_id: MemoryId) -> MemoryOut:
    return _out(await asyncio.to_thread(get_memory, engines.service, principal.user_id, memory_id), memory_id)


@router.patch("/{memory_id}", summary="Reword one of your memories", responses=NOT_FOUND)
async def edit(principal: Viewer, engines: EnginesDep, memory_id: MemoryId, body: MemoryIn) -> MemoryOut:
    found = await asyncio.to_thread(edit_memory, engines.service, principal.user_id, memory_id, body.fact)
    return _out(found, memory_id)


@router.delete("/{memory_id}", status_code=204, summary="Forget one of your memories", responses=NOT_FOUND)
async def delete(principal: Viewer, engines: EnginesDep, memory_id: MemoryId) -> Response:
    if not await asyncio.to_thread(forget, engines.service, principal.user_id, memory_id):
        _out(None, memory_id)
    return Response(status_code=204)


def _out(found: Memory | None, memory_id: int) -> MemoryOut:
    if found is None:
        raise NotFound(f"Memory {memory_id} does not exist.", detail={"memory_id": memory_id})
    return MemoryOut.model_validate(found)
