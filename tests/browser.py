"""Headless Chromium for the browser tests: the system's browser, nothing fetched from the network.

Playwright drives Debian's ``chromium`` (``/usr/bin/chromium``, or ``$CHROMIUM``):
nothing here downloads a browser build. Every request that is not to this
machine (``127.0.0.1``, ``localhost``, ``file:``, ``data:``, ``blob:``) is
aborted and remembered, and every console error and page error is collected,
so a test can assert that a page needs no network and logs no error.
See docs/browser-tests.md.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: Where screenshots go: $BROWSER_SCREENSHOTS, or a folder the test gives.
SCREENSHOTS_ENV = "BROWSER_SCREENSHOTS"


def chromium_path() -> str:
    path = shutil.which(CHROMIUM) or CHROMIUM
    if not Path(path).is_file():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium) "
                           f"or point $CHROMIUM at a Chromium binary. The browser tests never download one.")
    return path


@contextlib.contextmanager
def chromium():
    """Headless Chromium, the system's (``--no-sandbox``: CI runs as root)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("file", "data", "blob", "about"):
        return True
    return parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname in LOCAL_HOSTS


@dataclass
class PageLog:
    """What a page did that a reader would not want: requests off this machine, errors."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.blocked.clear()
        self.errors.clear()


def offline_page(context):
    """A new page of ``context`` whose non-local requests are aborted; returns (page, log)."""
    log = PageLog()

    def route(request_route):
        url = request_route.request.url
        if is_local(url):
            request_route.continue_()
        else:
            log.blocked.append(url)
            request_route.abort()

    page = context.new_page()
    page.route("**/*", route)
    page.on("console", lambda message: log.errors.append(f"console: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: log.errors.append(f"page error: {error}"))
    return page, log


def screenshot(page, folder: Path, name: str) -> Path:
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
