"""Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
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
# Reads the QR code an <img> shows, with the jsQR the wallet serves: `locator.evaluate(DECODE_QR)`
# gives its text, or null.
DECODE_QR = """async (image) => {
  if (!window.jsQR) {
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/static/vendor/jsqr/jsQR.js";
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  const source = new Image();
  source.src = image.src;
  await source.decode();
  const size = 480;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, size, size);
  context.imageSmoothingEnabled = false;
  context.drawImage(source, 0, 0, size, size);
  const pixels = context.getImageData(0, 0, size, size);
  const code = window.jsQR(pixels.data, size, size);
  return code ? code.data : null;
}"""
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


async def brand_look(page: Page) -> dict[str, Any]:
    """What a wallet page shows of its currency's brand: language, title, theme colour,
    manifest, icon, colours, font and logo (and whether the logo was drawn)."""
    look: dict[str, Any] = await page.evaluate(
        """() => ({
          lang: document.documentElement.lang,
          title: document.title,
          themeColour: document.querySelector('meta[name=theme-color]').content,
          manifest: document.querySelector('link[rel=manifest]').getAttribute('href'),
          icon: document.querySelector('link[rel=icon]').getAttribute('href'),
          primary: getComputedStyle(document.documentElement)
            .getPropertyValue('--primary').trim().toLowerCase(),
          background: getComputedStyle(document.body).backgroundColor,
          font: getComputedStyle(document.body).fontFamily,
          logo: document.querySelector('header.brand img').getAttribute('src'),
          logoDrawn: document.querySelector('header.brand img').naturalWidth > 0,
        })"""
    )
    return look
