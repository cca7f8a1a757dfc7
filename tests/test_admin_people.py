"""Administration of people: any administrator finds a person by name, email or handle and
reads their page; superadmins block and unblock them and lift PIN locks, each audited with
a reason; support reads and never acts; bad input is a coded error that changes nothing."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from server.demo import saved_sign_ins
from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    LOGIN,
    GraphQLClient,
    business_account,
    demo_admin,
    make_admin,
    register,
)
from tests.test_ledger_api import _handle, _issue

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "a long enough passphrase"
SEARCH = """query($search: String, $first: Int!, $after: String) {
  adminPeople(search: $search, first: $first, after: $after) {
    edges { cursor node { id name email blocked memberships { role account { handle } } } }
    pageInfo { hasNextPage endCursor } } }"""
PERSON = """query($id: ID!) { node(id: $id) { ... on User {
  id name email blocked pinFailures pinLocked createdAt adminRoles
  memberships { role account { id kind handle kycTier(currency: "REC")
    wallet(currency: "REC") { balance { amount currency }
      transactions(first: 10) { edges { node { kind amount { amount } } } } } } }
  sessions(first: 20) { createdAt lastSeenAt endedAt active userAgent } } } }"""
ACTION = """mutation($input: PersonActionInput!) {{ {name}(input: $input) {{
  user {{ id blocked pinFailures pinLocked }} errors {{ field code message }} }} }}"""
AUDIT = """query($action: String!, $target: String!) {
  auditLog(first: 20, action: $action, targetType: "user", targetId: $target) {
    edges { node { actor action reason before after } } } }"""
VIEWER = "{ viewer { user { email } } }"
PAY = """mutation($input: PayInput!) { pay(input: $input) {
  transaction { id } errors { field code message } } }"""


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def support(live_server: LiveServer, superadmin: GraphQLClient) -> GraphQLClient:
    return make_admin(live_server.url, superadmin, "SUPPORT")


def _person(url: str, name: str) -> tuple[GraphQLClient, str, str]:
    """A new person signed in by cookie: the client, their email and their user ID."""
    email = f"p{uuid.uuid4().hex[:10]}@example.org"
    client = register(url, email, PASSWORD, name)
    return client, email, client.data("{ viewer { user { id } } }")["viewer"]["user"]["id"]


def _number(user_id: str) -> str:
    """The row number inside a User ID: what the audit log names as the target."""
    return base64.b64decode(user_id).decode().split(":")[1]


def _act(admin: GraphQLClient, name: str, user_id: str, reason: str) -> dict[str, Any]:
    variables = {"input": {"userId": user_id, "reason": reason}}
    return admin.data(ACTION.format(name=name), variables)[name]


def _found(admin: GraphQLClient, search: str) -> list[str]:
    edges = admin.data(SEARCH, {"search": search, "first": 100})["adminPeople"]["edges"]
    return [edge["node"]["email"] for edge in edges]


def _audit(admin: GraphQLClient, action: str, user_id: str) -> list[dict[str, Any]]:
    variables = {"action": action, "target": _number(user_id)}
    return [edge["node"] for edge in admin.data(AUDIT, variables)["auditLog"]["edges"]]


def _login(url: str, email: str, password: str) -> tuple[GraphQLClient, dict[str, Any]]:
    client = GraphQLClient(url)
    variables = {"input": {"email": email, "password": password}}
    return client, client.data(LOGIN, variables)["login"]


def test_any_administrator_finds_people_by_name_email_or_handle_and_reads_their_page(
    live_server: LiveServer, support: GraphQLClient
) -> None:
    marker = uuid.uuid4().hex[:8]
    person, email, user_id = _person(live_server.url, f"Zacarías Quintana {marker}")
    shop = business_account(person, f"Ferreteria {marker}")

    assert _found(support, f"QUINTANA {marker}") == [email]  # by name, ignoring case
    assert _found(support, email.split("@")[0].upper()) == [email]  # by email
    assert _found(support, "@" + shop["handle"]) == [email]  # by a handle of theirs
    assert _found(support, f"nobody-{marker}") == []
    everyone = support.pages(SEARCH, "adminPeople", {"first": 5})
    assert len(everyone) > 1 and email in [p["email"] for page in everyone for p in page]
    too_long = support.raw(SEARCH, {"search": "x" * 101, "first": 5})
    assert too_long["errors"][0]["extensions"]["code"] == "INVALID_INPUT"

    page = support.data(PERSON, {"id": user_id})["node"]
    assert page["email"] == email and page["blocked"] is False and page["pinLocked"] is False
    kinds = sorted((m["role"], m["account"]["kind"]) for m in page["memberships"])
    assert kinds == [("HOLDER", "PERSONAL"), ("OWNER", "BUSINESS")]
    wallet = page["memberships"][0]["account"]["wallet"]
    assert wallet["balance"] == {"amount": "0.00", "currency": "REC"}
    assert [s["active"] for s in page["sessions"]] == [True]
    # The person's own documents stay with KYC officers; and people never see admin fields.
    documents = "query($id: ID!) { node(id: $id) { ... on Account { kycDocuments { id } } } }"
    account_id = page["memberships"][0]["account"]["id"]
    assert support.refusal(documents, {"id": account_id}) == "FORBIDDEN"
    assert person.refusal("{ viewer { user { blocked } } }") == "FORBIDDEN"
    assert person.refusal(SEARCH, {"first": 5}) == "FORBIDDEN"


def test_blocking_ends_every_session_and_refuses_sign_in_until_unblocked(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    person, email, user_id = _person(live_server.url, "Bernat Bloc")
    by_token, signed_in = _login(live_server.url, email, PASSWORD)
    bearer = GraphQLClient(live_server.url, token=signed_in["token"])
    assert person.data(VIEWER)["viewer"] and bearer.data(VIEWER)["viewer"]

    blocked = _act(superadmin, "blockUser", user_id, "  card fraud reported   by the bank ")
    assert blocked["errors"] == [] and blocked["user"]["blocked"] is True
    assert person.data(VIEWER)["viewer"] is None  # the cookie's session ended
    assert bearer.data(VIEWER)["viewer"] is None  # and the bearer token's
    assert by_token.data(VIEWER)["viewer"] is None
    _, refused = _login(live_server.url, email, PASSWORD)
    assert [e["code"] for e in refused["errors"]] == ["INVALID_CREDENTIALS"]
    page = superadmin.data(PERSON, {"id": user_id})["node"]
    assert page["blocked"] is True and page["sessions"]
    assert all(not s["active"] and s["endedAt"] for s in page["sessions"])
    [entry] = _audit(superadmin, "user.block", user_id)
    assert entry["actor"] == "superadmin@demo.rec.example"
    assert entry["reason"] == "card fraud reported by the bank"
    assert entry["before"] == {"blocked": False}
    assert entry["after"] == {"blocked": True, "sessionsEnded": 2}

    unblocked = _act(superadmin, "unblockUser", user_id, "the bank withdrew the report")
    assert unblocked["errors"] == [] and unblocked["user"]["blocked"] is False
    assert person.data(VIEWER)["viewer"] is None  # old sessions stay ended
    again, signed_in = _login(live_server.url, email, PASSWORD)
    assert signed_in["errors"] == []
    assert again.data(VIEWER)["viewer"]["user"]["email"] == email
    [entry] = _audit(superadmin, "user.unblock", user_id)
    assert entry["reason"] == "the bank withdrew the report"
    assert entry["after"] == {"blocked": False}


def test_lifting_a_pin_lock_lets_the_person_pay_with_their_pin_again(
    live_server: LiveServer, superadmin: GraphQLClient, support: GraphQLClient
) -> None:
    entries = saved_sign_ins(live_server.data_dir)
    lucia = next(e for e in entries if e["email"].startswith("lucia@"))
    jordi = next(e for e in entries if e["email"].startswith("jordi@"))
    client, signed_in = _login(live_server.url, lucia["email"], lucia["password"])
    assert signed_in["errors"] == []
    user_id = client.data("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    jordi_handle = superadmin.data(SEARCH, {"search": jordi["email"], "first": 1})["adminPeople"]
    to = jordi_handle["edges"][0]["node"]["memberships"][0]["account"]["handle"]
    wrong = "1357" if lucia["pin"] != "1357" else "2468"

    def pay(pin: str) -> list[str]:
        variables = {
            "input": {
                "to": to,
                "amount": "1.00",
                "currency": "REC",
                "memo": "",
                "pin": pin,
                "idempotencyKey": uuid.uuid4().hex,
            }
        }
        return [e["code"] for e in client.data(PAY, variables)["pay"]["errors"]]

    assert [pay(wrong) for _ in range(3)] == [["WRONG_PIN"], ["WRONG_PIN"], ["PIN_LOCKED"]]
    assert pay(lucia["pin"]) == ["PIN_LOCKED"]
    locked = support.data(PERSON, {"id": user_id})["node"]
    assert locked["pinLocked"] is True and locked["pinFailures"] == 3

    reset = (
        "mutation($input: PersonActionInput!) { resetPinLock(input: $input) { errors { code } } }"
    )
    refused = support.refusal(reset, {"input": {"userId": user_id, "reason": "she called"}})
    assert refused == "FORBIDDEN"
    assert support.data(PERSON, {"id": user_id})["node"]["pinLocked"] is True

    lifted = _act(superadmin, "resetPinLock", user_id, "she called from her own phone")
    assert lifted["errors"] == []
    assert lifted["user"]["pinLocked"] is False and lifted["user"]["pinFailures"] == 0
    assert pay(lucia["pin"]) == []
    [entry] = _audit(superadmin, "user.reset_pin_lock", user_id)
    assert entry["reason"] == "she called from her own phone"
    assert entry["before"] == {"pinFailures": 3} and entry["after"] == {"pinFailures": 0}


def test_support_may_not_block_unblock_or_lift_a_lock(
    live_server: LiveServer, superadmin: GraphQLClient, support: GraphQLClient
) -> None:
    person, _, user_id = _person(live_server.url, "Sílvia Suport")
    for name in ("blockUser", "unblockUser", "resetPinLock"):
        query = ACTION.format(name=name)
        variables = {"input": {"userId": user_id, "reason": "trying"}}
        assert support.refusal(query, variables) == "FORBIDDEN"
        assert person.refusal(query, variables) == "FORBIDDEN"
        assert GraphQLClient(live_server.url).refusal(query, variables) == "UNAUTHENTICATED"
    assert superadmin.data(PERSON, {"id": user_id})["node"]["blocked"] is False
    assert person.data(VIEWER)["viewer"] is not None
    for action in ("user.block", "user.unblock", "user.reset_pin_lock"):
        assert _audit(superadmin, action, user_id) == []


def test_bad_input_is_a_coded_error_and_changes_nothing(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    person, _, user_id = _person(live_server.url, "Marc Intacte")
    me = superadmin.data("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    account_id = superadmin.data(PERSON, {"id": user_id})["node"]["memberships"][0]["account"]
    nobody = base64.b64encode(b"User:987654321").decode()

    def codes(name: str, who: str, reason: str) -> list[tuple[str, str]]:
        errors = _act(superadmin, name, who, reason)["errors"]
        return [(e["code"], e["field"]) for e in errors]

    for name in ("blockUser", "unblockUser", "resetPinLock"):
        assert codes(name, user_id, "   ") == [("INVALID_INPUT", "reason")]
        assert codes(name, user_id, "x" * 501) == [("INVALID_INPUT", "reason")]
        assert codes(name, nobody, "a reason") == [("NOT_FOUND", "userId")]
        assert codes(name, account_id["id"], "a reason") == [("NOT_FOUND", "userId")]
        assert codes(name, "not an id", "a reason") == [("NOT_FOUND", "userId")]
    assert codes("blockUser", me, "testing myself") == [("FORBIDDEN", "userId")]
    # Nothing to undo: not blocked, no wrong PINs.
    assert codes("unblockUser", user_id, "a reason") == [("INVALID_INPUT", "userId")]
    assert codes("resetPinLock", user_id, "a reason") == [("INVALID_INPUT", "userId")]

    assert superadmin.data(PERSON, {"id": user_id})["node"]["blocked"] is False
    assert superadmin.data(PERSON, {"id": me})["node"]["blocked"] is False
    assert person.data(VIEWER)["viewer"] is not None
    for action in ("user.block", "user.unblock", "user.reset_pin_lock"):
        assert _audit(superadmin, action, user_id) == []
    assert _audit(superadmin, "user.block", me) == []

    # Blocking twice: the second is refused, and logged once.
    assert codes("blockUser", user_id, "first") == []
    assert codes("blockUser", user_id, "second") == [("INVALID_INPUT", "userId")]
    assert [e["reason"] for e in _audit(superadmin, "user.block", user_id)] == ["first"]


async def _open_as(page: PageWatch, url: str, admin: GraphQLClient, path: str) -> None:
    """The browser carries this administrator's session cookie, then opens the path."""
    cookie = admin.http.cookies.get("rec_session")
    assert cookie
    await page.page.context.clear_cookies()
    await page.page.context.add_cookies([{"name": "rec_session", "value": cookie, "url": url}])
    await page.page.goto(url + path)


@pytest.mark.browser
async def test_a_superadmin_blocks_a_person_and_support_sees_the_page_without_buttons(
    live_server: LiveServer, superadmin: GraphQLClient, support: GraphQLClient, page: PageWatch
) -> None:
    marker = uuid.uuid4().hex[:8]
    _, email, user_id = _person(live_server.url, f"Queralt Navegador {marker}")
    await page.page.set_viewport_size({"width": 1200, "height": 900})
    await _open_as(page, live_server.url, superadmin, "/admin/people?currency=REC")
    browser = page.page
    await browser.get_by_test_id("people-search").fill(f"navegador {marker}")
    await browser.get_by_test_id("people-search-go").click()
    await browser.get_by_test_id("people-count").get_by_text("1 person").wait_for(timeout=15000)
    row = browser.get_by_test_id("person-row")
    assert email in await row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    await browser.screenshot(path=str(ARTIFACTS / "admin-people-search.png"), full_page=True)
    await row.get_by_role("link").click()
    await browser.get_by_test_id("person-summary").wait_for(timeout=15000)
    assert await browser.get_by_test_id("person-status").inner_text() == "Active"
    assert "0.00 REC" in await browser.get_by_test_id("person-account").inner_text()

    await browser.get_by_test_id("block-submit").click()  # no reason yet
    error = browser.get_by_test_id("block-problem")
    await error.wait_for(timeout=15000)
    assert "say why" in await error.inner_text()
    await browser.get_by_test_id("block-reason").fill("identity theft reported")
    await browser.get_by_test_id("block-submit").click()
    await browser.get_by_test_id("person-status").get_by_text("Blocked").wait_for(timeout=15000)
    assert await browser.get_by_test_id("block-submit").inner_text() == "Unblock"
    await expect(browser.get_by_test_id("block-reason")).to_have_value("")
    assert await browser.get_by_test_id("pin-submit").is_disabled()  # no wrong PINs
    await browser.screenshot(path=str(ARTIFACTS / "admin-people.png"), full_page=True)
    [entry] = _audit(superadmin, "user.block", user_id)
    assert entry["reason"] == "identity theft reported"

    await _open_as(page, live_server.url, support, f"/admin/people/{user_id}?currency=REC")
    await browser.get_by_test_id("person-summary").wait_for(timeout=15000)
    assert await browser.get_by_test_id("person-status").inner_text() == "Blocked"
    assert await browser.get_by_test_id("person-actions").count() == 0
    assert await browser.locator("button[type=submit]").all_inner_texts() == ["Sign out", "Show"]
    assert page.remote_requests == [] and page.errors == []


@pytest.mark.browser
async def test_a_person_s_history_pages_ten_transactions_at_a_time(
    live_server: LiveServer, superadmin: GraphQLClient, page: PageWatch
) -> None:
    person, _, user_id = _person(live_server.url, f"Roc Historial {uuid.uuid4().hex[:6]}")
    handle = _handle(person)
    treasurer = demo_admin(live_server.url, live_server.data_dir, "treasurer")
    for cents in range(101, 124):  # 23 issuances of 1.01 to 1.23: the newest is 1.23
        _issue(treasurer, person, f"{cents // 100}.{cents % 100:02d}")
    await page.page.set_viewport_size({"width": 1200, "height": 900})
    await _open_as(page, live_server.url, superadmin, f"/admin/people/{user_id}?currency=REC")
    browser = page.page
    rows = browser.get_by_test_id(f"transactions-{handle}").locator("tbody tr")
    await expect(rows).to_have_count(10, timeout=15000)
    assert "1.23 REC" in await rows.first.inner_text()
    older = browser.get_by_test_id(f"older-{handle}")
    await older.click()
    await expect(rows).to_have_count(20, timeout=15000)
    await older.click()
    await expect(rows).to_have_count(23, timeout=15000)
    await expect(older).to_have_count(0)  # nothing older: the button is gone
    amounts = [text.split("\t")[2] for text in await rows.all_inner_texts()]
    expected = [f"{c // 100}.{c % 100:02d} REC" for c in range(123, 100, -1)]
    assert amounts == expected  # newest first, each once, none missing
    assert page.remote_requests == [] and page.errors == []
