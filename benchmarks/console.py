"""The console's first screen in headless Chromium with an empty cache, and the size of its own files.

    python benchmarks/console.py [--loads 10]

Starts an embedded PostgreSQL and Dash (development mode, loopback), then opens `/` in a fresh
browser context (empty cache) `--loads` times and waits for the Ask page's question box. Prints
p50/max of that time and of DOMContentLoaded, the time to draw a first chart (the chart libraries
load on demand), and the gzipped size of the console's own JavaScript, CSS and HTML next to the
vendored chart libraries. Needs Debian's chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from app.console import STATIC
from app.main import create_app
from core.settings import Settings
from db.embedded import EmbeddedPostgres
from db.engines import resolve_target
from tests.app.browser import ARGS, CHROMIUM
from tests.serve import serve

CHART = {
    "mark": {"type": "line", "point": True},
    "data": {"values": [{"month": f"2025-{m:02d}-01", "n": m * 3} for m in range(1, 13)]},
    "encoding": {"x": {"field": "month", "type": "temporal"}, "y": {"field": "n", "type": "quantitative"}},
}


def machine() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def gzipped(paths: list[Path]) -> int:
    return sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in paths)


def sizes() -> tuple[int, int]:
    """(the console's own files, the vendored chart libraries), gzipped bytes."""
    own = [p for p in STATIC.rglob("*") if p.suffix in (".js", ".css", ".html") and "vendor" not in p.parts]
    return gzipped(own), gzipped(sorted((STATIC / "vendor").glob("*.js")))


def first_screen(browser: Any, base: str) -> tuple[float, float]:
    """(seconds until the question box shows, DOMContentLoaded in seconds) with an empty cache."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(base + "/")
    page.wait_for_selector("#question", state="visible")
    shown = time.perf_counter() - started
    dom = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd") / 1000
    context.close()
    return shown, dom


def first_chart(browser: Any, base: str) -> float:
    """Seconds to load the chart libraries and draw one chart (SVG), in a fresh context."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_selector("#question")
    ms = page.evaluate(
        """async (spec) => {
            const t = performance.now();
            const target = document.createElement("div");
            document.body.append(target);
            await (await import("/console/chart.js")).renderChart(target, spec);
            if (!target.querySelector("svg")) throw new Error("no svg");
            return performance.now() - t;
        }""",
        CHART,
    )
    context.close()
    return float(ms) / 1000


def measure(base: str, loads: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        first_screen(browser, base)  # warm-up: Dash's own first requests, Chromium's start
        runs = [first_screen(browser, base) for _ in range(loads)]
        chart = first_chart(browser, base)
        browser.close()
    shown, dom = [r[0] * 1000 for r in runs], [r[1] * 1000 for r in runs]
    own, vendor = sizes()
    print(
        f"first screen (Ask page usable), empty cache, {loads} loads: p50 {statistics.median(shown):.0f} ms, max {max(shown):.0f} ms"
    )
    print(f"DOMContentLoaded: p50 {statistics.median(dom):.0f} ms, max {max(dom):.0f} ms")
    print(f"first chart (load vega + vega-lite + vega-embed, draw SVG): {chart * 1000:.0f} ms")
    print(
        f"console's own JS+CSS+HTML gzipped: {own / 1024:.1f} KiB (goal < 150 KB); vendored chart libraries gzipped: {vendor / 1024:.0f} KiB, loaded only with a chart"
    )
    print(machine())


def run(home: Path, loads: int) -> None:
    database = EmbeddedPostgres(home, fast_unsafe=True)
    database.ensure_started()
    try:
        settings = Settings(_env_file=None, dash_home=home, database_url=None, scheduler_enabled=False)  # type: ignore[call-arg]
        with serve(create_app(settings, resolve_target(settings))) as base:
            measure(base, loads)
    finally:
        database.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description="Console first screen load time and size.")
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    run(home, args.loads)


if __name__ == "__main__":
    main()
