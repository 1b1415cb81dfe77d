"""`/v1/audit` (admin): every SQL statement an agent submitted, allowed or refused."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.deps import Admin, EnginesDep
from db.audit_log import AuditFilter, AuditRow, list_audit

router = APIRouter(prefix="/v1/audit", tags=["audit"])
MAX_ID = 2**63 - 1


class AuditOut(BaseModel):
    id: int
    created_at: datetime
    finished_at: datetime | None
    user_id: str | None = Field(description="The user the statement ran as.")
    acting_user: str | None = Field(
        description="Who made it run when not that user themselves: the admin behind a schedule."
    )
    agent: str = Field(examples=["analyst"])
    session_id: str | None
    run_id: str | None
    sql: str = Field(examples=["SELECT count(*) FROM orders"])
    decision: str = Field(examples=["allowed"])
    reason: str | None
    row_count: int | None
    duration_ms: float | None
    error: str | None


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for older rows; null: no more.")


@router.get("", summary="List audited SQL statements, newest first")
async def list_statements(
    _: Admin,
    engines: EnginesDep,
    user: Annotated[str | None, Query(max_length=200)] = None,
    acting_user: Annotated[str | None, Query(max_length=200)] = None,
    agent: Literal["analyst", "engineer"] | None = None,
    decision: Literal["allowed", "refused"] | None = None,
    since: datetime | None = None,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    where = AuditFilter(user, agent, decision, since, cursor, acting_user)
    rows = await asyncio.to_thread(list_audit, engines.service, where, limit + 1)
    items = [_out(r) for r in rows[:limit]]
    return AuditPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


def _out(row: AuditRow) -> AuditOut:
    return AuditOut(**row.__dict__)
