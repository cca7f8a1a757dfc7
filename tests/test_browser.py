"""The wallet and the admin panel in real Chromium: live data, nothing from outside."""

import uuid
from pathlib import Path

import pytest

from server.accounts import totp
from server.demo import saved_sign_ins
from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    LOGIN,
    GraphQLClient,
    demo_admin,
    register,
    token_from_database,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"


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
        == "/wallet/rec/manifest.webmanifest"
    )
    assert page.remote_requests == [] and page.errors == []


async def _sign_in_as_superadmin(page: PageWatch, live_server: LiveServer) -> None:
    entry = next(e for e in saved_sign_ins(live_server.data_dir) if e["role"] == "superadmin")
    await page.page.fill("input[name=email]", entry["email"])
    await page.page.fill("input[name=password]", entry["password"])
    # A code of the next step: the step now may already be used by another test's sign-in.
    await page.page.fill(
        "input[name=totp]", totp.code_at(entry["totp_secret"], totp.current_step() + 1)
    )
    await page.page.click("button[type=submit]")


async def test_admin_asks_to_sign_in_and_says_what_went_wrong(
    live_server: LiveServer, page: PageWatch
) -> None:
    await page.page.goto(live_server.url + "/admin/")
    await page.page.get_by_test_id("sign-in").wait_for(timeout=15000)
    assert await page.page.get_by_test_id("currencies").count() == 0
    await page.page.fill("input[name=email]", "nobody@example.org")
    await page.page.fill("input[name=password]", "not the password")
    await page.page.click("button[type=submit]")
    error = page.page.get_by_test_id("sign-in-error")
    await error.wait_for(timeout=15000)
    assert await error.inner_text() == "Wrong email or password."
    assert not any(c["name"] == "rec_session" for c in await page.page.context.cookies())
    assert page.remote_requests == [] and page.errors == []


async def test_an_administrator_signs_in_with_two_factor_and_sees_currencies_and_mail(
    live_server: LiveServer, page: PageWatch
) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.org"
    register(live_server.url, email, "a long enough passphrase")  # sends a verification mail
    await page.page.goto(live_server.url + "/admin/")
    await page.page.get_by_test_id("sign-in").wait_for(timeout=15000)
    await _sign_in_as_superadmin(page, live_server)
    await page.page.get_by_test_id("admin-home").wait_for(timeout=15000)
    await page.page.click("[data-testid=menu-settings]")
    row = page.page.get_by_test_id("currency-REC")
    await row.wait_for(timeout=15000)
    text = await row.inner_text()
    assert "REC, moneda ciutadana de Barcelona" in text and "Europe/Madrid" in text
    await page.page.click("[data-testid=menu-outbox]")
    await page.page.get_by_test_id("outbox").wait_for(timeout=15000)
    outbox = await page.page.get_by_test_id("outbox").inner_text()
    assert email in outbox and "Confirm your email" in outbox
    await page.page.screenshot(path=str(ARTIFACTS / "admin-outbox.png"), full_page=True)
    cookie = next(c for c in await page.page.context.cookies() if c["name"] == "rec_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    await page.page.click("text=Sign out")
    await page.page.get_by_test_id("sign-in").wait_for(timeout=15000)
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


async def test_the_confirmation_link_in_the_mail_confirms_once(
    live_server: LiveServer, page: PageWatch
) -> None:
    email = f"link-{uuid.uuid4().hex[:8]}@example.org"
    person = register(live_server.url, email, "a long enough passphrase")
    token = token_from_database(live_server.data_dir.parent / "rec.sqlite3", email, "verify-email")
    await page.page.goto(f"{live_server.url}/wallet/verify-email?token={token}")
    outcome = page.page.get_by_test_id("link-outcome")
    await outcome.wait_for(timeout=15000)
    assert await outcome.inner_text() == "Adreça confirmada. Gràcies!"
    assert person.data("{ viewer { user { emailVerified } } }")["viewer"]["user"] == {
        "emailVerified": True
    }
    await page.page.goto(f"{live_server.url}/wallet/verify-email?token={token}")
    await page.page.get_by_test_id("link-outcome").wait_for(timeout=15000)
    assert "ja s'ha fet servir" in await page.page.get_by_test_id("link-outcome").inner_text()
    assert page.remote_requests == [] and page.errors == []


async def test_the_reset_link_lets_a_person_choose_a_new_password(
    live_server: LiveServer, page: PageWatch
) -> None:
    email = f"reset-{uuid.uuid4().hex[:8]}@example.org"
    register(live_server.url, email, "a long enough passphrase")
    GraphQLClient(live_server.url).data(
        "mutation($input: EmailInput!) { requestPasswordReset(input: $input) { ok } }",
        {"input": {"email": email}},
    )
    token = token_from_database(
        live_server.data_dir.parent / "rec.sqlite3", email, "reset-password"
    )
    await page.page.goto(f"{live_server.url}/wallet/reset-password?token={token}")
    field = page.page.locator("input[name=new-password]")
    await field.wait_for(timeout=15000)
    await field.fill("qqqqqqqqqqqq")
    await page.page.click("button[type=submit]")
    await page.page.get_by_test_id("link-problem").wait_for(timeout=15000)
    assert "too easy to guess" in await page.page.get_by_test_id("link-problem").inner_text()
    await field.fill("my brand new passphrase")
    await page.page.click("button[type=submit]")
    await page.page.get_by_test_id("link-outcome").wait_for(timeout=15000)
    login = GraphQLClient(live_server.url).data(
        LOGIN, {"input": {"email": email, "password": "my brand new passphrase"}}
    )["login"]
    assert login["errors"] == []
    assert page.remote_requests == [] and page.errors == []


async def test_an_invited_person_accepts_from_the_link_in_the_mail(
    live_server: LiveServer, page: PageWatch
) -> None:
    owner = register(
        live_server.url, f"own-{uuid.uuid4().hex[:8]}@example.org", "a long enough passphrase"
    )
    shop = owner.data("""mutation { createBusinessAccount(input: {name: "Llibreria Verdi",
        category: "bookshop", address: "Carrer de Verdi, 10", location: {lat: 41.40, lng: 2.15}})
        { account { id } errors { code } } }""")["createBusinessAccount"]["account"]
    email = f"inv-{uuid.uuid4().hex[:8]}@example.org"
    owner.data(
        """mutation($input: InviteMemberInput!) { inviteMember(input: $input)
        { errors { code } } }""",
        {"input": {"accountId": shop["id"], "email": email, "role": "CASHIER"}},
    )
    invited = register(live_server.url, email, "a long enough passphrase")
    token = token_from_database(live_server.data_dir.parent / "rec.sqlite3", email, "invitation")
    await page.page.goto(f"{live_server.url}/wallet/invitation?token={token}")
    await page.page.locator("input[name=email]").wait_for(timeout=15000)
    await page.page.fill("input[name=email]", email)
    await page.page.fill("input[name=password]", "a long enough passphrase")
    await page.page.click("button[type=submit]")
    outcome = page.page.get_by_test_id("link-outcome")
    await outcome.wait_for(timeout=15000)
    assert await outcome.inner_text() == "Ja formes part de Llibreria Verdi."
    roles = invited.data("{ viewer { accounts { role account { name } } } }")["viewer"]
    assert {"role": "CASHIER", "account": {"name": "Llibreria Verdi"}} in roles["accounts"]
    assert page.remote_requests == [] and page.errors == []


async def test_a_treasurer_sees_the_panel_but_not_the_mail_sandbox(
    live_server: LiveServer, page: PageWatch
) -> None:
    entry = next(e for e in saved_sign_ins(live_server.data_dir) if e["role"] == "treasurer")
    await page.page.goto(live_server.url + "/admin/")
    await page.page.get_by_test_id("sign-in").wait_for(timeout=15000)
    await page.page.fill("input[name=email]", entry["email"])
    await page.page.fill("input[name=password]", entry["password"])
    await page.page.fill(
        "input[name=totp]", totp.code_at(entry["totp_secret"], totp.current_step())
    )
    await page.page.click("button[type=submit]")
    await page.page.get_by_test_id("admin-home").wait_for(timeout=15000)
    assert "treasurer" in await page.page.get_by_test_id("admin-user").inner_text()
    assert await page.page.get_by_test_id("menu-outbox").count() == 0
    await page.page.click("[data-testid=menu-settings]")
    await page.page.get_by_test_id("currency-REC").wait_for(timeout=15000)
    # Not in the menu, and not there when asked for by its address either.
    await page.page.goto(live_server.url + "/admin/outbox")
    await page.page.get_by_test_id("section-unknown").wait_for(timeout=15000)
    assert await page.page.get_by_test_id("outbox").count() == 0
    assert page.remote_requests == [] and page.errors == []


async def test_a_visitor_registers_signs_in_and_sees_money_arrive_live(
    live_server: LiveServer, page: PageWatch
) -> None:
    browser = page.page
    email = f"w{uuid.uuid4().hex[:10]}@example.org"
    await browser.goto(live_server.url + "/wallet/")
    await browser.get_by_test_id("home-sign-in").wait_for(timeout=15000)
    await browser.click("[data-testid=show-register]")
    await browser.fill("[data-testid=register-name]", "Núria Vidal")
    await browser.fill("[data-testid=register-email]", email)
    await browser.fill("[data-testid=register-password]", "short")
    await browser.click("[data-testid=register-submit]")
    problem = browser.get_by_test_id("register-problem")
    await problem.wait_for(timeout=15000)
    assert await browser.get_attribute("[data-testid=register-password]", "aria-invalid") == "true"
    assert await browser.input_value("[data-testid=register-email]") == email  # kept
    await browser.fill("[data-testid=register-password]", "a long enough passphrase")
    await browser.click("[data-testid=register-submit]")
    registered = browser.get_by_test_id("registered")
    await registered.wait_for(timeout=15000)
    assert "Compte creat" in await registered.inner_text()
    assert await browser.input_value("[data-testid=sign-in-email]") == email
    await browser.fill("[data-testid=sign-in-password]", "a long enough passphrase")
    await browser.click("[data-testid=home-sign-in] button[type=submit]")
    balance = browser.get_by_test_id("home-balance")
    await balance.wait_for(timeout=15000)
    assert await balance.inner_text() == "0,00 REC"
    assert await browser.get_by_test_id("no-activity").count() == 1

    # Money arrives from elsewhere: the screen follows without a reload.
    treasurer = demo_admin(live_server.url, live_server.data_dir, "treasurer")
    person = GraphQLClient(live_server.url)
    token = person.data(LOGIN, {"input": {"email": email, "password": "a long enough passphrase"}})
    handle = GraphQLClient(live_server.url, token["login"]["token"]).data(
        "{ viewer { activeAccount { handle } } }"
    )["viewer"]["activeAccount"]["handle"]
    treasurer.mutate(
        "issueFunds",
        """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
        transaction { id } errors { field code message } } }""",
        {
            "to": handle,
            "amount": "1234.50",
            "currency": "REC",
            "reason": "cash at the office",
            "idempotencyKey": uuid.uuid4().hex,
        },
    )
    await browser.wait_for_function(
        "() => document.querySelector('[data-testid=home-balance]').dataset.amount === '1234.50'",
        timeout=15000,
    )
    assert await balance.inner_text() == "1.234,50 REC"
    item = browser.get_by_test_id("activity-item").first
    assert "Recàrrega" in await item.inner_text()
    assert "+1.234,50 REC" in await item.inner_text()
    assert page.remote_requests == [] and page.errors == []
