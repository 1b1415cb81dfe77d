"""Our model client on the wire: kept-alive connections, what it does when they break, proxies."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.loop import LoopFailed, LoopFinished, LoopLimits, ModelCallRetrying, run_loop
from agents.model import Backoff, create_model_client
from agents.model_client import CHAT_PATH, ModelClient
from agents.model_errors import ModelConnectionError, ModelStreamError, ModelTimeout
from tests.fakes.model_server import FakeModelServer, respond, text
from tests.fakes.raw_http import Proxy, RawServer, chunk, read_request, self_signed, sse

ASK = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


async def answer(client: ModelClient, body: dict[str, Any] | None = None) -> str:
    stream = client.stream(CHAT_PATH, body or ASK)
    try:
        return "".join(
            [c["choices"][0]["delta"].get("content") or "" async for c in stream if c.get("choices")]
        )
    finally:
        await stream.aclose()


def test_calls_reuse_connections_instead_of_opening_one_each(
    model_server: FakeModelServer, model_settings
) -> None:
    echo = respond(lambda request: text(f"echo {request.messages[-1]['content']}", chunk_size=2))
    model_server.script(*[echo] * 24)

    async def main() -> tuple[list[str], int]:
        client = create_model_client(model_settings())
        at_once = [
            answer(client, {**ASK, "messages": [{"role": "user", "content": f"q{i}"}]}) for i in range(8)
        ]
        answers = list(await asyncio.gather(*at_once))
        answers += list(await asyncio.gather(*(answer(client) for _ in range(8))))
        answers += [await answer(client) for _ in range(8)]
        idle = client.pool().idle
        await client.close()
        return answers, idle

    answers, idle = asyncio.run(main())
    assert answers[:8] == [f"echo q{i}" for i in range(8)] and answers[8:] == ["echo hi"] * 16
    ports = {r.client_port for r in model_server.chat_requests}
    assert len(ports) <= 8 and idle == len(ports), "24 calls, at most 8 at once, went over 8 connections"


def test_a_kept_alive_connection_the_server_closed_is_retried_once_on_a_new_one() -> None:
    served = 0

    async def answer_once_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        await read_request(reader)
        served += 1
        writer.write(sse(chunk(f"answer {served}")))
        await read_request(reader)  # the next request on this connection: closed without a word

    async def main() -> tuple[list[str], int]:
        async with RawServer(answer_once_then_hang_up) as server:
            client = ModelClient(f"http://127.0.0.1:{server.port}/v1", api_key="k", timeout_s=5)
            answers = [await answer(client), await answer(client)]
            await client.close()
            return answers, server.connections

    answers, connections = asyncio.run(main())
    assert answers == ["answer 1", "answer 2"] and connections == 2


def test_a_connection_lost_mid_answer_is_an_error_not_a_retry() -> None:
    async def half_an_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(sse(chunk("half"))[:-40])

    async def main() -> int:
        async with RawServer(half_an_answer) as server:
            client = ModelClient(f"http://127.0.0.1:{server.port}/v1", api_key="k", timeout_s=5)
            with pytest.raises(ModelConnectionError, match="closed the connection in the middle"):
                await answer(client)
            await client.close()
            return server.connections

    assert asyncio.run(main()) == 1


def test_an_error_event_inside_the_stream_raises_the_servers_message() -> None:
    async def fails_mid_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(sse(chunk("par"), {"error": {"message": "overloaded", "type": "server_error"}}))

    async def main() -> None:
        async with RawServer(fails_mid_stream) as server:
            client = ModelClient(f"http://127.0.0.1:{server.port}/v1", api_key="k", timeout_s=5)
            with pytest.raises(ModelStreamError, match="overloaded"):
                await answer(client)
            await client.close()

    asyncio.run(main())


def test_a_stream_that_stalls_between_chunks_times_out(model_server: FakeModelServer, model_settings) -> None:
    model_server.script(text("slow words " * 5, chunk_size=3, chunk_delay=1.0))

    async def main() -> None:
        client = create_model_client(model_settings(model_timeout_s=0.3))
        with pytest.raises(ModelTimeout):
            await answer(client)
        assert client.pool().idle == 0
        await client.close()

    asyncio.run(main())


def test_an_abandoned_stream_closes_its_connection(model_server: FakeModelServer, model_settings) -> None:
    model_server.script(text("word " * 100, chunk_size=5, chunk_delay=0.01), text("next"))

    async def main() -> tuple[int, str]:
        client = create_model_client(model_settings())
        stream = client.stream(CHAT_PATH, ASK)
        await anext(stream)
        await stream.aclose()  # what a cancelled run does
        idle = client.pool().idle
        after = await answer(client)
        await client.close()
        return idle, after

    idle, after = asyncio.run(main())
    assert idle == 0 and after == "next"
    first, second = model_server.chat_requests
    assert first.client_port != second.client_port, "the half-read connection was not reused"


def test_an_http_origin_behind_a_proxy_is_asked_in_absolute_form(
    model_server: FakeModelServer, model_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_server.script(text("through the proxy"))

    async def main() -> tuple[str, list[str]]:
        async with Proxy() as proxy:
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            monkeypatch.delenv("NO_PROXY", raising=False)
            monkeypatch.delenv("no_proxy", raising=False)
            client = create_model_client(model_settings())
            said = await answer(client)
            await client.close()
            return said, proxy.seen

    said, seen = asyncio.run(main())
    assert said == "through the proxy"
    assert seen == [f"POST {model_server.base_url}/chat/completions HTTP/1.1"]


def test_an_https_origin_behind_a_proxy_goes_through_a_tunnel(monkeypatch: pytest.MonkeyPatch) -> None:
    server_tls, client_tls = self_signed()

    async def answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(sse(chunk("secret "), chunk("kept")))
        await writer.drain()

    async def main() -> tuple[str, list[str], int]:
        async with RawServer(answers, tls=server_tls) as origin, Proxy() as proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.url)
            monkeypatch.delenv("NO_PROXY", raising=False)
            monkeypatch.delenv("no_proxy", raising=False)
            client = ModelClient(
                f"https://127.0.0.1:{origin.port}/v1", api_key="k", timeout_s=5, tls=client_tls
            )
            said = await answer(client)
            await client.close()
            return said, proxy.seen, origin.port

    said, seen, port = asyncio.run(main())
    assert said == "secret kept" and seen == [f"CONNECT 127.0.0.1:{port} HTTP/1.1"]


def test_no_proxy_hosts_are_reached_directly(
    model_server: FakeModelServer, model_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_server.script(text("direct"))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    async def main() -> str:
        client = create_model_client(model_settings())
        try:
            return await answer(client)
        finally:
            await client.close()

    assert asyncio.run(main()) == "direct"


def test_an_unusable_base_url_fails_the_call_naming_it(model_settings) -> None:
    async def main() -> None:
        client = create_model_client(model_settings(openai_base_url="localhost:8000/v1"))
        with pytest.raises(ModelConnectionError, match="not an http"):
            await answer(client)

    asyncio.run(main())


def run_against(handler: Any, **kwargs: Any) -> list[Any]:
    """Every event of one loop run against a hand-written server."""

    async def main() -> list[Any]:
        async with RawServer(handler) as server:
            client = ModelClient(f"http://127.0.0.1:{server.port}/v1", api_key="k", timeout_s=5)
            limits = LoopLimits(backoff=Backoff(base_s=0.01, max_s=0.02))
            messages = [{"role": "user", "content": "hi"}]
            events = [
                e async for e in run_loop(client, model="m", messages=messages, limits=limits, **kwargs)
            ]
            await client.close()
            return events

    return asyncio.run(main())


def test_the_loop_retries_an_error_event_and_then_answers() -> None:
    calls = 0

    async def fails_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        while True:
            await read_request(reader)
            calls += 1
            failing = {"error": {"message": "overloaded"}}
            writer.write(sse(chunk("par"), failing) if calls == 1 else sse(chunk("whole")))

    events = run_against(fails_once)
    retry = next(e for e in events if isinstance(e, ModelCallRetrying))
    assert retry.error == "overloaded" and retry.status is None
    assert isinstance(events[-1], LoopFinished) and events[-1].answer == "whole"


def test_a_stream_of_something_other_than_json_objects_fails_the_run_saying_so() -> None:
    async def sends_a_list(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(sse([1, 2]))

    events = run_against(sends_a_list)
    assert isinstance(events[-1], LoopFailed)
    assert "not a JSON object: [1, 2]" in events[-1].error.message
