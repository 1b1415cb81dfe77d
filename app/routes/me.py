"""`GET /v1/me`: who the bearer token is and what its role may do (the console shows pages by it).

Without credentials this answers 200 with `signed_in: false` and whether sign-in is required,
instead of 401, so a client can learn that it must ask for a key without a failed request.
A token that is sent must be valid: a bad one is a 401 like everywhere else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.auth import Authenticator, Role

router = APIRouter(prefix="/v1", tags=["me"])


class Me(BaseModel):
    signed_in: bool
    auth_required: bool = Field(description="false: development mode on loopback, no sign-in needed.")
    user_id: str | None = Field(default=None, examples=["alice"])
    role: str | None = Field(default=None, examples=["analyst"], description="viewer, analyst or admin")
    via: str | None = Field(default=None, examples=["api_key"], description="api_key, jwt or development")


@router.get("/me", summary="The caller: user id and role (signed_in false when no token was sent)")
async def who_am_i(request: Request) -> Me:
    authenticator: Authenticator = request.app.state.authenticator
    header = request.headers.get("authorization")
    required = await authenticator.required()
    if required and not header:
        return Me(signed_in=False, auth_required=True)
    principal = await authenticator.principal(header)
    return Me(
        signed_in=True,
        auth_required=required,
        user_id=principal.user_id,
        role=Role(principal.role).name,
        via=principal.via,
    )
