"""Auth over real HTTP: API keys, JWTs (HS256, ES256), roles per route, and the loopback rule."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.auth import AuthNotConfigured
from app.main import create_app
from db.api_keys import revoke_key
from db.engines import DatabaseTarget
from tests.app.api_fixtures import JWT_SECRET, Api, token
from tests.conftest import test_settings

# (method, path, least role that may call it). Allowed calls may still be 404/422; never 401/403.
ROUTES = [
    ("POST", "/v1/ask", "viewer"),
    ("GET", "/v1/sessions", "viewer"),
    ("GET", "/v1/sessions/nope", "viewer"),
    ("DELETE", "/v1/sessions/nope", "viewer"),
    ("GET", "/v1/runs/nope", "viewer"),
    ("POST", "/v1/runs/nope/cancel", "viewer"),
    ("GET", "/v1/runs/nope/events", "viewer"),
    ("GET", "/v1/knowledge/search?q=revenue", "analyst"),
    ("POST", "/v1/knowledge/validate", "analyst"),
    ("GET", "/v1/learnings", "analyst"),
    ("GET", "/v1/learnings/1", "analyst"),
    ("PATCH", "/v1/learnings/1", "admin"),
    ("DELETE", "/v1/learnings/1", "admin"),
    ("POST", "/v1/knowledge/reload", "admin"),
    ("GET", "/v1/audit", "admin"),
]
RANK = {"viewer": 1, "analyst": 2, "admin": 3}


def test_each_role_gets_exactly_its_routes(api: Api) -> None:
    keys = {role: api.key(f"user-{role}", role) for role in RANK}
    for method, path, least in ROUTES:
        for role, key in keys.items():
            with api.client(key) as http:
                # An empty JSON body: allowed calls fail validation or lookup, but not auth.
                status = http.request(method, path, json={"message": ""}).status_code
            allowed = RANK[role] >= RANK[least]
            assert (status != 403) == allowed, f"{role} {method} {path} -> {status}"
            assert status != 401, f"{role} {method} {path} -> 401"


def test_without_any_auth_configured_requests_act_as_the_local_admin(api: Api) -> None:
    with api.client() as http:
        assert http.get("/v1/audit").status_code == 200
        assert http.get("/v1/sessions").status_code == 200


def test_once_a_key_exists_every_v1_request_needs_a_bearer(api: Api) -> None:
    api.key("alice")
    with api.client() as http:
        response = http.get("/v1/sessions")
        assert http.get("/health").status_code == 200
        assert http.get("/ready").status_code == 200
        assert http.get("/openapi.json").status_code == 200
        assert http.get("/docs").status_code == 200
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_revoked_key_stops_working_within_a_second_though_just_used(api: Api) -> None:
    # Verified keys are remembered; the revocation (from another process: the test's own engine)
    # is announced through PostgreSQL, so it still counts at once.
    key = api.key("alice")
    with api.client(key) as http:
        assert [http.get("/v1/sessions").status_code for _ in range(3)] == [200, 200, 200]
        assert revoke_key(api.engine, key)
        deadline = time.monotonic() + 1.0
        while (status := http.get("/v1/sessions").status_code) == 200 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert status == 401


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: token(exp=int(time.time()) - 3600), id="expired"),
        pytest.param(lambda: token(nbf=int(time.time()) + 3600), id="not-yet-valid"),
        pytest.param(lambda: token(secret="another-secret-of-sufficient-length!!"), id="wrong-signature"),
        pytest.param(lambda: "not.a.jwt", id="malformed"),
        pytest.param(lambda: "dash_abc_wrongsecret", id="unknown-key"),
        pytest.param(lambda: jwt.encode({"sub": "a", "exp": time.time() + 60}, "", "none"), id="alg-none"),
        pytest.param(lambda: token(sub=""), id="empty-sub"),
    ],
)
def test_bad_tokens_get_401(start_api: Callable[..., Api], bad: Callable[[], str]) -> None:
    api = start_api(jwt_secret=JWT_SECRET)
    with api.client(bad()) as http:
        response = http.get("/v1/sessions")
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_jwt_sub_is_the_user_and_roles_come_from_the_configured_claim(start_api: Callable[..., Api]) -> None:
    api = start_api(jwt_secret=JWT_SECRET, jwt_roles_claim="dash_roles")
    admin = token("root", roles=(), dash_roles=["viewer", "admin"])
    viewer = token("bob", roles=("admin",))  # `roles` is not the configured claim: viewer
    with api.client(admin) as a, api.client(viewer) as v:
        assert a.get("/v1/audit").status_code == 200
        assert v.get("/v1/audit").status_code == 403
        assert v.get("/v1/sessions").status_code == 200


def test_es256_public_key(start_api: Callable[..., Api]) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    api = start_api(jwt_public_key=public.decode(), jwt_algorithm="ES256")
    good = jwt.encode({"sub": "carol", "exp": time.time() + 60, "roles": "analyst"}, private, "ES256")
    hs = _hs256_forgery({"sub": "carol", "exp": time.time() + 60, "roles": "admin"}, public)
    with api.client(good) as ok, api.client(hs) as forged:
        assert ok.get("/v1/learnings").status_code == 200
        assert forged.get("/v1/sessions").status_code == 401


def _hs256_forgery(claims: dict[str, object], key: bytes) -> str:
    """The algorithm-confusion attack: an HS256 token keyed with the server's public key."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def test_no_auth_on_a_non_loopback_host_refuses_to_start(db: DatabaseTarget, pg_home: Path) -> None:
    app = create_app(test_settings(pg_home, host="0.0.0.0"), db)

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(AuthNotConfigured, match="0.0.0.0.*dash keys create"):
        asyncio.run(start())


def test_a_non_loopback_host_starts_once_auth_is_configured(db: DatabaseTarget, pg_home: Path) -> None:
    app = create_app(test_settings(pg_home, host="0.0.0.0", jwt_secret=JWT_SECRET), db)

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(start())
