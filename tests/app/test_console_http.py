"""The console's files over real HTTP: the page, its modules, nothing outside static/, and /v1/me."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.console import STATIC
from tests.app.api_fixtures import Api


def test_the_console_page_is_served_at_the_root_with_a_content_security_policy(api: Api) -> None:
    with api.client() as http:
        page = http.get("/")
        module = http.get("/console/app.js")
        chart_library = http.get("/console/vendor/vega-lite.min.js")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/console/app.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert module.headers["content-type"].startswith("text/javascript")
    assert chart_library.status_code == 200 and len(chart_library.content) > 100_000


@pytest.mark.parametrize(
    "path", ["/console/../settings.py", "/console/%2e%2e/__init__.py", "/console/pages", "/console/nope.js"]
)
def test_nothing_outside_the_static_folder_is_served(api: Api, path: str) -> None:
    with api.client() as http:
        response = http.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_every_vendored_file_has_its_license_noted() -> None:
    licenses = (STATIC / "vendor" / "LICENSES").read_text()
    for file in (STATIC / "vendor").glob("*.js"):
        assert file.name in licenses


def test_me_says_who_the_token_is_and_when_sign_in_is_needed(start_api: Callable[..., Api]) -> None:
    api = start_api()
    with api.client() as http:
        assert http.get("/v1/me").json() == {
            "signed_in": True,
            "auth_required": False,
            "user_id": "local",
            "role": "admin",
            "via": "development",
        }
    key = api.key("victor", "viewer")
    with api.client() as anonymous, api.client(key) as viewer, api.client("dash_wrong") as wrong:
        assert anonymous.get("/v1/me").json() == {
            "signed_in": False,
            "auth_required": True,
            "user_id": None,
            "role": None,
            "via": None,
        }
        assert viewer.get("/v1/me").json()["role"] == "viewer"
        assert wrong.get("/v1/me").status_code == 401
