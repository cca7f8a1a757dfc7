"""The wallet as a resident meets it: time to a rendered balance, bytes on first load, and
the server's memory per live wallet session.

Needs no running platform: like bench/api.py, it starts the embedded document server and a
SQLite file in a temporary folder, runs `rec migrate` and `rec demo`, then `rec serve`
(uvicorn, one process, on 127.0.0.1). Then:

  1. a demo resident signs in through the `login` mutation; the session cookie it gets is
     given to headless Chromium (Debian's, driven by Playwright);
  2. `--loads` times, in a new browser context each time (empty cache, no service worker
     yet: a first visit), Chromium opens /wallet/ and the script notes the time from the
     start of navigation to the balance rendered on screen (`home-balance`), and the bytes
     Chromium received for it (HTTP bodies and headers as sent, encoded, plus the
     WebSocket frames of the live page) until then; once the page has settled, the bytes
     the service worker has precached (fetched after the balance, by the worker);
  3. it opens `--sessions` wallet sessions at once, each a different sign-in, each the
     live page's WebSocket to the server as the browser opens it, and waits until every one
     has received its rendered balance; then it reads the server's resident memory
     (VmRSS) and prints the growth per session.

It prints medians and extremes; it never asserts. Everything it starts, it stops.

    .venv/bin/python bench/wallet.py
    .venv/bin/python bench/wallet.py --loads 5 --sessions 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlparse

import httpx
from api import (  # the sibling script in bench/
    REQUEST_TIMEOUT_S,
    BenchError,
    Platform,
    demo_sign_in,
    login,
    machine,
    rss_kib,
    run_on_a_platform,
)
from graphql_http import _bounded_int
from websockets.asyncio.client import connect

CHROMIUM = os.environ.get("REC_CHROMIUM", "/usr/bin/chromium")
# As in tests/helpers/browser.py: without these, Chromium reaches for Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BALANCE = '[data-testid="home-balance"]'
# The bodies the service worker keeps in its caches (fetched by the worker, which the
# page's network log does not see).
PRECACHED = """async () => {
  let total = 0;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      total += (await (await cache.match(request)).arrayBuffer()).byteLength;
    }
  }
  return total;
}"""
SETTLE_S = 2.0  # after the balance, time for the service worker to precache the app
SESSION_TIMEOUT_S = 120.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=_bounded_int(1, 200), default=20)
    parser.add_argument("--sessions", type=_bounded_int(1, 2000), default=200)
    return parser.parse_args(argv)


async def _session_cookies(url: str, email: str, password: str) -> list[dict[str, Any]]:
    """Signs in through `login`; the cookies it set, as Playwright takes them."""
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
        await login(client, url, email, password)
        return [
            {"name": cookie.name, "value": cookie.value or "", "url": url}
            for cookie in client.cookies.jar
        ]


async def _one_load(browser: Any, url: str, cookies: list[dict[str, Any]]) -> dict[str, Any]:
    """A first visit: a fresh context, the time to the balance and the bytes received."""
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    await context.add_cookies(cookies)
    page = await context.new_page()
    received = {"bytes": 0}
    socket_urls: list[str] = []
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")

    def finished(event: dict[str, Any]) -> None:
        received["bytes"] += int(event.get("encodedDataLength", 0))

    def frame(event: dict[str, Any]) -> None:
        received["bytes"] += len(event.get("response", {}).get("payloadData", "").encode())

    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.webSocketFrameReceived", frame)
    page.on("websocket", lambda socket: socket_urls.append(socket.url))
    started = time.perf_counter()
    await page.goto(f"{url}/wallet/")
    await page.wait_for_selector(BALANCE, timeout=30_000)
    to_balance = time.perf_counter() - started
    at_balance = received["bytes"]
    await asyncio.sleep(SETTLE_S)
    precached = await page.evaluate(PRECACHED)
    await context.close()
    return {
        "seconds": to_balance,
        "bytes_at_balance": at_balance,
        "socket": next((s for s in socket_urls if "/reactpy/" in s), ""),
        "precached": precached,
    }


async def measure_loads(
    url: str, cookies: list[dict[str, Any]], loads: int
) -> tuple[list[dict[str, Any]], str]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            await _one_load(browser, url, cookies)  # uncounted: the server's first render
            results = [await _one_load(browser, url, cookies) for _ in range(loads)]
        finally:
            await browser.close()
    socket = next((result["socket"] for result in results if result["socket"]), "")
    if not socket:
        raise BenchError("the wallet page opened no ReactPy WebSocket")
    return results, socket


async def _hold_session(
    socket_url: str, cookie_header: str, rendered: asyncio.Event, release: asyncio.Event
) -> None:
    """One live wallet page: the browser's WebSocket, held until released."""
    async with connect(
        socket_url, additional_headers={"cookie": cookie_header}, max_size=None
    ) as socket:
        while not rendered.is_set():
            message = await socket.recv()
            if "home-balance" in str(message):
                rendered.set()
        await release.wait()


async def measure_sessions(
    url: str, socket_url: str, credentials: dict[str, str], sessions: int, server_pid: int
) -> dict[str, Any]:
    host = urlparse(url).netloc
    socket_url = urlparse(socket_url)._replace(netloc=host).geturl()
    print(f"signing in {sessions} sessions ...", file=sys.stderr, flush=True)
    cookies = [
        await _session_cookies(url, credentials["email"], credentials["password"])
        for _ in range(sessions)
    ]
    headers = ["; ".join(f"{c['name']}={c['value']}" for c in jar) for jar in cookies]
    # One session first, so the figure is the growth per session, not the first render's.
    first_rendered, release = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_hold_session(socket_url, headers[0], first_rendered, release))
    await asyncio.wait_for(first_rendered.wait(), SESSION_TIMEOUT_S)
    await asyncio.sleep(1.0)
    before = rss_kib(server_pid)["VmRSS"]
    rendered = [asyncio.Event() for _ in headers[1:]]
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(_hold_session(socket_url, header, event, release))
        for header, event in zip(headers[1:], rendered, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in rendered)), SESSION_TIMEOUT_S)
    all_rendered = time.perf_counter() - started
    await asyncio.sleep(2.0)
    after = rss_kib(server_pid)
    release.set()
    await asyncio.gather(first, *tasks)
    return {
        "before_kib": before,
        "after_kib": after["VmRSS"],
        "peak_kib": after["VmHWM"],
        "added": len(tasks),
        "render_all_s": all_rendered,
    }


def report(args: argparse.Namespace, loads: list[dict[str, Any]], held: dict[str, Any]) -> str:
    ms = [result["seconds"] * 1000 for result in loads]
    at_balance = statistics.median(result["bytes_at_balance"] for result in loads) / 1000
    precached = statistics.median(result["precached"] for result in loads) / 1000
    per_session = (held["after_kib"] - held["before_kib"]) / held["added"]
    before, after, peak = (held[key] / 1024 for key in ("before_kib", "after_kib", "peak_kib"))
    return "\n".join(
        [
            f"machine       {machine()}",
            f"first loads   {len(loads)} (a new browser context each, headless Chromium, 390x844)",
            f"to balance    median {statistics.median(ms):.0f} ms "
            f"(min {min(ms):.0f}, max {max(ms):.0f})  target < 1000 ms",
            f"received      median {at_balance:.1f} KB to the balance  target < 500 KB",
            f"precached     median {precached:.1f} KB more, by the service worker after the "
            "balance (bodies, uncompressed)",
            f"sessions      {held['added'] + 1} live wallet pages, each its own sign-in; "
            f"all rendered {held['render_all_s']:.1f} s after opening",
            f"server RSS    {before:.1f} MiB with one session, {after:.1f} MiB with all "
            f"(peak {peak:.1f})",
            f"per session   {per_session:.0f} KiB  target < 1024 KiB",
        ]
    )


def run(args: argparse.Namespace, running: Platform) -> str:
    if not os.path.exists(CHROMIUM):
        raise BenchError(f"Chromium not found at {CHROMIUM}: `make chromium` installs it")
    print("starting the embedded document server ...", file=sys.stderr, flush=True)
    settings = running.start_stores()
    print("rec migrate, rec demo ...", file=sys.stderr, flush=True)
    running.rec("migrate")
    running.rec("demo")
    server = running.serve()
    resident = demo_sign_in(settings, "resident")
    cookies = asyncio.run(_session_cookies(server.url, resident["email"], resident["password"]))
    print(f"opening the wallet {args.loads} times ...", file=sys.stderr, flush=True)
    loads, socket_url = asyncio.run(measure_loads(server.url, cookies, args.loads))
    held = asyncio.run(
        measure_sessions(server.url, socket_url, resident, args.sessions, server.pid)
    )
    return report(args, loads, held)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_a_platform("wallet", lambda running: run(args, running))


if __name__ == "__main__":
    raise SystemExit(main())
