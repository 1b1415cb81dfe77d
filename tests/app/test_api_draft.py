"""`POST /v1/knowledge/draft`: admins draft table files over REST; nobody else may."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.app.api_fixtures import Api


def test_only_admins_draft_and_the_answer_says_what_changed(
    start_api: Callable[..., Api], tmp_path: Path
) -> None:
    api = start_api(knowledge_path=tmp_path)
    body = {"schemas": ["public"], "tables": ["subscriptions", "customers"]}
    for role in ("viewer", "analyst"):
        with api.client(api.key("bob", role)) as http:
            refused = http.post("/v1/knowledge/draft", json=body)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert not (tmp_path / "tables").exists()
    with api.client(api.key("root", "admin")) as http:
        first = http.post("/v1/knowledge/draft", json=body)
        again = http.post("/v1/knowledge/draft", json=body)
        profiles_only = http.post("/v1/knowledge/draft", json={**body, "write_files": False})
        describe = http.post("/v1/knowledge/draft", json={**body, "describe": True})
        bad = http.post("/v1/knowledge/draft", json={"schemas": []})
    assert first.status_code == 200, first.text
    assert {(t["table"], t["status"]) for t in first.json()["tables"]} == {
        ("customers", "written"),
        ("subscriptions", "written"),
    }
    assert first.json()["summary"].startswith("2 table(s): 2 written")
    assert {t["status"] for t in again.json()["tables"]} == {"unchanged"}
    assert {t["status"] for t in profiles_only.json()["tables"]} == {"refreshed"}
    drafted = json.loads((tmp_path / "tables" / "subscriptions.json").read_text())
    assert drafted["profile"]["primary_key"] == ["subscription_id"]
    # The scripted model has no turn queued (it answers 400): the error names the model call.
    assert describe.status_code == 502 and describe.json()["error"]["code"] == "model_call_failed"
    assert bad.status_code == 422 and "error" in bad.json()


def test_a_folder_that_cannot_be_written_is_a_409_and_profiles_still_refresh(
    start_api: Callable[..., Api], tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the knowledge folder should be")
    api = start_api(knowledge_path=blocker / "knowledge")
    with api.client() as http:  # loopback development mode: the local admin
        refused = http.post("/v1/knowledge/draft", json={"tables": ["invoices"]})
        stored = http.post("/v1/knowledge/draft", json={"tables": ["invoices"], "write_files": False})
    assert refused.status_code == 409
    assert "write_files: false" in refused.json()["error"]["message"]
    assert stored.status_code == 200 and stored.json()["tables"][0]["status"] == "refreshed"
    with api.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT profile->>'rows' FROM ai.table_profiles WHERE table_name = 'invoices'"
        )
        assert rows.scalar_one() == "4079"
