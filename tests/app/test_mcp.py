"""The MCP server at /mcp, through the SDK's own client over real HTTP, against the scripted model."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import text as sql_text

from tests.app.api_fixtures import Api
from tests.fakes.model_server import FakeModelServer, call, error, text, tools

T = TypeVar("T")
COUNT_SQL = "SELECT count(*) AS customers FROM customers"


def with_client(api: Api, token: str | None, use: Callable[[Client], Awaitable[T]]) -> T:
    """Connect the SDK's client to the running Dash (as `token`'s user) and run `use` with it."""

    async def main() -> T:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300))
        async with http, Client(streamable_http_client(f"{api.base}/mcp", http_client=http)) as client:
            return await use(client)

    return asyncio.run(main())


def error_of(result: Any) -> dict[str, Any]:
    """The one error shape, after the SDK's "Error executing tool NAME: " prefix."""
    assert result.is_error
    message: str = result.content[0].text
    return json.loads(message[message.index("{") :])["error"]  # type: ignore[no-any-return]


def test_the_tools_are_listed_with_descriptions_and_typed_arguments(api: Api) -> None:
    listed = with_client(api, None, lambda c: c.list_tools())
    tools_by_name = {t.name: t for t in listed.tools}
    assert set(tools_by_name) == {"ask", "search_knowledge", "run_sql", "list_sessions", "get_run"}
    assert all(t.description and len(t.description) > 40 for t in listed.tools)
    ask_schema = tools_by_name["ask"].input_schema
    assert ask_schema["required"] == ["question"]
    assert ask_schema["properties"]["question"]["type"] == "string"


def test_ask_answers_with_its_sql_and_rows_and_reports_progress(api: Api, model: FakeModelServer) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "How many customers?"})),
        tools(call("run_sql", {"sql": COUNT_SQL, "purpose": "count"})),
        text("2000 customers."),
        text("Acme has 2000 customers."),
    )
    messages: list[str] = []

    async def ask(client: Client) -> Any:
        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            messages.append(message or "")

        return await client.call_tool(
            "ask", {"question": "How many customers?"}, progress_callback=on_progress
        )

    result = with_client(api, api.key("alice", "viewer"), ask)
    assert not result.is_error, result.content
    answer = result.structured_content
    assert answer["answer"] == "Acme has 2000 customers."
    assert answer["sql"] == [COUNT_SQL]
    assert answer["table"]["columns"] == ["customers"] and answer["table"]["rows"][0][0] > 0
    with api.app.state.engines.service.connect() as conn:  # the table is the rows the agent read
        ran = conn.execute(
            sql_text("SELECT count(*) FROM ai.sql_audit WHERE run_id = :r"), {"r": answer["run_id"]}
        ).scalar_one()
    assert ran == 1
    assert "analyst: run_sql" in messages
    run = with_client(
        api, api.key("alice", "viewer"), lambda c: c.call_tool("get_run", {"run_id": answer["run_id"]})
    )
    assert run.structured_content["status"] == "completed"
    sessions = with_client(api, api.key("alice", "viewer"), lambda c: c.call_tool("list_sessions", {}))
    assert [s["id"] for s in sessions.structured_content["items"]] == [answer["session_id"]]


def test_a_viewer_cannot_run_sql_and_an_analyst_can(api: Api) -> None:
    refused = with_client(
        api, api.key("vera", "viewer"), lambda c: c.call_tool("run_sql", {"sql": "SELECT 1"})
    )
    assert error_of(refused)["code"] == "forbidden"
    ran = with_client(
        api, api.key("ann", "analyst"), lambda c: c.call_tool("run_sql", {"sql": "SELECT 1 AS one"})
    )
    assert not ran.is_error and ran.structured_content["rows"] == [[1]]
    with api.engine.connect() as conn:
        users = conn.execute(sql_text("SELECT DISTINCT user_id FROM ai.sql_audit")).scalars().all()
    assert users == ["ann"], "the viewer's attempt never reached the SQL path"


def test_a_refused_statement_is_audited_under_the_caller(api: Api) -> None:
    result = with_client(
        api, api.key("ann", "analyst"), lambda c: c.call_tool("run_sql", {"sql": "DELETE FROM customers"})
    )
    error = error_of(result)
    assert error["code"] == "sql_refused" and error["detail"]["reason"]
    with api.engine.connect() as conn:
        row = conn.execute(
            sql_text("SELECT user_id, agent, decision FROM ai.sql_audit WHERE sql = 'DELETE FROM customers'")
        ).one()
    assert tuple(row) == ("ann", "analyst", "refused")


def test_without_a_valid_key_mcp_answers_401_in_the_one_error_shape(api: Api) -> None:
    api.key("someone", "admin")  # auth is on from the first key
    with api.client("dash_not_a_key") as http:
        response = http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_knowledge_files_are_resources_an_analyst_can_read(api: Api) -> None:
    key = api.key("ann", "analyst")
    listed = with_client(api, key, lambda c: c.list_resources())
    uris = [str(r.uri) for r in listed.resources]
    assert uris and all(u.startswith("dash://knowledge/") for u in uris)
    content = with_client(api, key, lambda c: c.read_resource(uris[0]))
    assert getattr(content.contents[0], "text", "").strip()


def test_a_failed_run_is_a_tool_error_in_the_one_error_shape(api: Api, model: FakeModelServer) -> None:
    model.script(error(400, "the model refused the request"))
    result = with_client(api, None, lambda c: c.call_tool("ask", {"question": "What is MRR?"}))
    failure = error_of(result)
    assert failure["code"] == "upstream_error" and failure["detail"]["run_id"]
    assert "400" in failure["message"] or "refused" in failure["message"]
