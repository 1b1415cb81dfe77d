"""Pure tests: Markdown → Slack mrkdwn, and which Slack events Dash answers."""

from __future__ import annotations

from typing import Any

import pytest

from app.slack.events import Verdict, classify, question
from app.slack.mrkdwn import shorten, sql_block, sql_script, to_mrkdwn


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**MRR** is up", "*MRR* is up"),
        ("__also__ bold", "*also* bold"),
        ("## Revenue by plan", "*Revenue by plan*"),
        ("# **Already bold**", "*Already bold*"),
        ("see [the docs](https://example.com/a)", "see <https://example.com/a|the docs>"),
        ("plain *italic* text", "plain *italic* text"),
        ("```\n**not touched** [x](https://y.z)\n```", "```\n**not touched** [x](https://y.z)\n```"),
    ],
)
def test_inline_markdown_becomes_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_a_markdown_table_becomes_an_aligned_code_block() -> None:
    table = "Plans:\n| plan | **mrr** |\n|:-----|-----:|\n| pro | 1200 |\n| starter | 90 |\nDone."
    assert to_mrkdwn(table) == "Plans:\n```\nplan     mrr\npro      1200\nstarter  90\n```\nDone."


def test_long_text_is_shortened_to_whole_lines_with_the_note_and_code_blocks_closed() -> None:
    long = "Rows:\n```\n" + "".join(f"row {n:04d}\n" for n in range(2000)) + "```"
    cut = shorten(long, "_(see the file)_", limit=500)
    assert len(cut) <= 500 and cut.endswith("```\n_(see the file)_") and cut.count("```") == 2
    assert cut.startswith("Rows:\n```\nrow 0000\n")
    assert all(line == "```" or len(line) == 8 for line in cut.splitlines()[2:-1])  # no row cut in half
    assert shorten("short", "_(note)_", limit=500) == "short"


def test_one_long_line_is_cut_where_the_room_ends() -> None:
    cut = shorten("x" * 1000, "_(note)_", limit=100)
    assert len(cut) <= 100 and cut.startswith("x" * 80) and cut.endswith("\n_(note)_")


def test_the_sql_block_lists_every_statement() -> None:
    assert sql_block(("SELECT 1;", "SELECT 2")) == "SQL that ran:\n```\nSELECT 1;\n\nSELECT 2;\n```"
    assert sql_script(("SELECT 1;", "SELECT 2")) == "SELECT 1;\n\nSELECT 2;"


BASE: dict[str, Any] = {"type": "message", "user": "U1", "channel": "C1", "ts": "2.0", "text": "hi"}


@pytest.mark.parametrize(
    ("event", "verdict"),
    [
        ({"type": "app_mention", "user": "U1", "text": "<@UDASH> hi"}, Verdict.answer),
        ({**BASE, "channel_type": "im"}, Verdict.answer),
        ({**BASE, "channel_type": "im", "bot_id": "B1"}, Verdict.ignore),
        ({**BASE, "channel_type": "im", "subtype": "message_changed"}, Verdict.ignore),
        ({**BASE, "channel_type": "im", "subtype": "message_deleted"}, Verdict.ignore),
        ({**BASE, "channel_type": "im", "user": "UDASH"}, Verdict.ignore),
        ({**BASE, "channel_type": "channel"}, Verdict.ignore),
        ({**BASE, "channel_type": "channel", "thread_ts": "1.0"}, Verdict.maybe_thread),
        ({**BASE, "thread_ts": "1.0", "text": "<@UDASH> again"}, Verdict.ignore),  # comes as app_mention
    ],
)
def test_which_events_dash_answers(event: dict[str, Any], verdict: Verdict) -> None:
    assert classify(event, "UDASH") is verdict


def test_a_question_maps_to_thread_session_and_user_ids() -> None:
    q = question(
        {"channel": "C1", "user": "U1", "ts": "2.0", "thread_ts": "1.0", "text": "<@UDASH>  why?"}, "T1"
    )
    assert (q.text, q.thread_ts, q.user_id) == ("why?", "1.0", "slack:T1:U1")
    assert (q.thread_session, q.own_session) == ("slack:T1:C1:1.0", "slack:T1:C1:1.0:U1")
    assert question({**BASE}, "T1").thread_ts == "2.0"
