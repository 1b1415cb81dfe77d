"""The HTTP client the model calls go through: a few connection pools, used in turn.

httpcore looks at every connection of a pool each time it assigns a request and each time a
response is closed, and asks the socket of every idle one whether the server has closed it. With a
few hundred runs in flight, one pool of a few hundred connections then costs more CPU than the
streams it carries (a fifth of Dash's CPU at 200 questions at once). Requests go to `POOLS` pools
in turn, so each of those checks sees a few dozen connections.

Behind an HTTP proxy (HTTP(S)_PROXY / ALL_PROXY in the environment) the SDK's client is used as it
is, with one pool, so the proxy settings keep applying exactly as the SDK documents them.
"""

from __future__ import annotations

import itertools
import urllib.request

import httpx2
import openai

POOLS = 8
# One process's runs share the client: keep a connection alive for each run in flight (the SDK's
# default keeps 100, so at a few hundred runs every model call would connect again).
CONNECTIONS = httpx2.Limits(max_connections=1000, max_keepalive_connections=1000)


class PoolsInTurn(httpx2.AsyncBaseTransport):
    """`pools` independent connection pools; each request, with its response, lives in one of them."""

    def __init__(self, pools: int, limits: httpx2.Limits) -> None:
        share = httpx2.Limits(
            max_connections=-(-(limits.max_connections or 1000) // pools),
            max_keepalive_connections=-(-(limits.max_keepalive_connections or 1000) // pools),
            keepalive_expiry=limits.keepalive_expiry,
        )
        self.pools = [httpx2.AsyncHTTPTransport(limits=share) for _ in range(pools)]
        self._turn = itertools.cycle(self.pools)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await next(self._turn).handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()


def proxied() -> bool:
    """Does the environment route HTTP through a proxy (the variables httpx reads)?"""
    return any(scheme in ("http", "https", "all") for scheme in urllib.request.getproxies())


def model_http_client() -> httpx2.AsyncClient:
    if proxied():
        return openai.DefaultAsyncHttpxClient(limits=CONNECTIONS)
    return openai.DefaultAsyncHttpxClient(transport=PoolsInTurn(POOLS, CONNECTIONS))
