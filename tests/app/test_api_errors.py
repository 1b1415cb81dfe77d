"""Every failure has the one error shape and an honest status: 404, 405, 413, 422, never 200."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from tests.app.api_fixtures import Api


def _assert_shape(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "detail"} and error["code"] == code and error["message"]
    return error  # type: ignore[no-any-return]


def test_unknown_routes_and_methods(api: Api) -> None:
    with api.client() as http:
        _assert_shape(http.get("/v1/nothing-here"), 404, "not_found")
        _assert_shape(http.put("/v1/sessions"), 405, "method_not_allowed")
        _assert_shape(http.get("/v1/sessions/missing"), 404, "not_found")


def test_validation_names_the_field(api: Api) -> None:
    with api.client() as http:
        missing = _assert_shape(http.post("/v1/ask", json={"stream": False}), 422, "invalid_input")
        bad_limit = _assert_shape(http.get("/v1/sessions", params={"limit": 0}), 422, "invalid_input")
        not_json = http.post("/v1/ask", content=b"{", headers={"content-type": "application/json"})
        cursor = _assert_shape(http.get("/v1/sessions", params={"cursor": "garbage"}), 422, "invalid_input")
    assert "body.message" in missing["message"]
    assert "query.limit" in bad_limit["message"]
    _assert_shape(not_json, 422, "invalid_input")
    assert "cursor" in cursor["message"]


def test_a_body_over_the_limit_is_413_with_or_without_content_length(start_api: Any) -> None:
    api = start_api(max_body_bytes=2048)
    big = {"message": "x" * 5000, "stream": False}

    def chunked() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    with api.client() as http:
        declared = http.post("/v1/ask", json=big)
        streamed = http.post("/v1/ask", content=chunked(), headers={"content-type": "application/json"})
    assert _assert_shape(declared, 413, "payload_too_large")["detail"]["max_bytes"] == 2048
    _assert_shape(streamed, 413, "payload_too_large")


def test_unstorable_values_and_bad_resume_ids_are_422_not_500(api: Api) -> None:
    with api.client() as http:
        nul = http.get("/v1/sessions/a%00b")
        resume = http.get("/v1/runs/x/events", headers={"Last-Event-ID": "abc"})
    _assert_shape(nul, 422, "invalid_input")
    assert resume.status_code in (404, 422)
