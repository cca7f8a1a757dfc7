"""Every screen of the wallet, in real Chromium on a narrow phone (360 px wide): each
control has a name a screen reader can say, each one is reached with the Tab key and
shows where the focus is, and nothing is wider than the screen.

The colours' contrast is checked where they are chosen, when a branding folder loads
(server/branding.py `contrast_problems`, tests/test_branding.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import business_account, register
from tests.test_ledger_api import PASSWORD

pytestmark = pytest.mark.browser
NARROW = {"width": 360, "height": 740}
SWITCH = """mutation($input: SwitchAccountInput!) { switchAccount(input: $input) {
  errors { code } } }"""
SIGNED_OUT = ["/wallet/rec/", "/wallet/rec/forgot-password", "/wallet/rec/map"]
SIGNED_IN = [
    "/wallet/rec/",
    "/wallet/rec/pay",
    "/wallet/rec/charge",
    "/wallet/rec/top-up",
    "/wallet/rec/map",
    "/wallet/rec/history",
    "/wallet/rec/profile",
    "/wallet/rec/accounts",
    "/wallet/rec/till",
    "/wallet/rec/shop",
]
# Each visible control: its name as assistive technology computes it (simplified: its
# labels, aria-label, aria-labelledby, its own text or image alt, its title), whether Tab
# can reach it, and whether the page is wider than the screen.
AUDIT = """() => {
  // Collapsed parts are opened first, so that what they hold is checked too.
  document.querySelectorAll('details').forEach((part) => { part.open = true; });
  const visible = (el) => el.checkVisibility({ visibilityProperty: true });
  const describe = (el) => el.outerHTML.slice(0, 120);
  const nameOf = (el) => {
    const labels = el.labels ? [...el.labels].map((l) => l.innerText).join(' ').trim() : '';
    const by = el.getAttribute('aria-labelledby');
    const byText = by ? by.split(' ').map((id) => document.getElementById(id)?.innerText || '')
      .join(' ').trim() : '';
    const own = ['BUTTON', 'A'].includes(el.tagName)
      ? (el.innerText.trim() || [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join(' '))
      : '';
    return labels || el.getAttribute('aria-label') || byText || own || el.title || '';
  };
  const problems = [];
  const controls = [...document.querySelectorAll('input, select, textarea, button, a[href]')]
    .filter((el) => el.type !== 'hidden' && visible(el));
  // Tab enters a group of radio buttons once; the arrow keys move within it.
  const firstOfGroup = {};
  controls.forEach((el, index) => {
    const group = el.type === 'radio' && el.name ? 'radio:' + el.name : null;
    if (group && !(group in firstOfGroup)) firstOfGroup[group] = String(index);
    el.dataset.a11y = group ? firstOfGroup[group] : String(index);
    if (!nameOf(el).trim()) problems.push('no name: ' + describe(el));
  });
  const wide = document.documentElement.scrollWidth;
  if (wide > window.innerWidth + 1) {
    const widest = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .map(describe).slice(0, 3);
    problems.push(`page ${wide}px wide on a ${window.innerWidth}px screen: ${widest}`);
  }
  const reachable = [...new Set(controls.filter((el) => el.tabIndex >= 0 && !el.disabled)
    .map((el) => el.dataset.a11y))];
  const described = Object.fromEntries(controls.map((el) => [el.dataset.a11y, describe(el)]));
  return { problems, reachable, described };
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return { index: el.dataset.a11y ?? null, outline: style.outlineStyle !== 'none'
    && parseFloat(style.outlineWidth) >= 2, html: el.outerHTML.slice(0, 120) };
}"""


async def _settled(page: Page, url: str) -> None:
    await page.goto(url)
    await page.get_by_test_id("wallet-home").wait_for(timeout=20000)
    # The screen has loaded what it shows when nothing is marked busy any more.
    await page.wait_for_function("() => !document.querySelector('[aria-busy=true]')", timeout=20000)


async def _audit(page: Page, path: str) -> list[str]:
    found: dict[str, Any] = await page.evaluate(AUDIT)
    problems = [f"{path}: {problem}" for problem in found["problems"]]
    wanted = set(found["reachable"])
    reached: set[str] = set()
    await page.locator("body").focus()
    for _ in range(len(wanted) * 4 + 10):  # a date field takes a Tab per part
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        if focused is None:
            continue
        if not focused["outline"]:
            problems.append(f"{path}: focus not shown on {focused['html']}")
        if focused["index"] is not None:
            reached.add(focused["index"])
        if reached >= wanted:
            break
    missing = wanted - reached
    if missing:
        never = [found["described"][index] for index in sorted(missing)]
        problems.append(f"{path}: never reached with Tab: {never}")
    return problems


async def test_every_screen_is_labelled_reached_by_keyboard_and_fits_360_px(
    live_server: LiveServer, browser: Browser
) -> None:
    url = live_server.url
    context = await browser.new_context(viewport=NARROW)
    watch = PageWatch(await context.new_page())
    problems: list[str] = []
    for path in SIGNED_OUT:
        await _settled(watch.page, url + path)
        problems += await _audit(watch.page, path)

    # A shop owner acting as the shop: every screen, the till and the shop page included.
    owner = register(url, f"a{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Núria Puig")
    shop = business_account(owner, "Forn Puig")
    owner.mutate("switchAccount", SWITCH, {"accountId": shop["id"]})
    await context.add_cookies(
        [{"name": name, "value": value, "url": url} for name, value in owner.http.cookies.items()]
    )
    for path in SIGNED_IN:
        await _settled(watch.page, url + path)
        problems += await _audit(watch.page, path)
    await context.close()
    assert problems == [], "\n".join(problems)
    assert watch.remote_requests == [] and watch.errors == []
