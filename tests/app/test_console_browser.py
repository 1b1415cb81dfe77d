"""The console in a real headless Chromium against a real Dash and the scripted model server.

Screenshots of every page at 1280×800 and at phone width go to artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.app import browser as chromium
from tests.app.api_fixtures import Api
from tests.app.browser import PHONE, Tab, needs_chromium
from tests.fakes.model_server import FakeModelServer, call, text, tools

pytestmark = needs_chromium
browser = chromium.browser  # the module's Chromium fixture

BY_MONTH = (
    "SELECT d::date AS month, (extract(month FROM d) * 3 + 10)::int AS signups "
    "FROM generate_series('2025-01-01'::date, '2025-06-01'::date, interval '1 month') AS d"
)
ANSWER = "Signups grew every month, from 13 in January to 28 in June."
PAGES = ("sessions", "knowledge", "learnings", "schedules", "audit", "health")


def _script_chart_answer(model: FakeModelServer) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "Signups by month?"})),
        tools(call("run_sql", {"sql": BY_MONTH, "purpose": "signups by month"})),
        text("Signups rose each month."),
        text(ANSWER, chunk_size=6, chunk_delay=0.01),
    )


def _ask(tab: Tab, question: str) -> Any:
    page = tab.page
    page.fill("#question", question)
    page.click("form.ask button[type=submit]")
    page.wait_for_selector("article.msg.bot p.links a")  # the trace link comes with the final event
    return page


def test_an_admin_signs_in_asks_and_sees_answer_sql_table_chart_and_trace(
    api: Api,
    model: FakeModelServer,
    browser: Any,
) -> None:
    key = api.key("alice", "admin")
    _script_chart_answer(model)
    tab = Tab(browser, api.base)
    tab.sign_in(key)
    page = _ask(tab, "How did signups go by month?")
    assert page.inner_text("article.msg.bot .answer-text") == ANSWER
    page.wait_for_selector(".chart svg")  # vega drew the line chart
    assert page.locator(".chart svg path").count() > 0
    assert page.locator("table.data tbody tr").count() == 6
    page.click("table.data th >> text=signups")  # sort ascending, then descending
    page.click("table.data th >> text=signups")
    assert page.inner_text("table.data tbody tr:first-child td:last-child") == "28"
    page.click("details.sql summary")
    assert "generate_series" in page.inner_text("details.sql pre")
    tab.shot("ask")
    page.click("text=Open the trace")
    page.wait_for_selector("ol.timeline")
    timeline = page.inner_text("ol.timeline")
    assert "Leader → analyst" in timeline and "analyst: model call" in timeline
    assert "decision: allowed · 6 rows · chart: line" in timeline and "generate_series" in timeline
    tab.shot("trace")
    for name in PAGES:
        page.goto(f"{api.base}/#/{name}")
        page.wait_for_selector("main h1")
        page.wait_for_load_state("networkidle")
        assert page.locator(".error").count() == 0, page.inner_text("main")
        tab.shot(name)
    assert tab.errors == []
    tab.close()


def test_every_page_works_at_phone_width_with_the_keyboard(
    api: Api,
    model: FakeModelServer,
    browser: Any,
) -> None:
    key = api.key("alice", "admin")
    _script_chart_answer(model)
    tab = Tab(browser, api.base, dict(PHONE))
    tab.sign_in(key)
    page = tab.page
    page.focus("#question")
    page.keyboard.type("How did signups go by month?")
    page.keyboard.press("Control+Enter")  # ask without the mouse
    page.wait_for_selector(".chart svg")
    page.wait_for_selector("article.msg.bot p.links a")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nothing is wider than the phone's screen"
    tab.shot("ask")
    page.click("text=Open the trace")
    page.wait_for_selector("ol.timeline")
    tab.shot("trace")
    for name in PAGES:
        page.goto(f"{api.base}/#/{name}")
        page.wait_for_selector("main h1")
        page.wait_for_load_state("networkidle")
        tab.shot(name)
    page.goto(f"{api.base}/#/sessions")
    page.reload()  # a fresh load: focus starts at the top of the page
    page.wait_for_selector("main table")
    page.keyboard.press("Tab")  # the skip link first, then the pages
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ask"
    page.keyboard.press("Enter")  # links work from the keyboard
    page.wait_for_selector("#question:focus")
    page.goto(f"{api.base}/#/ask")
    assert tab.errors == []
    tab.close()


def test_a_viewer_sees_no_admin_pages_and_their_apis_answer_403(
    api: Api,
    browser: Any,
) -> None:
    key = api.key("victor", "viewer")
    tab = Tab(browser, api.base)
    tab.sign_in(key)
    page = tab.page
    assert page.locator("#nav a").all_inner_texts() == ["Ask", "Sessions", "Health"]
    page.goto(f"{api.base}/#/sessions")
    page.wait_for_selector("text=No sessions yet")
    page.goto(f"{api.base}/#/audit")
    page.wait_for_selector("text=Not here")
    assert not [url for url in tab.requests if "/vendor/" in url], "chart libraries load only with a chart"
    assert tab.errors == []  # the console itself never asked for what a viewer may not see
    statuses = page.evaluate(
        """async (key) => Promise.all(["/v1/audit", "/v1/schedules", "/v1/learnings"].map(
            (p) => fetch(p, {headers: {Authorization: `Bearer ${key}`}}).then((r) => r.status)))""",
        key,
    )
    assert statuses == [403, 403, 403]
    tab.close()


def test_a_second_user_does_not_see_the_first_users_sessions(
    api: Api,
    model: FakeModelServer,
    browser: Any,
) -> None:
    alice, bob = api.key("alice", "analyst"), api.key("bob", "analyst")
    model.script(text("Hello Alice."))
    with httpx.Client(base_url=api.base, headers={"Authorization": f"Bearer {alice}"}, timeout=30) as http:
        asked = http.post("/v1/ask", json={"message": "Alice's private question", "stream": False}).json()
    tab = Tab(browser, api.base)
    tab.sign_in(bob)
    page = tab.open("#/sessions")
    page.wait_for_selector("text=No sessions yet")
    assert "Alice's private question" not in page.inner_text("main")
    page.goto(f"{api.base}/#/sessions/{asked['session_id']}")
    page.wait_for_selector("main .error")
    assert "does not exist" in page.inner_text("main .error")
    tab.close()


def test_a_wrong_key_is_refused_and_nothing_is_kept(api: Api, browser: Any) -> None:
    api.key("alice", "admin")
    tab = Tab(browser, api.base)
    page = tab.open()
    page.fill("#token", "dash_not_a_real_key")
    page.click("button[type=submit]")
    page.wait_for_selector("text=not valid")
    assert page.evaluate("sessionStorage.getItem('dash.token')") is None
    tab.close()


def test_a_slow_answer_can_be_cancelled_and_a_result_downloaded_as_csv(
    api: Api,
    model: FakeModelServer,
    browser: Any,
) -> None:
    key = api.key("alice", "analyst")
    _script_chart_answer(model)
    model.script(text("word " * 400, chunk_size=4, chunk_delay=0.05))  # about 5 s of streaming
    tab = Tab(browser, api.base)
    tab.sign_in(key)
    page = _ask(tab, "How did signups go by month?")
    with page.expect_download() as download:
        page.click("text=Download CSV")
    csv = Path(download.value.path()).read_text()
    assert csv.splitlines()[:2] == ["month,signups", "2025-01-01,13"]
    page.fill("#question", "Tell me a long story")
    page.click("form.ask button[type=submit]")
    page.wait_for_selector("article.msg.bot:nth-of-type(2) .answer-text:not(:empty)")
    page.click("text=Cancel")
    page.wait_for_selector("text=Cancelled")
    assert page.locator("form.ask button", has_text="Cancel").is_hidden()
    assert tab.errors == []
    tab.close()


def test_a_dropped_stream_is_resumed_after_the_last_event_and_the_answer_arrives_whole(
    api: Api,
    model: FakeModelServer,
    browser: Any,
) -> None:
    key = api.key("alice", "analyst")
    _script_chart_answer(model)
    tab = Tab(browser, api.base)
    tab.sign_in(key)
    cut: list[int] = []

    def drop_after_a_few_events(route: Any) -> None:
        """The real response, but the connection "drops" after the fourth event."""
        body = route.fetch().text()
        blocks = body.split("\n\n")
        cut.append(len(blocks))
        route.fulfill(
            status=200, headers={"content-type": "text/event-stream"}, body="\n\n".join(blocks[:4]) + "\n\n"
        )

    tab.page.route("**/v1/ask", drop_after_a_few_events)
    page = _ask(tab, "How did signups go by month?")
    assert cut and cut[0] > 6, "the stream really was cut short"
    assert page.inner_text("article.msg.bot .answer-text") == ANSWER
    assert any("/events?after=" in url for url in tab.requests)
    page.wait_for_selector(".chart svg")
    assert tab.errors == []
    tab.close()
