"""Every HTTP path the README and docs/*.md mention is a route of the app (with the method named).

Paths are found where docs put them: after an HTTP method (`GET /v1/audit`, `GET|PATCH /v1/x`),
after Dash's base URL (`$DASH/v1/ask`, `localhost:8000/health`, `https://YOUR-DASH-HOST/slack/events`), or alone
in backticks. A segment like `{id}`, `<id>` or `0b7e...` stands for any value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.routing import Match

from app.main import create_app
from tests.conftest import test_settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
METHODS = r"(?:GET|POST|PUT|PATCH|DELETE)"
FOUND_AT = (
    re.compile(rf"(?P<methods>{METHODS}(?:[|/]{METHODS})*)\s+(?P<path>/[^\s`]*)"),
    re.compile(r"(?:\$DASH|\{base\}|(?:localhost|127\.0\.0\.1):8000|YOUR-DASH-HOST)(?P<path>/[^\s\"'`]*)"),
    re.compile(r"`(?P<path>/[^\s`]+)`"),
)
NOT_ROUTES = {"/tmp", "/v1"}  # a folder and the API's prefix, named in prose
FOLDERS = ("/root/", "/home/", "/usr/", "/var/", "/tmp/", "/etc/", "/opt/")  # files, not routes


@dataclass(frozen=True)
class Mention:
    where: str
    methods: frozenset[str]
    path: str


def mentions(doc: Path) -> list[Mention]:
    found = []
    for number, line in enumerate(doc.read_text().splitlines(), 1):
        for pattern in FOUND_AT:
            for match in pattern.finditer(line):
                methods = frozenset(re.split(r"[|/]", match.groupdict().get("methods") or ""))
                for path in _expanded(match["path"]):
                    if path not in NOT_ROUTES and not path.startswith(FOLDERS):
                        found.append(Mention(f"{doc.name}:{number}", methods - {""}, path))
    return found


def _expanded(raw: str) -> list[str]:
    """The path without query, fragment and trailing punctuation; `a|b` segments become two paths."""
    path = re.split(r"[?#]", raw)[0].rstrip(".,;:)")
    paths = [""]
    for segment in path.strip("/").split("/"):
        paths = [f"{p}/{choice}" for p in paths for choice in segment.split("|")]
    return [p if p != "/" else "/" for p in paths]


def _concrete(doc_path: str) -> str:
    """The path with a sample value for each placeholder segment."""
    segments = doc_path.strip("/").split("/")
    return "/" + "/".join("1" if any(m in s for m in ("{", "<", "...", "$")) else s for s in segments)


def routed(mention: Mention, app: FastAPI) -> bool:
    """Starlette's own matching: FULL is path and method, PARTIAL the path with another method."""
    wanted = {Match.FULL} if mention.methods else {Match.FULL, Match.PARTIAL}
    methods = mention.methods or {"GET"}
    return all(_match(app, _concrete(mention.path), method) in wanted for method in methods)


def _match(app: FastAPI, path: str, method: str) -> Match:
    scope = {
        "type": "http",
        "path": path,
        "method": method,
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }
    best = Match.NONE
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return match
        best = Match.PARTIAL if match is Match.PARTIAL else best
    return best


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return create_app(test_settings(tmp_path_factory.mktemp("docs")))


def test_every_path_the_docs_mention_is_a_route_of_the_app(app: FastAPI) -> None:
    found = [m for doc in DOCS for m in mentions(doc)]
    missing = [f"{m.where}: {'|'.join(sorted(m.methods))} {m.path}" for m in found if not routed(m, app)]
    assert len(found) > 20  # the docs are read at all
    assert missing == []


def test_the_check_notices_a_path_or_method_that_does_not_exist(
    app: FastAPI,
) -> None:
    assert routed(Mention("x", frozenset({"GET"}), "/v1/schedules/<id>/runs"), app)
    assert not routed(Mention("x", frozenset({"GET"}), "/schedules/<id>/runs"), app)
    assert not routed(Mention("x", frozenset({"PUT"}), "/v1/schedules"), app)
