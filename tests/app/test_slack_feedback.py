"""Feedback in Slack over real HTTP: a reaction on Dash's answer is stored feedback on its run; a
reply that corrects the answer becomes the user's learning, used in their next session."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text as sql_text

from app.slack.feedback import ASK_WHY
from tests.app.slack_helpers import SlackDash, mention, reply
from tests.fakes.model_server import FakeModelServer, call, text, tools

SQL = "SELECT 100 AS revenue"
RULE = "Revenue must exclude refunded invoices."
QUESTION = "What was revenue last month?"


def _answer(dash: SlackDash, model: FakeModelServer, ts: str, user: str = "U1") -> str:
    """Ask in a new thread; the ts of Dash's answer message."""
    model.script(
        tools(call("ask_analyst", {"question": QUESTION})),
        tools(call("run_sql", {"sql": SQL, "purpose": "revenue"})),
        text("Revenue was 100."),
        text("Revenue last month was 100."),
    )
    dash.event(mention(QUESTION, user=user, ts=ts), f"Ev{ts}")
    dash.idle()
    return str(dash.slack.calls_to("chat.update")[-1].params["ts"])


def _reaction(name: str, message_ts: str, user: str = "U1") -> dict[str, Any]:
    item = {"type": "message", "channel": "C1", "ts": message_ts}
    return {"type": "reaction_added", "user": user, "reaction": name, "item": item, "event_ts": "1.1"}


def _feedback(dash: SlackDash) -> list[tuple[str, str, str, list[str]]]:
    with dash.api.engine.connect() as conn:
        rows = conn.execute(sql_text("SELECT user_id, rating, source, sql FROM ai.feedback ORDER BY id"))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_thumbs_up_on_the_answer_is_stored_once_and_only_from_its_asker(
    dash: SlackDash, model: FakeModelServer
) -> None:
    answer_ts = _answer(dash, model, "300.0001")
    dash.event(_reaction("+1::skin-tone-2", answer_ts), "EvR1")
    dash.event(_reaction("+1::skin-tone-2", answer_ts), "EvR1", retry=1)
    dash.event(_reaction("thumbsup", answer_ts, user="U2"), "EvR2")  # not U2's answer
    dash.event(_reaction("tada", answer_ts), "EvR3")  # not a rating
    dash.idle()
    assert _feedback(dash) == [("slack:T1:U1", "up", "slack", [SQL])]


def test_a_thumbs_down_then_a_reply_saying_why_becomes_a_learning_used_in_the_next_session(
    dash: SlackDash, model: FakeModelServer
) -> None:
    answer_ts = _answer(dash, model, "400.0001")
    dash.event(_reaction("-1", answer_ts), "EvR1")
    dash.idle()
    assert dash.slack.posted()[-1].params["text"] == ASK_WHY
    model.reset()
    model.script(
        text(json.dumps({"correction": True, "title": "Revenue excludes refunds", "learning": RULE})),
        tools(call("ask_analyst", {"question": "revenue last month without refunds"})),
        text("It was 90."),
        text("Without refunds it was 90."),
    )
    dash.event(reply("revenue must exclude refunds", thread_ts="400.0001", ts="401.0001"), "Ev2")
    dash.idle()
    texts = [c.params["text"] for c in dash.slack.posted()]
    assert any(RULE in t and "Noted" in t for t in texts) and texts[-1] == "Without refunds it was 90."
    assert RULE in str(model.chat_requests[2].messages)  # the Analyst re-answering has the learning
    with dash.api.engine.connect() as conn:
        made = conn.execute(
            sql_text("SELECT namespace, created_by_agent, created_by_user, created_by_run FROM ai.learnings")
        ).one()
        rated = conn.execute(sql_text("SELECT rating, comment, learning_id FROM ai.feedback")).one()
    assert tuple(made)[:3] == ("user:slack:T1:U1", "corrections", "slack:T1:U1") and made.created_by_run
    assert rated.rating == "down" and rated.comment == "revenue must exclude refunds" and rated.learning_id

    model.reset()
    _answer(dash, model, "500.0001", user="U2")  # someone else: not their learning
    assert RULE not in str(model.chat_requests)
    model.reset()
    _answer(dash, model, "600.0001")  # the same person, a new thread: the learning is in context
    assert any(RULE in str(r.messages) for r in model.chat_requests)


def test_a_reply_opening_like_a_correction_is_one_and_a_plain_follow_up_is_not(
    dash: SlackDash, model: FakeModelServer
) -> None:
    _answer(dash, model, "700.0001")
    model.reset()
    model.script(text("It was 80 the month before."))
    dash.event(reply("And the month before?", thread_ts="700.0001", ts="701.0001"), "Ev2")
    dash.idle()
    assert len(model.chat_requests) == 1  # no correction call for a plain follow-up
    model.reset()
    model.script(text(json.dumps({"correction": False})), text("Churn was 2%."))
    dash.event(reply("Actually, what about churn?", thread_ts="700.0001", ts="702.0001"), "Ev3")
    dash.idle()
    assert dash.slack.posted()[-1].params["text"] == "Churn was 2%."
    model.reset()
    model.script(text(json.dumps({"title": "Revenue excludes refunds", "learning": RULE})), text("90."))
    dash.event(reply("No - revenue must exclude refunds", thread_ts="700.0001", ts="703.0001"), "Ev4")
    dash.idle()
    with dash.api.engine.connect() as conn:
        assert conn.execute(sql_text("SELECT learning FROM ai.learnings")).scalars().all() == [RULE]
