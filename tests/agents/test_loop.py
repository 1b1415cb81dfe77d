"""The agent loop against a scripted model server over real HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from agents.loop import (
    ContentDelta,
    ExitReason,
    LoopCancelled,
    LoopFailed,
    LoopFinished,
    LoopLimits,
    ModelCalled,
    ModelCallRetrying,
    ModelCallStarted,
    ToolFinished,
    ToolStarted,
    Usage,
    run_loop,
)
from agents.model import Backoff, ModelCallFailed, create_model_client
from agents.tools.base import Toolset
from tests.fakes.model_server import call, delay, error, respond, text, tools

FAST = Backoff(base_s=0.01, max_s=0.05)


def of_type(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def count_customers(segment: str) -> dict[str, Any]:
    """Count the customers of one segment.

    Args:
        segment: Segment name, e.g. "enterprise".
    """
    return {"segment": segment, "customers": 42}


def explode(reason: str) -> str:
    """Always fails.

    Args:
        reason: Why.
    """
    raise ValueError(f"boom: {reason}")


def toolset() -> Toolset:
    return Toolset([count_customers, explode])


def test_plain_answer_arrives_in_chunks(model_server, run_agent_loop) -> None:
    model_server.script(text("There are 900 customers.", chunk_size=3))
    events = run_agent_loop()
    deltas = of_type(events, ContentDelta)
    assert len(deltas) > 3 and "".join(d.text for d in deltas) == "There are 900 customers."
    assert events[-1] == LoopFinished(
        "There are 900 customers.", ExitReason.answered, events[-1].usage, 1, events[-1].messages
    )
    sent = model_server.chat_requests[0].body
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["model"] == "test-model" and "tools" not in sent


def test_fragmented_tool_call_runs_and_the_model_sees_the_result(model_server, run_agent_loop) -> None:
    model_server.script(
        tools(call("count_customers", {"segment": "enterprise"}, id="call_1"), chunk_size=3),
        text("42 enterprise customers."),
    )
    events = run_agent_loop(toolset=toolset())
    assert of_type(events, ToolStarted) == [
        ToolStarted("agent", "count_customers", {"segment": "enterprise"}, "call_1", turn=1)
    ]
    finished = of_type(events, ToolFinished)[0]
    assert finished.error is None and json.loads(finished.result) == {
        "segment": "enterprise",
        "customers": 42,
    }
    first, second = model_server.chat_requests
    assert first.tool_names == ["count_customers", "explode"]
    assert second.tool_results() == {"call_1": finished.result}
    assistant = second.messages[-2]
    assert assistant["tool_calls"][0]["function"]["arguments"] == '{"segment": "enterprise"}'
    assert events[-1].answer == "42 enterprise customers." and events[-1].turns == 2


def test_parallel_tool_calls_run_concurrently(model_server, run_agent_loop) -> None:
    arrived: list[str] = []
    both_here = asyncio.Event()

    async def meet(name: str) -> str:
        """Wait until both calls are running at the same time.

        Args:
            name: Who arrives.
        """
        arrived.append(name)
        if len(arrived) == 2:
            both_here.set()
        await both_here.wait()  # a sequential loop would never get past this (the timeout says so)
        return f"{name} met"

    model_server.script(
        tools(call("meet", {"name": "a"}, id="a"), call("meet", {"name": "b"}, id="b")), text("ok")
    )
    events = run_agent_loop(toolset=Toolset([meet], timeout_s=5))
    assert [e.error for e in of_type(events, ToolFinished)] == [None, None]
    assert model_server.chat_requests[1].tool_results() == {"a": "a met", "b": "b met"}
    tool_ids = [m["tool_call_id"] for m in model_server.chat_requests[1].messages if m["role"] == "tool"]
    assert tool_ids == ["a", "b"]  # results follow the model's order, not completion order


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (call("explode", {"reason": "disk"}), "explode failed: ValueError: boom: disk"),
        (call("count_customers", '{"segment": '), "not valid JSON"),
        (
            call("drop_table", {}),
            "there is no tool named 'drop_table'. Available tools: count_customers, explode.",
        ),
        (
            call("count_customers", {"segmnt": "x"}),
            "missing required argument 'segment'; unexpected argument",
        ),
    ],
    ids=["tool-raises", "bad-json", "unknown-tool", "wrong-arguments"],
)
def test_broken_tool_calls_reach_the_model_as_text_and_the_run_goes_on(
    model_server, run_agent_loop, requested, expected
) -> None:
    model_server.script(tools(requested), text("Sorry, let me explain."))
    events = run_agent_loop(toolset=toolset())
    finished = of_type(events, ToolFinished)[0]
    assert expected in finished.error and finished.result.startswith("Error: ")
    assert list(model_server.chat_requests[1].tool_results().values()) == [finished.result]
    assert events[-1].reason is ExitReason.answered


def test_turn_limit_stops_with_an_explicit_reason(model_server, run_agent_loop) -> None:
    again = tools(call("count_customers", {"segment": "smb"}))
    model_server.script(again, tools(call("count_customers", {"segment": "smb"})), text("never asked"))
    events = run_agent_loop(toolset=toolset(), limits=LoopLimits(max_turns=2))
    last = events[-1]
    assert isinstance(last, LoopFinished) and last.reason is ExitReason.turn_limit and last.turns == 2
    assert len(model_server.chat_requests) == 2 and len(of_type(events, ToolFinished)) == 1
    assert "limit of 2 model turns" in last.messages[-1]["content"]  # transcript stays valid


def test_429_with_retry_after_is_retried_visibly(model_server, run_agent_loop) -> None:
    model_server.script(error(429, "slow down", headers={"Retry-After": "1"}), text("fine"))
    events = run_agent_loop(limits=LoopLimits(backoff=FAST))
    retry = of_type(events, ModelCallRetrying)[0]
    assert (retry.status, retry.delay_s, retry.attempt) == (429, 1.0, 1)  # the server's wait, not ours
    assert [e.attempt for e in of_type(events, ModelCallStarted)] == [1, 2]
    assert events[-1].answer == "fine"


def test_5xx_until_attempts_run_out_fails_clearly(model_server, run_agent_loop) -> None:
    model_server.script(*[error(500, "kaput")] * 3)
    events = run_agent_loop(limits=LoopLimits(max_attempts=3, backoff=FAST))
    assert len(of_type(events, ModelCallRetrying)) == 2 and len(model_server.chat_requests) == 3
    failed = events[-1]
    assert isinstance(failed, LoopFailed) and isinstance(failed.error, ModelCallFailed)
    assert (failed.error.status, failed.error.attempts) == (500, 3)
    assert (
        failed.error.message
        == "The model server failed (HTTP 500) after 3 attempts. Check the server, then ask again."
    )


def test_bad_credentials_are_not_retried(model_server, run_agent_loop) -> None:
    model_server.script(error(401, "bad key"), text("unreachable"))
    events = run_agent_loop(limits=LoopLimits(backoff=FAST))
    assert len(model_server.chat_requests) == 1 and "OPENAI_API_KEY" in events[-1].error.message


def test_slow_response_times_out_and_is_retried(model_server, model_settings, run_agent_loop) -> None:
    model_server.script(delay(2, text("too late")), text("in time"))
    events = run_agent_loop(settings=model_settings(model_timeout_s=0.3), limits=LoopLimits(backoff=FAST))
    retry = of_type(events, ModelCallRetrying)[0]
    assert (retry.error, retry.status) == ("timed out", None)
    assert events[-1].answer == "in time"


def test_timeouts_until_attempts_run_out_name_the_setting(
    model_server, model_settings, run_agent_loop
) -> None:
    model_server.script(*[delay(2, text("too late"))] * 2)
    events = run_agent_loop(
        settings=model_settings(model_timeout_s=0.2), limits=LoopLimits(max_attempts=2, backoff=FAST)
    )
    assert "MODEL_TIMEOUT_S" in events[-1].error.message and events[-1].error.status is None


def test_usage_and_latency_are_recorded_per_call(model_server, run_agent_loop) -> None:
    usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    slow = 0.005  # a reused connection answers in well under a millisecond
    model_server.script(
        tools(call("count_customers", {"segment": "x"}), chunk_delay=slow),
        text("done", usage=usage, chunk_delay=slow),
    )
    events = run_agent_loop(toolset=toolset())
    calls = of_type(events, ModelCalled)
    assert len(calls) == 2 and all(c.latency_ms > 0 and c.first_token_ms is not None for c in calls)
    assert (calls[1].prompt_tokens, calls[1].completion_tokens) == (11, 7)
    assert calls[0].finish_reason == "tool_calls" and [c.turn for c in calls] == [1, 2]
    first = Usage(
        calls[0].prompt_tokens,
        calls[0].completion_tokens,
        calls[0].prompt_tokens + calls[0].completion_tokens,
    )
    assert events[-1].usage == first + Usage(11, 7, 18)


def test_servers_without_usage_are_tolerated(model_server, run_agent_loop) -> None:
    model_server.send_usage = False
    model_server.script(text("fine"))
    events = run_agent_loop()
    called = of_type(events, ModelCalled)[0]
    assert (called.prompt_tokens, called.completion_tokens) == (0, 0)
    assert events[-1].usage == Usage() and events[-1].answer == "fine"


def consume_until_cancelled(model_settings, trigger: type, **kwargs: Any) -> list[Any]:
    """Run the loop in a task, cancel it at the first `trigger` event, return what it yielded."""

    async def main() -> list[Any]:
        client, events, seen = create_model_client(model_settings()), [], asyncio.Event()

        async def consume() -> None:
            async for event in run_loop(
                client, model="m", messages=[{"role": "user", "content": "hi"}], **kwargs
            ):
                events.append(event)
                if isinstance(event, trigger):
                    seen.set()

        task = asyncio.create_task(consume())
        await seen.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.close()
        return events

    return asyncio.run(main())


def test_cancelling_mid_stream_stops_the_loop_with_an_event(model_server, model_settings) -> None:
    model_server.script(text("word " * 200, chunk_size=5, chunk_delay=0.02))
    events = consume_until_cancelled(model_settings, ContentDelta)
    assert isinstance(events[-1], LoopCancelled)
    assert not of_type(events, LoopFinished) and len(of_type(events, ContentDelta)) < 200


def test_cancelling_while_a_tool_runs_cancels_the_tool(model_server, model_settings) -> None:
    stopped = []

    async def wait_forever(topic: str) -> str:
        """Never returns.

        Args:
            topic: Anything.
        """
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.append(topic)
        return "unreachable"

    model_server.script(tools(call("wait_forever", {"topic": "t"})))
    events = consume_until_cancelled(model_settings, ToolStarted, toolset=Toolset([wait_forever]))
    assert isinstance(events[-1], LoopCancelled) and stopped == ["t"]


def test_the_model_can_be_scripted_from_the_request(model_server, run_agent_loop) -> None:
    model_server.script(respond(lambda request: text(f"You said: {request.messages[-1]['content']}")))
    events = run_agent_loop(messages=[{"role": "user", "content": "hello"}])
    assert events[-1].answer == "You said: hello"
