"""The console's Knowledge tables and views, and the schedule form's live cron check, in a real Chromium.

Screenshots (1280×800 and phone width) go to artifacts/screenshots/ like the other pages'.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.app import browser as chromium
from tests.app.api_fixtures import Api
from tests.app.browser import PHONE, Tab, needs_chromium
from tests.app.catalog_helpers import prepare_catalog

pytestmark = needs_chromium
browser = chromium.browser  # the module's Chromium fixture


def test_an_analyst_browses_filters_and_opens_a_tables_profile(
    start_api: Callable[..., Api], tmp_path: Path, browser: Any
) -> None:
    api = start_api(knowledge_path=tmp_path, draft_exclude_columns="customers.industry")
    prepare_catalog(api, api.key("root", "admin"))
    for viewport in ({"width": 1280, "height": 800}, dict(PHONE)):
        tab = Tab(browser, api.base, viewport)
        tab.sign_in(api.key("ana", "analyst"))
        page = tab.open("#/knowledge")
        rows = page.locator("section.tables tbody tr")
        rows.first.wait_for()
        assert rows.count() == 4
        page.fill("#tfilter", "per plan")
        assert rows.all_inner_texts() == [
            "dash.plan_mix\tview\tbuilt by the Engineer\tSubscriptions per plan\t\t2\t"
        ]
        page.fill("#tfilter", "paying company")
        assert rows.locator("td:first-child").all_inner_texts() == ["customers"]
        page.fill("#tfilter", "")
        tab.shot("knowledge-tables")
        page.click("section.tables a >> text=subscriptions")
        page.wait_for_selector("main h1 >> text=subscriptions")
        facts = page.inner_text("dl.facts")
        assert "Primary key\nsubscription_id" in facts and "customer_id → customers.customer_id" in facts
        page.click("ul.joins a >> text=customers")  # a join leads to the other table
        page.wait_for_selector("main h1 >> text=customers")
        industry = page.locator("tr", has_text="industry").inner_text()
        assert "withheld: personal data" in industry
        assert "1-10" in page.locator("tr", has_text="company_size").inner_text()
        if viewport == PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        tab.shot("knowledge-table")
        assert tab.errors == []
        tab.close()


def test_a_viewer_has_no_tables_page_and_its_api_answers_403(api: Api, browser: Any) -> None:
    key = api.key("victor", "viewer")
    tab = Tab(browser, api.base)
    tab.sign_in(key)
    page = tab.open("#/knowledge/tables/customers")
    page.wait_for_selector("text=Not here")
    assert tab.errors == []  # the console never asked for what a viewer may not see
    status = page.evaluate(
        "async (key) => (await fetch('/v1/knowledge/tables', {headers: {Authorization: `Bearer ${key}`}})).status",
        key,
    )
    assert status == 403
    tab.close()


def test_the_schedule_form_checks_the_cron_and_lists_next_firings_while_typing(
    api: Api, browser: Any
) -> None:
    for viewport in ({"width": 1280, "height": 800}, dict(PHONE)):
        tab = Tab(browser, api.base, viewport)
        tab.sign_in(api.key("root", "admin"))
        page = tab.open("#/schedules")
        page.wait_for_selector("ol.fires li")  # the default cron's firings, at once
        cron = page.locator("#s-cron")
        cron.fill("")
        cron.press_sequentially("0 8 30 2 *", delay=40)
        page.wait_for_selector("#s-fires .error >> text=never fires")
        assert cron.get_attribute("aria-invalid") == "true"
        typed = len("30 6 * * 1-5")
        before = _previews(tab)
        cron.fill("")
        cron.press_sequentially("30 6 * * 1-5", delay=40)
        page.fill("#s-tz", "Europe/Berlin")
        page.wait_for_selector("#s-fires >> text=Next firings (Europe/Berlin)")
        fires = page.locator("ol.fires li").all_inner_texts()
        assert len(fires) == 5 and all("06:30" in f for f in fires), fires
        assert not any(day in f for f in fires for day in ("Sat", "Sun"))
        assert _previews(tab) - before < typed, "typing is debounced, not one request per key"
        assert cron.get_attribute("aria-invalid") is None
        tab.shot("schedules-new")
        # Chromium logs each 422 answer as a failed load; the page itself raised nothing.
        assert all("status of 422" in e for e in tab.errors), tab.errors
        tab.close()


def _previews(tab: Tab) -> int:
    return sum("/v1/schedules/preview" in url for url in tab.requests)
