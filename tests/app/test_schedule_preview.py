"""`GET /v1/schedules/preview`: the next firing times of a cron in a time zone, or the create form's 422."""

from __future__ import annotations

from datetime import datetime

from tests.app.api_fixtures import Api


def test_the_next_five_firings_are_listed_in_the_schedules_time_zone(api: Api) -> None:
    with api.client() as http:  # loopback development mode: the local admin
        answer = http.get(
            "/v1/schedules/preview", params={"cron": "30  6 * * 1-5", "timezone": "Europe/Berlin"}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    times = [datetime.fromisoformat(t) for t in body["next"]]
    assert body["cron"] == "30 6 * * 1-5" and len(times) == 5 and times == sorted(times)
    assert all((t.hour, t.minute, t.isoweekday() <= 5) == (6, 30, True) for t in times)
    assert all(t.utcoffset() is not None and t.utcoffset().total_seconds() in (3600, 7200) for t in times)


def test_a_bad_cron_or_zone_gets_the_message_a_create_would_get(api: Api) -> None:
    admin = api.key("root", "admin")
    schedule = {"name": "x", "task": "sql_check", "payload": {"sql": "SELECT 1 AS n", "threshold": 0}}
    with api.client(admin) as http:
        never = http.get("/v1/schedules/preview", params={"cron": "0 8 30 2 *"})
        created = http.post("/v1/schedules", json=schedule | {"cron": "0 8 30 2 *"})
        zone = http.get("/v1/schedules/preview", params={"cron": "0 8 * * *", "timezone": "Mars/Olympus"})
        short = http.get("/v1/schedules/preview", params={"cron": "0 8 * *"})
    assert never.status_code == 422 and never.json()["error"]["code"] == "invalid_input"
    reason = created.json()["error"]["message"].removeprefix("body.cron: ")
    assert never.json()["error"]["message"] == f"query.cron: {reason}" and "never fires" in reason
    assert zone.status_code == 422 and "unknown time zone 'Mars/Olympus'" in zone.json()["error"]["message"]
    assert short.status_code == 422 and "has 4" in short.json()["error"]["message"]


def test_only_admins_preview(api: Api) -> None:
    with api.client(api.key("ana", "analyst")) as http:
        refused = http.get("/v1/schedules/preview", params={"cron": "0 8 * * *"})
    assert refused.status_code == 403
