"""Slack with the whole team: user-scoped learnings stay per Slack user; progress and the SQL shown."""

from __future__ import annotations

from sqlalchemy import text as sql_text

from tests.app.slack_helpers import SlackDash, mention
from tests.fakes.model_server import FakeModelServer, call, delay, text, tools

LEARNING = "U1 wants revenue in euros, never dollars"


def _delegate_and_answer(model: FakeModelServer) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "revenue last month"})),
        text("It was 42."),
        text("Revenue: 42."),
    )


def test_two_users_in_one_channel_do_not_share_user_scoped_learnings(
    dash: SlackDash, model: FakeModelServer
) -> None:
    save = {"title": "revenue currency", "learning": LEARNING, "scope": "user"}
    model.script(
        tools(call("ask_analyst", {"question": "revenue, in euros please"})),
        tools(call("save_learning", save)),
        text("Saved."),
        text("Noted: euros from now on."),
    )
    dash.event(mention("Revenue in euros from now on, please", user="U1", ts="400.0001"), "Ev1")
    dash.idle()
    with dash.api.engine.connect() as conn:
        namespaces = conn.execute(
            sql_text("SELECT namespace FROM ai.learnings WHERE learning = :l"), {"l": LEARNING}
        )
        assert namespaces.scalars().all() == ["user:slack:T1:U1"]

    model.reset()
    _delegate_and_answer(model)
    dash.event(mention("What was revenue last month?", user="U2", ts="500.0001"), "Ev2")
    dash.idle()
    assert model.chat_requests and not any(LEARNING in str(r.messages) for r in model.chat_requests)

    model.reset()
    _delegate_and_answer(model)
    dash.event(mention("What was revenue last month?", user="U1", ts="600.0001"), "Ev3")
    dash.idle()
    assert any(LEARNING in str(r.messages) for r in model.chat_requests)


def test_progress_is_shown_and_the_sql_that_ran_follows_the_answer(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "count one"})),
        delay(1.2, tools(call("run_sql", {"sql": "SELECT 1 AS one"}))),
        text("One row."),
        text("The answer is **1**."),
    )
    dash.event(mention("Count one", ts="700.0001"), "Ev1")
    dash.idle()
    texts = [c.params["text"] for c in dash.slack.posted()]
    assert texts[0] == "Working on it…"
    assert any("running SQL" in t for t in texts[1:-2]), texts
    assert texts[-2] == "The answer is *1*."
    assert texts[-1].startswith("SQL that ran:\n```") and "SELECT 1 AS one" in texts[-1]
    assert dash.slack.calls_to("chat.postMessage")[-1].params["thread_ts"] == "700.0001"
