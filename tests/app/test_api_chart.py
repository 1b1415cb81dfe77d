"""The JSON result of `POST /v1/ask` carries the latest result table and its chart."""

from __future__ import annotations

from tests.app.api_fixtures import Api
from tests.fakes.model_server import FakeModelServer, call, text, tools

BY_PLAN = "SELECT * FROM (VALUES ('basic', 12), ('pro', 30), ('team', 7)) AS t(plan, customers)"


def test_a_json_answer_has_its_result_and_a_bar_chart(api: Api, model: FakeModelServer) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "Customers by plan?"})),
        tools(call("run_sql", {"sql": BY_PLAN})),
        text("Pro leads."),
        text("Pro has the most customers."),
    )
    with api.client() as http:
        body = http.post("/v1/ask", json={"message": "Customers by plan?", "stream": False}).json()
    assert body["result"] == {
        "columns": ["plan", "customers"],
        "rows": [["basic", 12], ["pro", 30], ["team", 7]],
        "truncated": False,
    }
    assert body["chart"]["mark"]["type"] == "bar"
    assert body["chart"]["encoding"]["x"]["field"] == "plan"


def test_an_answer_without_sql_has_no_result_and_no_chart(api: Api, model: FakeModelServer) -> None:
    model.script(text("Hello!"))
    with api.client() as http:
        body = http.post("/v1/ask", json={"message": "hi", "stream": False}).json()
    assert body["result"] is None and body["chart"] is None
