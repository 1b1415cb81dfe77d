"""HTTP/1.1 to the model server over asyncio: one protocol object per connection, kept alive and
reused last-in first-out.

Why not httpx: at a few hundred runs in flight, the SDK and its HTTP stack (request options,
httpcore's probe of every idle socket on each request, anyio, h11) cost Dash about a third of its
CPU. A model call here is one write and, per arriving packet, one C-parser feed (httptools); the
between-bytes timeout is one timer per request, moved only when it fires.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from dataclasses import dataclass

import httptools

from agents.model_errors import ModelConnectionError, ModelHTTPError, ModelTimeout

# httpx's default: an idle connection older than this is closed rather than reused (servers close
# theirs after a few seconds; a reuse that races such a close is retried once on a new connection).
KEEPALIVE_S = 5.0
MAX_IDLE = 1000  # one process's runs share the pool: one connection per run in flight


@dataclass(frozen=True)
class Route:
    """Where a connection goes: the host to dial, TLS for the model server, and for an HTTPS
    origin behind a proxy the `host:port` to tunnel to (CONNECT)."""

    host: str
    port: int
    tls: ssl.SSLContext | None = None
    server_hostname: str | None = None
    tunnel: str | None = None
    proxy_auth: str = ""  # a `Proxy-Authorization: ...\r\n` line, or nothing


class Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time.

    The asyncio and httptools callbacks only record what arrived and wake the reader; the reader
    (`send`, `read`) raises what went wrong.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout_s: float) -> None:
        self.loop, self.timeout_s = loop, timeout_s
        self.transport: asyncio.Transport | None = None
        self.alive = True  # False once the peer closed, or we did
        self.reused = False
        self.idle_since = 0.0
        self._parser: httptools.HttpResponseParser | None = None  # None while tunnelling
        self._timer: asyncio.TimerHandle | None = None
        self._begin()

    def _begin(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.headers_done = self.complete = self.got_bytes = self.keep_alive = False
        self._body: list[bytes] = []
        self._error: ModelHTTPError | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._last = self.loop.time()

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.complete:  # bytes nobody asked for (e.g. a 408 before an idle close): never reuse
            self.alive = False
            return
        self._last, self.got_bytes = self.loop.time(), True
        if self._parser is None:
            self._body.append(data)
        else:
            try:
                self._parser.feed_data(data)
            except httptools.HttpParserError as exc:
                self._fail(ModelConnectionError(f"malformed HTTP response ({exc})"))
                self.close()
        self._wake()

    def eof_received(self) -> bool:
        self.alive = False
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        self._stop_timer()
        if not self.complete:
            if self.headers_done and _ends_at_close(self.headers):
                self.complete = True
            else:
                self._fail(ModelConnectionError(_lost(exc, self.got_bytes)))
        self._wake()

    # -- httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        self.status, self.headers_done = self._parser.get_status_code(), True
        self.keep_alive = self._parser.should_keep_alive()  # the parser forgets it once the body ends

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True
        self._stop_timer()

    # -- the reader's side

    async def send(self, request: bytes) -> None:
        """Write one request and wait for its status line and headers."""
        assert self.transport is not None
        self._begin()
        self._parser = httptools.HttpResponseParser(self)
        self._timer = self.loop.call_at(self._last + self.timeout_s, self._on_timer)
        self.transport.write(request)
        while not self.headers_done:
            await self._wait()

    async def read(self) -> bytes:
        """The body bytes that arrived since the last read; b"" once the response is whole."""
        while not self._body:
            if self.complete:
                return b""
            await self._wait()
        data = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        self._body = []
        return data

    async def tunnel(self, authority: str, proxy_auth: str) -> None:
        """Ask the proxy for a tunnel (CONNECT) and wait for its 2xx; TLS starts after this."""
        assert self.transport is not None
        self.transport.write(
            f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{proxy_auth}\r\n".encode()
        )
        while b"\r\n\r\n" not in (head := b"".join(self._body)):
            await self._wait()
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if not status_line.split(" ")[1:2] or not status_line.split(" ")[1].startswith("2"):
            raise ModelConnectionError(f"the proxy refused the tunnel ({status_line})")
        self._body = []

    def reusable(self) -> bool:
        return (
            self.alive
            and self.complete
            and self.keep_alive
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def close(self) -> None:
        """Drop the connection now (abort: a half-read response must not linger in any buffer)."""
        self.alive = False
        self._stop_timer()
        if self.transport is not None:
            self.transport.abort()

    async def _wait(self) -> None:
        if self._error is None:
            self._waiter = self.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self._error is not None:
            raise self._error

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: ModelHTTPError) -> None:
        self._error = self._error or error
        self._wake()

    def _on_timer(self) -> None:
        # One timer per request, moved on only when it fires: cheaper than re-arming per packet.
        self._timer = None
        if self.complete or self._error is not None:
            return
        due = self._last + self.timeout_s
        if self.loop.time() < due:
            self._timer = self.loop.call_at(due, self._on_timer)
            return
        self._fail(ModelTimeout())
        self.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Pool:
    """The idle connections of one route on one event loop, reused newest first.

    Taking one looks at it alone (closed by the peer, or idle too long: drop it, take the next);
    the oldest idle ones are closed as new ones come back, so nothing scans the whole pool.
    """

    def __init__(self, route: Route, timeout_s: float) -> None:
        self.route, self.timeout_s = route, timeout_s
        self._idle: collections.deque[Connection] = collections.deque()

    async def acquire(self, *, fresh: bool = False) -> Connection:
        now = asyncio.get_running_loop().time()
        while self._idle and not fresh:
            conn = self._idle.pop()
            if conn.alive and now - conn.idle_since < KEEPALIVE_S:
                conn.reused = True
                return conn
            conn.close()
        return await connect(self.route, self.timeout_s)

    def release(self, conn: Connection) -> None:
        """Keep the connection for the next request if its response was read whole; else close it."""
        if not conn.reusable():
            conn.close()
            return
        conn.idle_since = now = conn.loop.time()
        self._idle.append(conn)
        while self._idle and (len(self._idle) > MAX_IDLE or now - self._idle[0].idle_since >= KEEPALIVE_S):
            self._idle.popleft().close()

    @property
    def idle(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


async def connect(route: Route, timeout_s: float) -> Connection:
    """A new connection (through the proxy's tunnel when there is one), within MODEL_TIMEOUT_S."""
    loop = asyncio.get_running_loop()
    conn = Connection(loop, timeout_s)
    try:
        async with asyncio.timeout(timeout_s):
            if route.tunnel is None:
                await loop.create_connection(
                    lambda: conn, route.host, route.port, ssl=route.tls, server_hostname=route.server_hostname
                )
            else:
                await loop.create_connection(lambda: conn, route.host, route.port)
                await conn.tunnel(route.tunnel, route.proxy_auth)
                conn.transport = await loop.start_tls(  # type: ignore[assignment]
                    conn.transport,  # type: ignore[arg-type]
                    conn,
                    route.tls,  # type: ignore[arg-type]
                    server_hostname=route.server_hostname,
                )
    except TimeoutError:
        conn.close()
        raise ModelTimeout() from None
    except OSError as exc:
        conn.close()
        raise ModelConnectionError(str(exc) or type(exc).__name__) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _ends_at_close(headers: dict[str, str]) -> bool:
    """A body without length or chunking runs until the server closes (rare, but legal)."""
    return "content-length" not in headers and "chunked" not in headers.get("transfer-encoding", "")


def _lost(exc: Exception | None, got_bytes: bool) -> str:
    when = "in the middle of the response" if got_bytes else "before answering"
    return f"the server closed the connection {when}" + (f" ({exc})" if exc else "")
