"""A real headless Chromium (Debian's package, never a downloaded browser) driven by Playwright.

`browser` is one Chromium for the test module; `Tab` opens a page at a viewport size, records
console errors and failed requests, and saves screenshots under artifacts/screenshots/ (CI keeps
that folder). Tests skip with the reason when /usr/bin/chromium is missing; CI installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("DASH_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).parents[2] / "artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """One browser context (its own sessionStorage) and page; errors are collected, not ignored."""

    browser: Any
    base: str
    viewport: dict[str, int] = field(default_factory=lambda: dict(DESKTOP))
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.context = self.browser.new_context(viewport=self.viewport)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("console", self._console)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self, hash_: str = "") -> Any:
        self.page.goto(f"{self.base}/{hash_}")
        return self.page

    def sign_in(self, key: str) -> None:
        self.open()
        self.page.fill("#token", key)
        self.page.click("button[type=submit]")
        self.page.wait_for_selector("#nav a")

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.viewport['width']}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
