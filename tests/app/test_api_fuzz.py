"""A property-based fuzz of every /v1 operation in the OpenAPI schema (Hypothesis, over real HTTP).

For each route, Hypothesis draws path values, query values and JSON bodies (well-formed and not)
and checks the answer: never a 500, only statuses the schema documents, and a body that the
documented model accepts (the error shape for every failure).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from app.routes.models import ErrorOut
from tests.app.api_fixtures import Api

SAFE_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=24)
SCALARS = st.one_of(SAFE_TEXT, st.integers(-(2**70), 2**70), st.booleans(), st.none())
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SAFE_TEXT, inner, max_size=3),
    max_leaves=8,
)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"message": SAFE_TEXT},
        optional={"session_id": st.one_of(SAFE_TEXT, st.none()), "stream": st.booleans()},
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "title": SAFE_TEXT,
            "learning": SAFE_TEXT,
            "context": SAFE_TEXT,
            "tags": st.lists(SAFE_TEXT),
        },
    ),
)


def _routes(app: FastAPI) -> list[tuple[APIRoute, str]]:
    return [
        (route, method)
        for route in _flatten(app.routes)
        if route.path.startswith("/v1")
        for method in sorted(route.methods or ())
    ]


def _flatten(routes: list[Any]) -> list[APIRoute]:
    """API routes, looking inside included routers (FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _flatten(route.original_router.routes)
    return found


def _request(route: APIRoute, method: str) -> st.SearchStrategy[dict[str, Any]]:
    path_values = {
        p.name: st.one_of(SAFE_TEXT, st.integers(-(2**70), 2**70)) for p in route.dependant.path_params
    }
    query = {
        p.alias: st.one_of(SAFE_TEXT, st.integers(-(2**70), 2**70)) for p in route.dependant.query_params
    }
    return st.fixed_dictionaries(
        {
            "path": st.fixed_dictionaries(path_values).map(lambda v: _fill(route.path, v)),
            "params": st.fixed_dictionaries({}, optional=query),  # type: ignore[arg-type]
            "json": BODIES if method in ("POST", "PATCH", "PUT") else st.none(),
        }
    )


def _fill(path: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return path


def _check(api: Api, route: APIRoute, method: str, response: httpx.Response) -> None:
    where = f"{method} {response.request.url} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500 or response.status_code in (502, 503), where
    documented = api.app.openapi()["paths"][route.path][method.lower()]["responses"]
    assert str(response.status_code) in documented, where
    if response.status_code == 204:
        assert response.content == b"", where
    elif response.status_code >= 400:
        ErrorOut.model_validate_json(response.content)
    elif response.headers["content-type"].startswith("application/json") and route.response_model:
        TypeAdapter(route.response_model).validate_json(response.content)
    else:
        assert response.headers["content-type"].startswith("text/event-stream"), where


def test_fuzzing_every_operation_finds_no_500_and_no_undocumented_response(
    start_api: Any, tmp_path: Path
) -> None:
    api = start_api(knowledge_path=tmp_path)  # reload/validate over an empty folder: fast
    operations = _routes(api.app)
    assert len(operations) >= 14
    with api.client() as http:
        for route, method in operations:
            _fuzz(api, http, route, method)


def _fuzz(api: Api, http: httpx.Client, route: APIRoute, method: str) -> None:
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=_request(route, method))
    def check(request: dict[str, Any]) -> None:
        body = {} if request["json"] is None else {"json": request["json"]}
        response = http.request(method, request["path"], params=request["params"], **body)
        _check(api, route, method, response)

    check()
