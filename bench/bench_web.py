"""The weight and speed of the two sites' pages in headless Chromium, against the local stack (issue 13).

Each page is opened cold (the browser cache disabled, a new document), as a first visit would. For
every page: the JS+CSS bytes on the wire (gzip, as the local front and CloudFront send them), the font
bytes, the number of requests (the document, its modules, stylesheets, fonts, API calls and icon) and
the time to the first heading (``main h1`` with text, from the navigation's start) under a throttled
phone profile: Lighthouse's mobile figures, 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up and the
CPU slowed four times (Chromium DevTools: ``Network.emulateNetworkConditions``,
``Emulation.setCPUThrottlingRate``). The issue's "before" figures (citizen 65.3 KB / 30 requests,
officer 37.9 KB / 25 requests, fonts two TTFs, 180 KB raw) are printed beside them.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: (name, path on the front, issue 13's "before": JS+CSS gz KB, requests) — None where the issue gave none.
PAGES: tuple[tuple[str, str, tuple[float, int] | None], ...] = (
    ("citizen: home (first page)", "/#/", (65.3, 30)),
    ("citizen: a service", "/#/services/food-shop", None),
    ("citizen: sign in", "/#/signin", None),
    ("citizen: licence register", "/#/register", None),
    ("citizen: verify a document", "/#/verify", None),
    ("citizen: announcements", "/#/announcements", None),
    ("officer: sign in (first page)", "/officer/#/requests", (37.9, 25)),
)
#: Lighthouse's "slow 4G" mobile profile.
PHONE_NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
PHONE_CPU_SLOWDOWN = 4
BUDGET_KB = 50.0

# Before the page's own code: the time the first heading with text appears, from the navigation's start.
FIRST_HEADING = """
new MutationObserver((_, observer) => {
  const heading = document.querySelector("main h1");
  if (heading && heading.textContent.trim()) {
    window.__firstHeadingMs = performance.now();
    observer.disconnect();
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""
RESOURCES = """
return performance.getEntriesByType("resource").map((e) => ({
  name: e.name, encoded: e.encodedBodySize, transfer: e.transferSize, kind: e.initiatorType,
}));
"""


@dataclass(frozen=True)
class PageWeight:
    name: str
    js_css_gz: int
    fonts: int
    font_files: tuple[str, ...]
    requests: int
    first_heading_ms: float
    before: tuple[float, int] | None


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--window-size=412,915",
        "--lang=th-TH",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.binary_location = str(CHROMIUM)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(60)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_HEADING})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _open_cold(driver: Any, url: str) -> None:
    """A new document at url (about:blank first, so a hash-only change is a real navigation too)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.get(url)
    WebDriverWait(driver, 60, poll_frequency=0.05).until(
        lambda d: d.execute_script("return window.__firstHeadingMs !== undefined")
    )


def measure_page(
    driver: Any, base: str, name: str, path: str, before: tuple[float, int] | None, runs: int
) -> PageWeight:
    # Bytes and requests: unthrottled (they do not depend on the network), after the page settled.
    driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {**PHONE_NETWORK, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    _open_cold(driver, base + path)
    driver.execute_script("return new Promise((done) => setTimeout(done, 500))")  # late fonts and API calls
    entries = driver.execute_script(RESOURCES)
    scripts = [e for e in entries if e["name"].split("?")[0].endswith((".js", ".css"))]
    fonts = [e for e in entries if e["name"].split("?")[0].endswith((".woff2", ".woff", ".ttf"))]
    weight = PageWeight(
        name=name,
        js_css_gz=sum(e["encoded"] for e in scripts),
        fonts=sum(e["encoded"] for e in fonts),
        font_files=tuple(sorted(e["name"].rsplit("/", 1)[-1] for e in fonts)),
        requests=1 + len(entries),  # the document itself, then every resource
        first_heading_ms=0.0,
        before=before,
    )
    # Time to the first heading: throttled like a mid-range phone on a slow 4G network.
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", PHONE_NETWORK)
    driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": PHONE_CPU_SLOWDOWN})
    times = []
    for _ in range(runs):
        _open_cold(driver, base + path)
        times.append(float(driver.execute_script("return window.__firstHeadingMs")))
    driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
    return PageWeight(**{**weight.__dict__, "first_heading_ms": statistics.median(times)})


def run(runs: int = 3) -> list[PageWeight]:
    from local.stack import LocalStack

    stack = LocalStack().start()
    try:
        with chromium() as driver:
            return [measure_page(driver, stack.url, name, path, before, runs) for name, path, before in PAGES]
    finally:
        stack.stop()


def print_table(pages: list[PageWeight]) -> None:
    print()
    header = ("page", "JS+CSS gz", "before", "fonts", "requests", "before", "1st h1 (phone)")
    widths = (-32, 10, 8, 9, 9, 7, 15)
    print(" ".join(f"{text:<{-w}}" if w < 0 else f"{text:>{w}}" for text, w in zip(header, widths, strict=True)))
    for p in pages:
        kb_before, req_before = (f"{p.before[0]:.1f} KB", str(p.before[1])) if p.before else ("", "")
        print(
            f"{p.name:<32} {p.js_css_gz / 1000:>7.1f} KB {kb_before:>8} {p.fonts / 1000:>6.1f} KB {p.requests:>9} "
            f"{req_before:>7} {p.first_heading_ms:>12.0f} ms"
        )
    first = pages[0]
    print()
    print(f"citizen first page JS+CSS gz: {first.js_css_gz / 1000:.1f} KB (goal ≤ {BUDGET_KB:.0f} KB, before 65.3 KB)")
    print(f"fonts on the first page: {', '.join(first.font_files) or 'none'} (before: 2 TTF, 180 KB raw / 87 KB gz)")
    print(
        f"phone profile: {PHONE_NETWORK['latency']} ms RTT, "
        f"{PHONE_NETWORK['downloadThroughput'] * 8 / 1e6:.1f} Mbit/s down, CPU ×{PHONE_CPU_SLOWDOWN}; median of runs"
    )
