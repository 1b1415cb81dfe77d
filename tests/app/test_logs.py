"""LOG_FORMAT=json: one JSON object per line, with the run, session and user ids; no question text."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from app.logs import JsonFormatter
from tests.app.api_fixtures import Api
from tests.fakes.model_server import FakeModelServer, text

QUESTION = "Which customers of the secret Zanzibar project churned?"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above while the test runs, formatted as JSON lines."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_run_lines_carry_run_session_and_user_ids_and_never_the_question(
    api: Api, model: FakeModelServer, json_log: io.StringIO
) -> None:
    key = api.key("alice", "viewer")
    model.script(text("Nobody churned."))
    with api.client(key) as http:
        body = http.post("/v1/ask", json={"message": QUESTION, "stream": False}).json()
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    mine = [line for line in lines if line.get("run_id") == body["run_id"]]
    assert {line["message"] for line in mine} >= {"run started", "run ended: run_completed"}
    assert all(line["session_id"] == body["session_id"] and line["user_id"] == "alice" for line in mine)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert "Zanzibar" not in json_log.getvalue()
    assert key not in json_log.getvalue()


def test_dash_logs_json_from_a_fresh_process_and_access_lines_drop_the_query() -> None:
    script = (
        "import logging, logging.config\n"
        "from app.logs import logging_config\n"
        "from core.settings import Settings\n"
        "logging.config.dictConfig(logging_config(Settings()))\n"
        "logging.getLogger('agents.team').info('run started')\n"
        "logging.getLogger('uvicorn.access').info("
        "'%s - \"%s %s HTTP/%s\" %d', '10.0.0.1:5', 'GET', '/v1/knowledge/search?q=zanzibar', '1.1', 200)\n"
    )
    env = {"LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert lines[0]["message"] == "run started" and lines[0]["level"] == "INFO"
    assert lines[1]["path"] == "/v1/knowledge/search" and lines[1]["status"] == 200
    assert "zanzibar" not in done.stderr
