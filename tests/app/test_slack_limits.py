"""Slack keeps the same limits as REST (one question length cap, per-user run limits) and says so
politely in the thread, without running or storing anything."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from core.settings import Settings
from tests.app.api_fixtures import Api
from tests.app.slack_helpers import SIGNING_SECRET, SlackDash, mention
from tests.fakes.model_server import FakeModelServer, text
from tests.fakes.slack_web import fake_slack_web


def test_a_question_over_the_length_cap_gets_a_polite_reply_and_no_run(
    dash: SlackDash, model: FakeModelServer
) -> None:
    cap = Settings.model_fields["question_max_chars"].default
    dash.event(mention("x" * (cap + 1), ts="700.0001"), "Ev1")
    dash.idle()
    posted = [c.params for c in dash.slack.posted()]
    assert len(posted) == 1 and posted[0]["thread_ts"] == "700.0001"
    assert posted[0]["text"].startswith("Sorry, I can't take that question:")
    assert f"the limit is {cap:,}" in posted[0]["text"]
    assert model.chat_requests == []
    assert dash.api.app.state.store.list_sessions("slack:T1:U1").items == []


@pytest.fixture
def one_a_minute(start_api: Callable[..., Api]) -> Iterator[SlackDash]:
    with fake_slack_web() as slack:
        api = start_api(
            slack_bot_token="xoxb-test",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
            user_questions_per_minute=1,
        )
        yield SlackDash(api, slack)


def test_a_user_over_the_per_minute_limit_is_asked_politely_to_wait(
    one_a_minute: SlackDash, model: FakeModelServer
) -> None:
    dash = one_a_minute
    model.script(text("MRR was 42."))
    dash.event(mention("What is MRR?", ts="800.0001"), "Ev1")
    dash.idle()
    dash.event(mention("And churn?", ts="900.0001"), "Ev2")
    dash.idle()
    texts = [c.params["text"] for c in dash.slack.posted()]
    threads = [c.params["thread_ts"] for c in dash.slack.calls_to("chat.postMessage")]
    assert threads == ["800.0001", "900.0001"]
    assert "MRR was 42." in texts
    assert texts[-1].startswith("You have asked me a lot at once") and "seconds" in texts[-1]
    assert len(model.chat_requests) == 1
