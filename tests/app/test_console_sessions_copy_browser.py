"""The console's "Copy SQL" puts the statement on the clipboard, and the Sessions list pages on with
"Show more" (the API's next_cursor) until every session is shown, in a real Chromium."""

from __future__ import annotations

from typing import Any

from db.store import Store
from tests.app import browser as chromium
from tests.app.api_fixtures import Api
from tests.app.browser import Tab, needs_chromium
from tests.fakes.model_server import FakeModelServer, call, text, tools

pytestmark = needs_chromium
browser = chromium.browser  # the module's Chromium fixture

SQL = "SELECT 7 AS answer"


def test_copy_sql_puts_the_statement_on_the_clipboard(api: Api, model: FakeModelServer, browser: Any) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "The answer?"})),
        tools(call("run_sql", {"sql": SQL, "purpose": "the answer"})),
        text("It is 7."),
        text("The answer is 7."),
    )
    tab = Tab(browser, api.base)
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=api.base)
    tab.sign_in(api.key("alice", "analyst"))
    page = tab.page
    page.fill("#question", "What is the answer?")
    page.click("form.ask button[type=submit]")
    page.wait_for_selector("article.msg.bot p.links a")
    page.click("details.sql summary")
    page.click("button >> text=Copy SQL")
    page.wait_for_selector("button >> text=Copied")
    assert page.evaluate("navigator.clipboard.readText()") == SQL
    assert tab.errors == []
    tab.close()


def test_the_sessions_list_shows_more_until_every_session_is_listed(api: Api, browser: Any) -> None:
    store = Store(api.engine)
    titles = [f"Question number {n:02d}" for n in range(60)]
    for title in titles:
        store.create_or_get_session("carol", title=title)
    tab = Tab(browser, api.base)
    tab.sign_in(api.key("carol", "viewer"))
    page = tab.open("#/sessions")
    rows = page.locator("main tbody tr")
    page.wait_for_selector("text=25 shown")
    page.click("button >> text=Show more")
    page.wait_for_selector("text=50 shown")
    page.keyboard.press("Enter")  # focus stayed on the button: the keyboard pages on too
    page.wait_for_selector("text=60 shown")
    assert page.locator("button >> text=Show more").count() == 0
    assert sorted(rows.locator("td:first-child").all_inner_texts()) == titles
    tab.shot("sessions-paged")
    assert tab.errors == []
    tab.close()
