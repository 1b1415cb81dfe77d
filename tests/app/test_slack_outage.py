"""Slack with the database down: a question put to Dash is told why it gets no answer; the event
was acknowledged, and nothing else is posted."""

from __future__ import annotations

import time

import httpx

from app.main import create_app
from db.embedded import EmbeddedPostgres
from db.engines import resolve_target
from tests.app.slack_helpers import SIGNING_SECRET, envelope, mention, reply, signed_headers
from tests.conftest import test_settings
from tests.fakes.slack_web import fake_slack_web
from tests.serve import serve


def test_a_question_while_the_database_is_down_gets_an_apology_in_its_thread(
    own_server: EmbeddedPostgres,
) -> None:
    server, home = own_server, own_server.home
    with fake_slack_web() as slack:
        settings = test_settings(
            home,
            openai_base_url="http://127.0.0.1:9/v1",  # never reached
            slack_bot_token="xoxb-test",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
        )
        app = create_app(settings, resolve_target(settings))
        with serve(app) as base:
            server.stop()
            for event, event_id in [
                (mention("What is MRR?", ts="500.0001"), "Ev1"),
                (reply("and churn?", thread_ts="600.0001"), "Ev2"),  # Dash may not be in it
            ]:
                body = envelope(event, event_id)
                acked = httpx.post(f"{base}/slack/events", content=body, headers=signed_headers(body))
                assert acked.status_code == 200
            deadline = time.monotonic() + 20
            while app.state.slack.tasks:
                assert time.monotonic() < deadline, "Slack answers still running"
                time.sleep(0.05)
        posted = [(c.params["channel"], c.params.get("thread_ts"), c.params["text"]) for c in slack.posted()]
    assert posted == [
        (
            "C1",
            "500.0001",
            "Sorry, I could not answer that: my database is not reachable right now (an admin can check"
            " `dash db status`). Please try again in a moment.",
        )
    ]
