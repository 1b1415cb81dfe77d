"""Slack answers and SQL too long for one message: the beginning in the thread, the whole as a file."""

from __future__ import annotations

import pytest

from app.slack.mrkdwn import MAX_CHARS
from tests.app.slack_helpers import SlackDash, mention
from tests.fakes.model_server import FakeModelServer, call, text, tools

ROWS = "".join(f"| customer {n:03d} | {n * 10} |\n" for n in range(400))
LONG_ANSWER = f"**Top customers** by MRR:\n\n| customer | mrr |\n|---|---:|\n{ROWS}\nThat is all of them."
LONG_SQL = "SELECT " + ", ".join(f"{n} AS column_{n}" for n in range(500))


def test_a_long_answer_is_shortened_in_the_thread_and_attached_whole_as_a_file(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(text(LONG_ANSWER))
    dash.event(mention("Who are our top customers?", ts="900.0001"), "Ev1")
    dash.idle()
    assert len(dash.slack.calls_to("chat.postMessage")) == 1  # the status, replaced by the answer
    answer = dash.slack.posted()[-1].params["text"]
    assert answer.startswith("*Top customers* by MRR:\n\n```\ncustomer      mrr\ncustomer 000  0\n")
    assert len(answer) <= MAX_CHARS
    assert answer.endswith(
        "```\n_(this is the beginning of the answer: the full answer is attached below as `answer.md`)_"
    )
    [file] = dash.slack.files()
    assert (file.filename, file.channel, file.thread_ts) == ("answer.md", "C1", "900.0001")
    assert file.content.decode() == LONG_ANSWER


@pytest.mark.parametrize(
    ("method", "error", "note_ends"),
    [
        (
            "files.getUploadURLExternal",
            "missing_scope",
            "add the `files:write` scope to the Dash Slack app and reinstall it)_",
        ),
        ("files.completeUploadExternal", "not_in_channel", "as a file; it is in the Dash session)_"),
    ],
    ids=["no-files-write-scope", "other-slack-error"],
)
def test_when_the_upload_fails_the_long_answer_is_truncated_with_a_note_saying_why(
    dash: SlackDash, model: FakeModelServer, method: str, error: str, note_ends: str
) -> None:
    dash.slack.fail(method, error)
    model.script(text(LONG_ANSWER))
    dash.event(mention("Who are our top customers?", ts="901.0001"), "Ev1")
    dash.idle()
    assert len(dash.slack.calls_to("chat.postMessage")) == 1
    answer = dash.slack.posted()[-1].params["text"]
    assert answer.startswith("*Top customers* by MRR:") and len(answer) <= MAX_CHARS
    assert answer.endswith(note_ends) and "truncated" in answer
    assert dash.slack.files() == []


def test_a_long_sql_follow_up_is_shortened_and_attached_as_query_sql(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "every column"})),
        tools(call("run_sql", {"sql": LONG_SQL})),
        text("500 columns."),
        text("There are **500** columns."),
    )
    dash.event(mention("Show me every column", ts="902.0001"), "Ev1")
    dash.idle()
    texts = [c.params["text"] for c in dash.slack.posted()]
    assert texts[-2] == "There are *500* columns."
    assert texts[-1].startswith("SQL that ran:\n```\nSELECT 0 AS column_0, 1 AS column_1")
    assert texts[-1].endswith(
        "```\n_(this is the beginning of the SQL: the full SQL is attached below as `query.sql`)_"
    )
    assert len(texts[-1]) <= MAX_CHARS
    [file] = dash.slack.files()
    assert (file.filename, file.channel, file.thread_ts) == ("query.sql", "C1", "902.0001")
    assert file.content.decode() == LONG_SQL + ";\n"
