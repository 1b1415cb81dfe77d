"""Who is calling: API keys (stored hashed) and JWTs (HS256 secret or RS256/ES256 public key).

Auth is on as soon as a JWT key is configured or any API key was ever created; then every
request outside /health, /ready and the docs needs `Authorization: Bearer <key or jwt>`. With
no auth configured Dash acts for a local development user with the admin role, and refuses to
listen anywhere but on loopback (`check_listen`).
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import jwt
from sqlalchemy import Engine

from app.key_cache import KeyCache
from app.single_flight import SingleFlight
from core.errors import Unauthorized
from core.settings import Settings
from db.api_keys import REVOKED_CHANNEL, ApiKey, any_keys, digest, find_key
from db.notifications import Listener

DEV_USER = "local"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class Role(IntEnum):
    """Each role can do everything the ones below it can."""

    viewer = 1
    analyst = 2
    admin = 3


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    via: str  # "api_key", "jwt" or "development"


class AuthNotConfigured(RuntimeError):
    """Refusing to listen on a non-loopback interface without any authentication."""


class BadToken(Unauthorized):
    def __init__(self, message: str) -> None:
        super().__init__(message)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def jwt_configured(settings: Settings) -> bool:
    return bool(settings.jwt_secret or settings.jwt_public_key)


def check_listen(settings: Settings, host: str, engine: Engine) -> None:
    """Raise AuthNotConfigured when `host` is reachable from outside and nothing authenticates."""
    if is_loopback(host) or jwt_configured(settings) or any_keys(engine):
        return
    raise AuthNotConfigured(
        f"Refusing to listen on {host}: no authentication is configured, so anyone who can reach "
        "this address could use Dash as an admin. Create an API key (`dash keys create --user U "
        "--role admin`), or set JWT_SECRET / JWT_PUBLIC_KEY, or listen on 127.0.0.1 (HOST)."
    )


def role_from_claim(value: Any) -> Role:
    """The highest known role named by the claim (a string or a list); viewer when none is known."""
    names = [value] if isinstance(value, str) else list(value or []) if isinstance(value, list) else []
    known = [Role[name] for name in names if isinstance(name, str) and name in Role.__members__]
    return max(known, default=Role.viewer)


class JwtVerifier:
    """Checks signature (one pinned algorithm), exp, nbf and optionally aud; `sub` is the user."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.jwt_secret if settings.jwt_algorithm == "HS256" else settings.jwt_public_key
        if secret is None:
            needed = "JWT_SECRET" if settings.jwt_algorithm == "HS256" else "JWT_PUBLIC_KEY"
            raise ValueError(f"JWT_ALGORITHM={settings.jwt_algorithm} needs {needed} to be set.")
        self.key, self.algorithm = secret.get_secret_value(), settings.jwt_algorithm
        self.audience, self.roles_claim = settings.jwt_audience, settings.jwt_roles_claim

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                audience=self.audience,
                options={"require": ["sub", "exp"], "verify_aud": self.audience is not None},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise BadToken(f"The bearer token is not valid: {exc}.") from exc
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise BadToken("The bearer token has no `sub` (user) claim.")
        return Principal(claims["sub"], role_from_claim(claims.get(self.roles_claim)), "jwt")


class Authenticator:
    """Turns an Authorization header into a Principal (or raises Unauthorized). API keys verified
    in the database are remembered (app/key_cache.py) while a listener hears revocations
    (`hear`): a revoked key still stops at once."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.engine = engine
        self.jwt = JwtVerifier(settings) if jwt_configured(settings) else None
        self._required = self.jwt is not None
        self.keys = KeyCache()
        self._asking: SingleFlight[bool] = SingleFlight()
        self._verifying: SingleFlight[ApiKey | None] = SingleFlight()

    def hear(self, listener: Listener) -> None:
        """Remember verified keys only while `listener` hears revocations; forget one when it does."""
        listener.on(REVOKED_CHANNEL, self.keys.revoked)
        listener.on_state(self.keys.listening)

    async def required(self) -> bool:
        # Keys are never deleted, so once auth is on it stays on: no need to ask again.
        if not self._required:
            self._required = await self._asking.run("", lambda: asyncio.to_thread(any_keys, self.engine))
        return self._required

    async def principal(self, authorization: str | None) -> Principal:
        if not await self.required():
            return Principal(DEV_USER, Role.admin, "development")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authentication required: send `Authorization: Bearer <API key or JWT>`.")
        return await self.from_token(token.strip())

    async def from_token(self, token: str) -> Principal:
        if token.startswith("dash_"):
            key = await self._api_key(token)
            if key is None:
                raise BadToken("The API key is not valid or has been revoked.")
            return Principal(key.user_id, Role[key.role], "api_key")
        if self.jwt is None:
            raise BadToken("The bearer token is not a Dash API key, and JWT auth is not configured.")
        return self.jwt.verify(token)

    async def _api_key(self, token: str) -> ApiKey | None:
        sha = digest(token)
        if (known := self.keys.get(sha)) is not None:
            return known
        return await self._verifying.run(sha, lambda: self._verify(sha, token))

    async def _verify(self, sha: str, token: str) -> ApiKey | None:
        generation = self.keys.generation
        key = await asyncio.to_thread(find_key, self.engine, token)
        if key is not None:
            self.keys.remember(sha, key, generation)
        return key
