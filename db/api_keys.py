"""API keys: created once (the plain key is returned, only its SHA-256 is kept), looked up, revoked.

A key reads `dash_<id>_<secret>`. The id selects the row; the SHA-256 of the whole key is then
compared in constant time, so a guessed id tells an attacker nothing. 32 random bytes of secret
make a plain hash (no salt, no slow KDF) sufficient: there is nothing to brute-force.

A revocation is announced on the `dash_api_key_revoked` channel (NOTIFY, sent when it commits),
so every Dash process that remembers verified keys (app/key_cache.py) forgets that one at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

PREFIX = "dash_"
COLUMNS = "id, user_id, role, created_at, revoked_at, last_used_at"
REVOKED_CHANNEL = "dash_api_key_revoked"


@dataclass(frozen=True)
class ApiKey:
    id: str
    user_id: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, user_id: str, role: str) -> tuple[ApiKey, str]:
    """Store a new key for `user_id` with `role`; returns the record and the plain key (shown once)."""
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    params = {"id": key_id, "sha": digest(key), "user": user_id, "role": role}
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "INSERT INTO ai.api_keys (id, key_sha256, user_id, role) VALUES (:id, :sha, :user, :role)"
                f" RETURNING {COLUMNS}"
            ),
            params,
        ).one()
    return ApiKey(**row._mapping), key


def find_key(engine: Engine, key: str) -> ApiKey | None:
    """The active key matching `key` exactly, or None (unknown, malformed, wrong secret, revoked)."""
    key_id = key_id_of(key)
    if key_id is None:
        return None
    with engine.begin() as conn:
        row = conn.execute(
            text(f"SELECT key_sha256, {COLUMNS} FROM ai.api_keys WHERE id = :id AND revoked_at IS NULL"),
            {"id": key_id},
        ).first()
        if row is None or not hmac.compare_digest(row.key_sha256, digest(key)):
            return None
        conn.execute(text("UPDATE ai.api_keys SET last_used_at = now() WHERE id = :id"), {"id": key_id})
    values = dict(row._mapping)
    values.pop("key_sha256")
    return ApiKey(**values)


def key_id_of(key: str) -> str | None:
    """The id part of a `dash_<id>_<secret>` key, or None when the key is not of that form."""
    if not key.startswith(PREFIX):
        return None
    key_id, sep, secret = key[len(PREFIX) :].partition("_")
    return key_id if sep and key_id and secret else None


def revoke_key(engine: Engine, key_id: str) -> bool:
    """Revoke a key by id (or by the full key); False when no active key has that id."""
    key_id = key_id_of(key_id) or key_id
    with engine.begin() as conn:
        result = conn.execute(
            text("UPDATE ai.api_keys SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
            {"id": key_id},
        )
        conn.execute(text("SELECT pg_notify(:channel, :id)"), {"channel": REVOKED_CHANNEL, "id": key_id})
    return bool(result.rowcount)


def list_keys(engine: Engine) -> list[ApiKey]:
    """Every key ever created, newest first (revoked ones included, with `revoked_at`)."""
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {COLUMNS} FROM ai.api_keys ORDER BY created_at DESC, id"))
        return [ApiKey(**row._mapping) for row in rows]


def any_keys(engine: Engine) -> bool:
    """True once any key was ever created: from then on every request must authenticate."""
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM ai.api_keys)")).scalar())
