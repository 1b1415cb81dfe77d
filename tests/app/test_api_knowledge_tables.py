"""`GET /v1/knowledge/tables[/{name}]`: the curated tables, the Engineer's views and the relations only
profiled, each with its stored profile; personal data shows no values; viewers are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.app.api_fixtures import Api
from tests.app.catalog_helpers import prepare_catalog


def test_an_analyst_lists_tables_and_views_with_their_profiles(
    start_api: Callable[..., Api], tmp_path: Path
) -> None:
    api = start_api(knowledge_path=tmp_path, draft_exclude_columns="customers.industry")
    prepare_catalog(api, api.key("root", "admin"))
    with api.client(api.key("ana", "analyst")) as http:
        listed = http.get("/v1/knowledge/tables")
        customers = http.get("/v1/knowledge/tables/customers")
        view = http.get("/v1/knowledge/tables/dash.plan_mix")
        missing = http.get("/v1/knowledge/tables/nope")
    assert listed.status_code == 200, listed.text
    by_name = {t["name"]: t for t in listed.json()}
    assert {n: (t["kind"], t["source"]) for n, t in by_name.items()} == {
        "customers": ("table", "curated"),
        "subscriptions": ("table", "curated"),
        "invoices": ("table", "profiled"),
        "dash.plan_mix": ("view", "engineer"),
    }
    subscriptions = by_name["subscriptions"]
    assert subscriptions["description"] == "undescribed" and not subscriptions["described"]
    assert subscriptions["primary_key"] == ["subscription_id"] and subscriptions["measured_at"]
    assert {
        "columns": ["customer_id"],
        "references": "customers",
        "ref_columns": ["customer_id"],
        "inferred": False,
    } in subscriptions["joins"]
    assert (by_name["customers"]["description"], by_name["customers"]["described"]) == (
        "One row per paying company",
        True,
    )
    assert by_name["dash.plan_mix"]["description"] == "Subscriptions per plan"
    assert by_name["invoices"]["rows"] == 4079 and "columns" not in by_name["invoices"]
    detail = customers.json()
    columns = {c["name"]: c for c in detail["columns"]}
    assert [c["name"] for c in detail["columns"]][:2] == ["customer_id", "company_name"]
    assert columns["company_size"]["values"] and columns["company_size"]["null_share"] == 0
    assert columns["industry"]["personal"] and columns["industry"]["values"] is None
    assert columns["signup_date"]["min"] <= columns["signup_date"]["max"]
    assert [c["name"] for c in view.json()["columns"]] == ["plan", "subscriptions"]
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_a_viewer_is_refused(api: Api) -> None:
    with api.client(api.key("vic", "viewer")) as http:
        answers: list[Any] = [http.get("/v1/knowledge/tables"), http.get("/v1/knowledge/tables/customers")]
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(403, "forbidden")] * 2
