"""Our client for an OpenAI-compatible server: JSON posts and event streams over a keep-alive pool.

The shared client is built once per process (the app's lifespan) and each event loop gets its own
pool, since a connection belongs to the loop that opened it. Proxies come from the environment
(HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY), as httpx read them: an `http://` origin is asked
for in absolute form, an `https://` one through a CONNECT tunnel. Only `http://` proxies are
supported (TLS to the proxy itself is not).
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import urllib.parse
import urllib.request
import weakref
from collections.abc import AsyncGenerator
from typing import Any

from agents.model_errors import ModelConnectionError, ModelHTTPError, ModelStatusError, ModelTimeout
from agents.model_http import Connection, Pool, Route
from agents.model_stream import EventDecoder

CHAT_PATH = "/chat/completions"
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # one, not one per call


class ModelClient:
    """One server's client; `tls` replaces the default verification (e.g. a private CA)."""

    def __init__(
        self, base_url: str, *, api_key: str, timeout_s: float, tls: ssl.SSLContext | None = None
    ) -> None:
        url = urllib.parse.urlsplit(base_url)
        self.base_url, self.timeout_s = base_url, timeout_s
        self.invalid, self.route, absolute = _checked_route(url, tls)
        self._target, self._head = _request_head(url, api_key, self.route, absolute)
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pool] = weakref.WeakKeyDictionary()

    async def stream(self, path: str, body: dict[str, Any]) -> AsyncGenerator[Any, None]:
        """POST `body` and yield the JSON of each server-sent event until `[DONE]`.

        Close it (`aclose`) when done: a response not read to its end closes its connection.
        """
        pool, conn = await self._open(path, body)
        decoder = EventDecoder()
        try:
            while not decoder.done and (data := await conn.read()):
                for event in decoder.feed(data):
                    yield event
            while await conn.read():  # the body's end after [DONE], so the connection is reusable
                pass
        finally:
            pool.release(conn)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST `body` and return the JSON the server answered."""
        pool, conn = await self._open(path, body)
        try:
            data = await _read_all(conn)
        finally:
            pool.release(conn)
        try:
            return json.loads(data)
        except ValueError:
            raise ModelHTTPError(f"the model server's answer is not JSON: {data[:80]!r}") from None

    async def close(self) -> None:
        """Close the idle connections of every loop's pool (each on its own loop's thread)."""
        current = asyncio.get_running_loop()
        for loop, pool in list(self._pools.items()):
            if loop is current:
                pool.close()
            elif not loop.is_closed():  # a closed loop's connections died with it
                loop.call_soon_threadsafe(pool.close)
        self._pools.clear()

    def pool(self) -> Pool:
        """The running event loop's pool."""
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = Pool(self.route, self.timeout_s)
        return pool

    async def _open(self, path: str, body: dict[str, Any]) -> tuple[Pool, Connection]:
        """Send the request and wait for the response's headers; an error status raises."""
        if self.invalid:
            raise ModelConnectionError(self.invalid)
        pool = self.pool()
        conn = await _sent(pool, self._request(path, body))
        if conn.status >= 400:
            try:
                error = ModelStatusError(conn.status, conn.headers, await _read_all(conn))
            finally:
                pool.release(conn)
            raise error
        return pool, conn

    def _request(self, path: str, body: dict[str, Any]) -> bytes:
        payload = _encode(body).encode()
        start = f"POST {self._target}{path} HTTP/1.1\r\n".encode()
        return b"%s%sContent-Length: %d\r\n\r\n%s" % (start, self._head, len(payload), payload)


async def _sent(pool: Pool, request: bytes) -> Connection:
    """A connection that sent `request` and has the response's headers."""
    conn = await pool.acquire()
    try:
        await _send_or_close(conn, request)
    except ModelTimeout:
        raise
    except ModelConnectionError:
        if not conn.reused or conn.got_bytes:
            raise
        # The server closed a kept-alive connection as we reused it: once more, on a new one.
        conn = await pool.acquire(fresh=True)
        await _send_or_close(conn, request)
    return conn


async def _send_or_close(conn: Connection, request: bytes) -> None:
    try:
        await conn.send(request)
    except BaseException:
        conn.close()
        raise


async def _read_all(conn: Connection) -> bytes:
    parts = []
    while data := await conn.read():
        parts.append(data)
    return b"".join(parts)


def _checked_route(url: urllib.parse.SplitResult, tls: ssl.SSLContext | None) -> tuple[str, Route, bool]:
    """(what is wrong with the URL or proxy, or "", the route, absolute form?).

    A URL or proxy we cannot use fails each call (naming it), not the process's start.
    """
    if url.scheme not in ("http", "https") or not url.hostname:
        return f"not an http(s) URL: {url.geturl()!r}", Route("", 0), False
    try:
        return "", *route_for(url, tls)
    except ValueError as exc:
        return str(exc), Route("", 0), False


def _request_head(
    url: urllib.parse.SplitResult, api_key: str, route: Route, absolute: bool
) -> tuple[str, bytes]:
    """The request target's prefix and the headers every request sends (the same each time)."""
    authority = url.netloc.rsplit("@", 1)[-1]
    target = (f"{url.scheme}://{authority}" if absolute else "") + url.path.rstrip("/")
    head = (
        f"Host: {authority}\r\nAuthorization: Bearer {api_key.strip()}\r\n"
        f"{route.proxy_auth if absolute else ''}"
        "Content-Type: application/json\r\nAccept: application/json\r\nUser-Agent: dash\r\n"
    )
    return target, head.encode()


def route_for(url: urllib.parse.SplitResult, tls: ssl.SSLContext | None = None) -> tuple[Route, bool]:
    """The route to the server at `url`, and whether requests go in absolute form (an HTTP proxy)."""
    host, secure = url.hostname or "", url.scheme == "https"
    port = url.port or (443 if secure else 80)
    tls = (tls or tls_context()) if secure else None
    proxy = _proxy_for(url.scheme, host)
    if proxy is None:
        return Route(host, port, tls, host if secure else None), False
    parsed = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parsed.scheme != "http" or not parsed.hostname:
        raise ValueError(f"only http:// proxies are supported for the model server, got {proxy!r}")
    auth = _proxy_auth(parsed)
    via = (parsed.hostname, parsed.port or 80)
    if secure:
        return Route(*via, tls, host, tunnel=f"{host}:{port}", proxy_auth=auth), False
    return Route(*via, proxy_auth=auth), True


def _proxy_for(scheme: str, host: str) -> str | None:
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy


def _proxy_auth(proxy: urllib.parse.SplitResult) -> str:
    if proxy.username is None:
        return ""
    user = urllib.parse.unquote(proxy.username) + ":" + urllib.parse.unquote(proxy.password or "")
    return f"Proxy-Authorization: Basic {base64.b64encode(user.encode()).decode()}\r\n"


def tls_context() -> ssl.SSLContext:
    """The system's defaults, with certifi's roots when installed (as httpx verified)."""
    try:
        import certifi
    except ImportError:
        context = ssl.create_default_context()
    else:
        context = ssl.create_default_context(cafile=certifi.where())
    context.set_alpn_protocols(["http/1.1"])
    return context
