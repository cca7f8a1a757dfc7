"""Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, Page, async_playwright

# Without these, Chromium reaches for Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    from tests.conftest import chromium_path

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


class PageWatch:
    """A page plus every request it made that left this machine, and its console errors."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.remote_requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._on_request)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_request(self, request) -> None:  # type: ignore[no-untyped-def]
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.remote_requests.append(request.url)


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[PageWatch]:
    context = await browser.new_context(viewport={"width": 420, "height": 860})
    watched = PageWatch(await context.new_page())
    yield watched
    await context.close()
