"""A minimal HTTP/1.1 client on asyncio streams, for load that must not be the bottleneck.

httpx spends about 10 ms of CPU per request at hundreds of concurrent connections (measured: 500
GET /health cost it 5-6 CPU-s, Dash under 1), so on a small machine it, not the server, would set
the figures. This one opens a connection per request (`Connection: close`), sends one request and
reads the status, the headers and a Content-Length or chunked body.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    reader: asyncio.StreamReader

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                yield await self.reader.readexactly(size)
                await self.reader.readline()  # the CRLF after each chunk
        elif "content-length" in self.headers:
            yield await self.reader.readexactly(int(self.headers["content-length"]))
        else:
            yield await self.reader.read()

    async def lines(self) -> AsyncIterator[str]:
        pending = b""
        async for chunk in self.chunks():
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                yield line.decode()
        if pending:
            yield pending.decode()

    async def body(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])


@asynccontextmanager
async def request(
    base_url: str, method: str, path: str, *, headers: dict[str, str] | None = None, json_body: Any = None
) -> AsyncIterator[Response]:
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    reader, writer = await asyncio.open_connection(host, port)
    try:
        body = json.dumps(json_body).encode() if json_body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if json_body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status = int((await reader.readline()).split()[1])
        received: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            received[name.strip().lower()] = value.strip()
        yield Response(status, received, reader)
    finally:
        writer.close()
