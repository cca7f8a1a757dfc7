"""The wallet and the admin panel in real Chromium: live data, nothing from outside."""

import pytest

from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch

pytestmark = pytest.mark.browser


async def test_wallet_renders_the_currency_live_in_its_colours(
    live_server: LiveServer, page: PageWatch
) -> None:
    await page.page.goto(live_server.url + "/wallet/")
    name = page.page.get_by_test_id("currency-name")
    await name.wait_for(timeout=15000)
    assert await name.inner_text() == "REC"
    assert "Comença al barri" in await page.page.inner_text("body")
    colour = await name.evaluate("element => getComputedStyle(element).color")
    assert colour == "rgb(14, 124, 102)"  # #0E7C66, the primary colour of branding/rec
    assert (
        await page.page.get_attribute("link[rel=manifest]", "href")
        == "/wallet/manifest.webmanifest"
    )
    assert page.remote_requests == [] and page.errors == []


async def test_admin_lists_the_currencies_from_the_schema(
    live_server: LiveServer, page: PageWatch
) -> None:
    await page.page.goto(live_server.url + "/admin/")
    row = page.page.get_by_test_id("currency-REC")
    await row.wait_for(timeout=15000)
    text = await row.inner_text()
    assert "REC, moneda ciutadana de Barcelona" in text and "Europe/Madrid" in text
    assert page.remote_requests == [] and page.errors == []


async def test_graphiql_runs_a_query_with_local_assets(
    live_server: LiveServer, page: PageWatch
) -> None:
    await page.page.goto(live_server.url + "/graphql")
    await page.page.get_by_test_id("graphiql-container").wait_for(timeout=20000)
    await page.page.evaluate(
        "document.querySelector('.graphiql-query-editor .CodeMirror')"
        ".CodeMirror.setValue('{ currencies { fullName } }')"
    )
    await page.page.locator(".graphiql-execute-button").click()
    response = page.page.locator(".graphiql-response")
    await response.get_by_text("REC, moneda ciutadana de Barcelona").wait_for(timeout=15000)
    assert page.remote_requests == []
