"""Administrators limited to some currencies: what a grant's currencies let a person do.

A grant may list currencies (`rec admin create --currency`); a person administers the union
of their grants' lists, or every currency once any grant is unlimited. The `Admin` rule
refuses every field that names another currency (FORBIDDEN, saying which they administer),
before anything runs; the panel offers only their currencies. Rows named by ID (adjustments,
redemptions) are refused in their mutations' errors and left out of lists and `node`; a
limited superadmin grants for their currencies only and touches no wider administrator;
the live figures end and the report files answer 403 once the currency is not theirs.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from playwright.async_api import expect
from strawberry.types.base import StrawberryObjectDefinition
from tortoise import Tortoise

from schema.permissions import Admin, AnyOf, Rule, currency_refusal, not_administered, rule_of
from schema.schema import build_schema
from server.accounts import services, totp
from server.accounts.admin_currencies import beyond, limit_admin_role
from server.accounts.models import AdminGrant, AdminRole, AuditEntry
from server.accounts.principal import Principal, PrincipalKind
from server.accounts.sign_in import authenticate_session, sign_in
from server.branding import load_all
from server.demo import format_sign_ins, saved_sign_ins
from server.settings import PROJECT_ROOT, Settings
from server.stores.relational import tortoise_config
from tests.conftest import LiveServer, rec_env, run_rec
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    LOGIN,
    GraphQLClient,
    business_account,
    demo_admin,
    new_admin,
    register,
)
from tests.helpers.live import next_message, subscription
from tests.test_admin_adjustments import ADJUSTMENT
from tests.test_admin_adjustments import APPROVE as APPROVE_ADJUSTMENT
from tests.test_admin_adjustments import REJECT as REJECT_ADJUSTMENT
from tests.test_admin_adjustments import REQUEST as REQUEST_ADJUSTMENT
from tests.test_admin_people import _open_as

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "a long enough passphrase"
GRA_ADMIN = "gra-admin@demo.rec.example"
DASHBOARD = """query($currency: String!) { adminDashboard(currency: $currency) {
  currency supply { amount currency } } }"""
SUBSCRIPTION = """subscription($currency: String!) {
  adminStats(currency: $currency) { currency } }"""
VIEWER = "{ viewer { adminRoles adminCurrencies } }"
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id } errors { field code message } } }"""
TREASURY = """query($currency: String!) { treasury(currency: $currency) {
  supply { amount currency } } }"""
HANDLE = "{ viewer { activeAccount { handle } } }"
PEOPLE = """query($search: String!) { adminPeople(search: $search, first: 5) {
  edges { node { email } } } }"""
AUDIT = """query($target: String!) { auditLog(first: 20, action: "admin_role.currencies",
  targetType: "user", targetId: $target) { edges { node { actor before after reason } } } }"""
SSE = {"accept": "text/event-stream"}


# -- the rule, for every field that names a currency -----------------------------------------


def _admin_fields() -> dict[str, tuple[Rule, list[str]]]:
    """Every field guarded by an Admin rule (alone or among others): name -> (rule, the
    Python names of its arguments, `input.x` for an input's fields)."""
    schema = build_schema()

    def has_admin(rule: Rule | None) -> bool:
        if isinstance(rule, AnyOf):
            return any(has_admin(inner) for inner in rule.rules)
        return isinstance(rule, Admin)

    found = {}
    for graphql_type in schema._schema.type_map.values():
        definition = getattr(graphql_type, "extensions", {}).get("strawberry-definition")
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        for strawberry_field in definition.fields:
            rule = rule_of(strawberry_field)
            if rule is None or not has_admin(rule):
                continue
            names = []
            for argument in strawberry_field.arguments:
                names.append(argument.python_name)
                inner = getattr(argument.type, "of_type", argument.type)
                input_type = getattr(inner, "__strawberry_definition__", None)
                if input_type is not None and input_type.is_input:
                    names += [f"input.{f.python_name}" for f in input_type.fields]
            found[f"{definition.name}.{strawberry_field.python_name}"] = (rule, names)
    return found


ADMIN_FIELDS = _admin_fields()
NAMING_A_CURRENCY = sorted(
    name
    for name, (_, arguments) in ADMIN_FIELDS.items()
    if {"currency", "input.currency", "input.currency_code"} & set(arguments)
)


def _admin(currencies: set[str] | None) -> Principal:
    """A person holding every administrator role, for those currencies (None: all)."""
    return Principal(
        kind=PrincipalKind.USER,
        admin_roles=frozenset(AdminRole),
        admin_currencies=frozenset(currencies) if currencies is not None else None,
    )


def _naming(code: str) -> dict[str, Any]:
    return {"currency": code, "input": SimpleNamespace(currency=code, currency_code=None)}


def test_the_fields_that_name_a_currency_are_the_expected_ones() -> None:
    """A new admin field naming its currency otherwise lands here unnoticed."""
    assert {
        "Query.admin_dashboard",
        "Subscription.admin_stats",
        "Query.b2b_report",
        "Query.issuance_report",
        "Query.admin_transactions",
        "Query.treasury",
        "Query.adjustments",
        "Query.points_of_sale",
        "Query.point_of_sale",
        "Mutation.issue_funds",
        "Mutation.record_reserve",
        "Mutation.verify_ledger",
        "Mutation.request_adjustment",
        "Mutation.set_adjustment_approval_threshold",
        "Mutation.update_kyc_tier",
        "Mutation.set_account_kyc_tier",
    } <= set(NAMING_A_CURRENCY)


@pytest.mark.parametrize("name", NAMING_A_CURRENCY)
def test_every_admin_field_naming_another_currency_is_refused(name: str) -> None:
    rule, _ = ADMIN_FIELDS[name]
    gra_only = _admin({"GRA"})
    assert rule.refusal(gra_only, _naming("GRA")) is None
    assert rule.refusal(gra_only, _naming("gra")) is None  # the resolvers upper-case codes
    assert rule.refusal(gra_only, _naming("REC")) == "you administer only GRA, not REC"
    assert rule.refusal(_admin({"GRA", "REC"}), _naming("REC")) is None
    assert rule.refusal(_admin(None), _naming("REC")) is None
    assert not rule.decide(gra_only, _naming("REC"))


def test_fields_naming_no_currency_stay_open_to_the_role() -> None:
    gra_only = _admin({"GRA"})
    for name in ("Query.admin_people", "Query.audit_log", "Mutation.grant_admin_role"):
        rule, arguments = ADMIN_FIELDS[name]
        assert "currency" not in arguments and "input.currency" not in arguments
        assert rule.refusal(gra_only, {"input": SimpleNamespace(user_id="x")}) is None, name
    # Optional and not given: the field is not about one currency.
    rule, _ = ADMIN_FIELDS["Query.adjustments"]
    assert rule.refusal(gra_only, {"currency": None}) is None


def test_the_role_is_checked_before_the_currency() -> None:
    rule, _ = ADMIN_FIELDS["Mutation.issue_funds"]  # treasurers only
    support = Principal(
        kind=PrincipalKind.USER,
        admin_roles=frozenset({AdminRole.SUPPORT}),
        admin_currencies=frozenset({"GRA"}),
    )
    assert rule.refusal(support, _naming("GRA")) == "only administrators (treasurer)"
    assert Principal().manages_currency("REC")  # nobody limited: the roles decide
    assert _admin({"GRA"}).manages_currency("gra") and not _admin({"GRA"}).manages_currency("REC")


# -- grants, principals and the migration ------------------------------------------------------


async def test_a_person_administers_the_union_of_their_grants_or_everything(
    stores: Settings,
) -> None:
    user = await services.create_user(f"{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "Pau")

    async def principal() -> Principal:
        signed_in = await sign_in(
            user.email, PASSWORD, None, ip="10.0.0.1", user_agent="pytest", lifetime_s=3600
        )
        return await authenticate_session(signed_in.token)

    assert (await principal()).admin_currencies is None  # no grant: nothing to limit
    await services.grant_admin_role(user, AdminRole.TREASURER)
    assert await limit_admin_role(user, AdminRole.TREASURER, frozenset({"gra"}))
    assert not await limit_admin_role(user, AdminRole.TREASURER, frozenset({"GRA"}))
    assert (await AdminGrant.get(user=user, role=AdminRole.TREASURER)).currencies == "GRA"
    assert (await principal()).admin_currencies == {"GRA"}
    await services.grant_admin_role(user, AdminRole.SUPPORT)
    await limit_admin_role(user, AdminRole.SUPPORT, frozenset({"REC"}))
    assert (await principal()).admin_currencies == {"GRA", "REC"}
    await services.grant_admin_role(user, AdminRole.KYC_OFFICER)  # unlimited
    assert (await principal()).admin_currencies is None
    changes = await AuditEntry.filter(action="admin_role.currencies").order_by("id")
    assert [(e.before, e.after) for e in changes] == [
        (
            {"role": "treasurer", "currencies": "all currencies"},
            {"role": "treasurer", "currencies": "GRA"},
        ),
        (
            {"role": "support", "currencies": "all currencies"},
            {"role": "support", "currencies": "REC"},
        ),
    ]


async def test_the_migrations_make_the_models_with_the_grants_currencies(
    stores: Settings,
) -> None:
    from tortoise.migrations.autodetector import MigrationAutodetector

    assert stores.database_url
    apps = tortoise_config(stores.database_url)["apps"]
    assert await MigrationAutodetector(Tortoise.apps, apps).changes() == []
    assert await AdminGrant.filter(currencies="").count() == await AdminGrant.all().count()


# -- over HTTP, with the demo data ---------------------------------------------------------------


def _signed_in(url: str, entry: dict[str, str]) -> GraphQLClient:
    client = GraphQLClient(url)
    for step in (totp.current_step(), totp.current_step() + 1):  # a step may be used already
        code = totp.code_at(entry["totp_secret"], step)
        variables = {"input": {"email": entry["email"], "password": entry["password"]}}
        variables["input"]["totp"] = code
        payload = client.data(LOGIN, variables)["login"]
        if not payload["errors"]:
            return client
    raise AssertionError(payload["errors"])


@pytest.fixture(scope="module")
def gra_admin(live_server: LiveServer) -> GraphQLClient:
    """The demo's superadmin of Gra only."""
    entry = next(e for e in saved_sign_ins(live_server.data_dir) if e["email"] == GRA_ADMIN)
    return _signed_in(live_server.url, entry)


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


def _refused(client: GraphQLClient, query: str, variables: dict[str, Any]) -> tuple[str, str]:
    """The code and message of a refusal: a top-level error, and no data."""
    body = client.raw(query, variables)
    assert body.get("errors") and not any((body.get("data") or {}).values()), body
    error = body["errors"][0]
    return error["extensions"]["code"], error["message"]


def test_the_demo_has_a_superadmin_of_gra_only(live_server: LiveServer) -> None:
    entries = saved_sign_ins(live_server.data_dir)
    entry = next(e for e in entries if e["email"] == GRA_ADMIN)
    assert entry["role"] == "superadmin" and entry["currencies"] == "GRA"
    # The unlimited superadmin comes first: helpers that take "the superadmin" get them.
    assert next(e for e in entries if e["role"] == "superadmin")["email"].startswith("superadmin@")
    printed = rf"{GRA_ADMIN}\s+{re.escape(entry['password'])}\s+\(superadmin of GRA only\)"
    assert re.search(printed, format_sign_ins(entries))


def test_an_administrator_of_gra_reads_gra_and_is_refused_rec(gra_admin: GraphQLClient) -> None:
    assert gra_admin.data(VIEWER)["viewer"] == {
        "adminRoles": ["SUPERADMIN"],
        "adminCurrencies": ["GRA"],
    }
    figures = gra_admin.data(DASHBOARD, {"currency": "GRA"})["adminDashboard"]
    assert figures["currency"] == "GRA" and figures["supply"]["currency"] == "GRA"
    for code in ("REC", "rec"):
        assert _refused(gra_admin, DASHBOARD, {"currency": code}) == (
            "FORBIDDEN",
            "you administer only GRA, not REC",
        )
    assert _refused(gra_admin, TREASURY, {"currency": "REC"})[0] == "FORBIDDEN"
    # Work that names no currency stays open.
    assert gra_admin.data(PEOPLE, {"search": GRA_ADMIN})["adminPeople"]["edges"]


def test_the_live_figures_of_another_currency_are_refused_before_the_stream(
    gra_admin: GraphQLClient,
) -> None:
    stream = {"query": SUBSCRIPTION, "variables": {"currency": "REC"}}
    with gra_admin.http.stream("POST", "/graphql/stream", headers=SSE, json=stream) as response:
        assert response.status_code == 403
        error = json.loads(response.read())["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == "you administer only GRA, not REC"
    stream["variables"] = {"currency": "GRA"}
    with gra_admin.http.stream("POST", "/graphql/stream", headers=SSE, json=stream) as response:
        assert response.status_code == 200
        first = next(line for line in response.iter_lines() if line.startswith("data:"))
    assert json.loads(first.removeprefix("data:"))["data"]["adminStats"]["currency"] == "GRA"


def test_an_unlimited_administrator_reads_every_currency(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    assert superadmin.data(VIEWER)["viewer"]["adminCurrencies"] is None
    for code in ("GRA", "REC"):
        assert superadmin.data(DASHBOARD, {"currency": code})["adminDashboard"]["currency"] == code
    person = register(live_server.url, _email(), PASSWORD)  # no role: no currency either
    assert person.data(VIEWER)["viewer"] == {"adminRoles": [], "adminCurrencies": []}


def _email() -> str:
    return f"c{uuid.uuid4().hex[:10]}@example.org"


def _admin_create(live_server: LiveServer, email: str, role: str, *codes: str) -> Any:
    args = ["admin", "create", "--email", email, "--password", PASSWORD, "--role", role]
    for code in codes:
        args += ["--currency", code]
    return run_rec(*args, env=rec_env(live_server.settings))


def test_a_treasurer_of_gra_cannot_issue_rec_and_the_supply_stays(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    made = new_admin(live_server.url, superadmin, "TREASURER")
    treasurer: GraphQLClient = made["client"]
    limited = _admin_create(live_server, made["email"], "treasurer", "GRA")
    assert limited.returncode == 0, limited.stderr
    assert "role treasurer already held; its currencies updated to GRA" in limited.stdout
    assert treasurer.data(VIEWER)["viewer"]["adminCurrencies"] == ["GRA"]

    person = register(live_server.url, _email(), PASSWORD)
    handle = person.data(HANDLE)["viewer"]["activeAccount"]["handle"]
    supply = superadmin.data(TREASURY, {"currency": "REC"})["treasury"]["supply"]
    issue = {"to": handle, "amount": "25.00", "currency": "REC", "reason": "cash at the office"}
    for attempt in range(2):  # the same key again: still refused, still nothing
        variables = {"input": issue | {"idempotencyKey": f"limited-{handle}"}}
        assert _refused(treasurer, ISSUE, variables) == (
            "FORBIDDEN",
            "you administer only GRA, not REC",
        ), attempt
    assert superadmin.data(TREASURY, {"currency": "REC"})["treasury"]["supply"] == supply
    wallet = """{ viewer { activeAccount { wallet(currency: "REC") { balance { amount } } } } }"""
    balance = person.data(wallet)["viewer"]["activeAccount"]["wallet"]
    assert balance is None or Decimal(balance["balance"]["amount"]) == 0

    # Gra, theirs, issues as usual.
    before = Decimal(superadmin.data(TREASURY, {"currency": "GRA"})["treasury"]["supply"]["amount"])
    gra = issue | {"currency": "GRA", "amount": "25", "idempotencyKey": uuid.uuid4().hex}
    done = treasurer.data(ISSUE, {"input": gra})["issueFunds"]
    assert done["errors"] == [] and done["transaction"]
    after = superadmin.data(TREASURY, {"currency": "GRA"})["treasury"]["supply"]["amount"]
    assert Decimal(after) == before + 25


def test_admin_create_limits_a_role_to_currencies_and_updates_it_when_run_again(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    email = _email()
    created = _admin_create(live_server, email, "support", "GRA", "gra")
    assert created.returncode == 0, created.stderr
    assert f"{email}: role support granted (GRA)" in created.stdout
    again = _admin_create(live_server, email, "support", "GRA")
    assert again.returncode == 0 and "role support already held (GRA)" in again.stdout
    wider = _admin_create(live_server, email, "support", "REC", "GRA")
    assert "role support already held; its currencies updated to GRA, REC" in wider.stdout
    every = _admin_create(live_server, email, "support")
    assert "role support already held; its currencies updated to all currencies" in every.stdout
    assert "role support already held (all currencies)" in (
        _admin_create(live_server, email, "support").stdout
    )
    user_id = superadmin.data(
        """query($search: String!) { adminPeople(search: $search, first: 1) {
        edges { node { id } } } }""",
        {"search": email},
    )["adminPeople"]["edges"][0]["node"]["id"]
    number = base64.b64decode(user_id).decode().split(":")[1]
    entries = superadmin.data(AUDIT, {"target": number})["auditLog"]["edges"]
    assert [e["node"]["after"]["currencies"] for e in entries] == [
        "all currencies",
        "GRA, REC",
        "GRA",
    ]
    assert {e["node"]["actor"] for e in entries} == {"command line"}


def test_admin_create_refuses_an_unknown_currency_and_changes_nothing(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    email = _email()
    refused = _admin_create(live_server, email, "superadmin", "GRA", "XYZ")
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "rec admin create: --currency: no currency XYZ (installed: GRA, REC)" in refused.stderr
    assert superadmin.data(PEOPLE, {"search": email})["adminPeople"]["edges"] == []


# -- in Chromium ---------------------------------------------------------------------------------


async def _switch(page: PageWatch) -> tuple[list[str], str]:
    switch = page.page.get_by_test_id("currency-switch")
    await switch.wait_for(timeout=15000)
    options = await switch.locator("option").evaluate_all("nodes => nodes.map(n => n.value)")
    return options, await switch.input_value()


@pytest.mark.browser
async def test_the_currency_switch_offers_only_the_administrators_currencies(
    live_server: LiveServer, gra_admin: GraphQLClient, superadmin: GraphQLClient, page: PageWatch
) -> None:
    await page.page.set_viewport_size({"width": 1200, "height": 900})
    await _open_as(page, live_server.url, gra_admin, "/admin/?currency=REC")
    await page.page.get_by_test_id("admin-home").wait_for(timeout=15000)
    assert await _switch(page) == (["GRA"], "GRA")  # REC asked for: Gra instead
    user = await page.page.get_by_test_id("admin-user").inner_text()
    assert "superadmin" in user and "of GRA only" in user
    supply = page.page.get_by_test_id("stat-supply")
    await supply.wait_for(timeout=15000)
    assert (await supply.inner_text()).endswith("GRA")
    menu = await page.page.get_by_test_id("menu-people").get_attribute("href")
    assert menu == "/admin/people?currency=GRA"
    assert await page.page.get_by_test_id("menu-outbox").count() == 0  # every currency's only
    ARTIFACTS.mkdir(exist_ok=True)
    await page.page.screenshot(path=str(ARTIFACTS / "admin-one-currency.png"), full_page=True)

    await _open_as(page, live_server.url, superadmin, "/admin/?currency=GRA")
    await page.page.get_by_test_id("admin-home").wait_for(timeout=15000)
    assert await page.page.get_by_test_id("menu-outbox").count() == 1
    options, chosen = await _switch(page)
    assert sorted(options) == ["GRA", "REC"] and chosen == "GRA"
    assert "only" not in await page.page.get_by_test_id("admin-user").inner_text()
    # The currency shown is the one chosen, even when it is not the first offered.
    await _open_as(page, live_server.url, superadmin, "/admin/people?currency=REC")
    await page.page.get_by_test_id("admin-home").wait_for(timeout=15000)
    await expect(page.page.get_by_test_id("currency-switch")).to_have_value("REC")
    assert page.remote_requests == [] and page.errors == []


# -- rows named by ID, lists, grants, the live figures and the report files ------------------

ACCOUNT = "{ viewer { user { id } activeAccount { id handle } } }"
ADJUSTMENTS = (
    """query($status: AdjustmentStatus) { adjustments(first: 100, status: $status) {
  edges { node { ...A } } } }"""
    + ADJUSTMENT
)
NODE = """query($id: ID!) { node(id: $id) { id ... on Adjustment { status }
  ... on Redemption { state: status } } }"""
THRESHOLD = """query($code: String!) { currency(code: $code) {
  adjustmentApprovalThreshold { amount } } }"""
BALANCE = """query($id: ID!, $currency: String!) { node(id: $id) { ... on Account {
  wallet(currency: $currency) { balance { amount } } } } }"""
REQUEST_REDEMPTION = """mutation($input: RequestRedemptionInput!) { requestRedemption(
  input: $input) { redemption { id status } errors { field code message } } }"""
DECIDE_REDEMPTION = """mutation($input: %sInput!) { %s(input: $input) {
  redemption { id status } errors { field code message } } }"""
REDEMPTIONS = """query($status: RedemptionStatus, $currency: String) {
  redemptions(first: 100, status: $status, currency: $currency) {
  edges { node { id status amount { currency } } } } }"""
IBAN = "ES91 2100 0418 4502 0005 1332"
SET_TIER = """mutation($input: SetAccountKycTierInput!) { setAccountKycTier(input: $input) {
  tier errors { field code message } } }"""
KYC_TIER = """query($id: ID!, $currency: String!) { node(id: $id) { ... on Account {
  kycTier(currency: $currency) } } }"""
KYC_QUEUE = "{ kycReviewQueue(first: 5) { edges { node { document { id } } } } }"
GRANT = """mutation($input: AdminRoleInput!) { grantAdminRole(input: $input) {
  user { adminRoles } errors { field code message } } }"""
REVOKE = """mutation($input: AdminRoleInput!) { revokeAdminRole(input: $input) {
  user { adminRoles } errors { field code message } } }"""
GRANTS_AUDIT = """query($target: String!) { auditLog(first: 20, action: "admin_role.grant",
  targetType: "user", targetId: $target) { edges { node { actor after } } } }"""
NOT_REC = "you administer only GRA, not REC"


def _limited_admin(
    live_server: LiveServer, superadmin: GraphQLClient, role: str, *codes: str
) -> dict[str, Any]:
    """A new administrator of that role (two-factor on, signed in), limited to those
    currencies: `new_admin`'s dict."""
    made = new_admin(live_server.url, superadmin, role)
    limited = _admin_create(live_server, made["email"], role.lower(), *codes)
    assert limited.returncode == 0, limited.stderr
    assert made["client"].data(VIEWER)["viewer"]["adminCurrencies"] == sorted(codes)
    return made


@pytest.fixture(scope="module")
def treasurer(live_server: LiveServer) -> GraphQLClient:
    """The demo's treasurer, of every currency."""
    return demo_admin(live_server.url, live_server.data_dir, "treasurer")


@pytest.fixture(scope="module")
def gra_treasurer(live_server: LiveServer, superadmin: GraphQLClient) -> GraphQLClient:
    client: GraphQLClient = _limited_admin(live_server, superadmin, "TREASURER", "GRA")["client"]
    return client


def _number(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def _refusal(payload: dict[str, Any], field: str = "id", message: str = NOT_REC) -> None:
    """A mutation's refusal as data: FORBIDDEN, in the rule's words, and nothing else."""
    assert payload["errors"] == [{"field": field, "code": "FORBIDDEN", "message": message}]
    assert [value for key, value in payload.items() if key != "errors"] == [None] * (
        len(payload) - 1
    )


def _pending_adjustment(superadmin: GraphQLClient, account_id: str, code: str) -> dict[str, Any]:
    """An adjustment above the currency's threshold: PENDING."""
    threshold = superadmin.data(THRESHOLD, {"code": code})["currency"]
    amount = Decimal(threshold["adjustmentApprovalThreshold"]["amount"]) + 1
    made = superadmin.mutate(
        "requestAdjustment",
        REQUEST_ADJUSTMENT,
        {
            "accountId": account_id,
            "currency": code,
            "direction": "CREDIT",
            "amount": str(amount),
            "reason": "a deposit the office forgot",
            "idempotencyKey": uuid.uuid4().hex,
        },
    )["adjustment"]
    assert made["status"] == "PENDING"
    return made


def test_a_treasurer_of_gra_neither_decides_on_nor_sees_rec_adjustments(
    live_server: LiveServer, superadmin: GraphQLClient, gra_treasurer: GraphQLClient
) -> None:
    person = register(live_server.url, _email(), PASSWORD)
    account_id = person.data(ACCOUNT)["viewer"]["activeAccount"]["id"]
    rec = _pending_adjustment(superadmin, account_id, "REC")
    gra = _pending_adjustment(superadmin, account_id, "GRA")
    balance = superadmin.data(BALANCE, {"id": account_id, "currency": "REC"})["node"]

    approve = gra_treasurer.data(APPROVE_ADJUSTMENT, {"input": {"id": rec["id"]}})
    _refusal(approve["approveAdjustment"])
    reject = {"id": rec["id"], "reason": "not ours"}
    _refusal(gra_treasurer.data(REJECT_ADJUSTMENT, {"input": reject})["rejectAdjustment"])
    # Nothing changed: still waiting, nobody decided, no money moved.
    still = superadmin.data(NODE, {"id": rec["id"]})["node"]
    assert still == {"id": rec["id"], "status": "PENDING"}
    assert superadmin.data(BALANCE, {"id": account_id, "currency": "REC"})["node"] == balance

    # The list without a currency holds theirs only; the REC one is not theirs to read.
    for status in (None, "PENDING"):
        listed = gra_treasurer.data(ADJUSTMENTS, {"status": status})["adjustments"]["edges"]
        ids = [edge["node"]["id"] for edge in listed]
        assert gra["id"] in ids and rec["id"] not in ids
        assert {edge["node"]["amount"]["currency"] for edge in listed} == {"GRA"}
    everything = superadmin.data(ADJUSTMENTS, {"status": "PENDING"})["adjustments"]["edges"]
    assert {rec["id"], gra["id"]} <= {edge["node"]["id"] for edge in everything}
    assert gra_treasurer.data(NODE, {"id": rec["id"]})["node"] is None
    assert gra_treasurer.data(NODE, {"id": gra["id"]})["node"]["status"] == "PENDING"

    # Their own currency's: decided as usual.
    rejected = gra_treasurer.mutate(
        "rejectAdjustment", REJECT_ADJUSTMENT, {"id": gra["id"], "reason": "asked twice"}
    )["adjustment"]
    assert rejected["status"] == "REJECTED" and rejected["decidedBy"]["email"].startswith("admin-")


def _shop_with_funds(live_server: LiveServer, treasurer: GraphQLClient) -> tuple[Any, str]:
    owner = register(live_server.url, _email(), PASSWORD, "Pau Ferrer")
    shop = business_account(owner, f"Ferreteria {uuid.uuid4().hex[:4]}", "shop")
    for code, amount in (("REC", "100.00"), ("GRA", "50")):
        issue = {
            "to": shop["id"],
            "amount": amount,
            "currency": code,
            "reason": "takings",
            "idempotencyKey": uuid.uuid4().hex,
        }
        assert treasurer.data(ISSUE, {"input": issue})["issueFunds"]["errors"] == []
    return owner, shop["id"]


def _redeem(owner: GraphQLClient, shop_id: str, code: str, amount: str) -> dict[str, Any]:
    asked = {
        "accountId": shop_id,
        "amount": amount,
        "currency": code,
        "iban": IBAN,
        "holderName": "Pau Ferrer i Fills SL",
        "idempotencyKey": uuid.uuid4().hex,
    }
    made = owner.mutate("requestRedemption", REQUEST_REDEMPTION, asked)["redemption"]
    assert made["status"] == "REQUESTED"
    return made


def test_a_treasurer_of_gra_neither_decides_on_nor_sees_rec_redemptions(
    live_server: LiveServer,
    superadmin: GraphQLClient,
    treasurer: GraphQLClient,
    gra_treasurer: GraphQLClient,
) -> None:
    owner, shop_id = _shop_with_funds(live_server, treasurer)
    rec = _redeem(owner, shop_id, "REC", "60.00")
    gra = _redeem(owner, shop_id, "GRA", "20")
    held = superadmin.data(BALANCE, {"id": shop_id, "currency": "REC"})["node"]
    assert held["wallet"]["balance"]["amount"] == "40.00"

    for name, input_type, extra in (
        ("approveRedemption", "Redemption", {}),
        ("rejectRedemption", "RejectRedemption", {"reason": "not ours"}),
        ("recordRedemptionPayout", "RecordRedemptionPayout", {"bankReference": "TRF-1"}),
    ):
        query = DECIDE_REDEMPTION % (input_type, name)
        _refusal(gra_treasurer.data(query, {"input": {"id": rec["id"]} | extra})[name])
    assert superadmin.data(NODE, {"id": rec["id"]})["node"]["state"] == "REQUESTED"
    assert superadmin.data(BALANCE, {"id": shop_id, "currency": "REC"})["node"] == held

    for status in (None, "REQUESTED"):
        listed = gra_treasurer.data(REDEMPTIONS, {"status": status})["redemptions"]["edges"]
        ids = [edge["node"]["id"] for edge in listed]
        assert gra["id"] in ids and rec["id"] not in ids
        assert {edge["node"]["amount"]["currency"] for edge in listed} == {"GRA"}
    everything = superadmin.data(REDEMPTIONS, {"status": "REQUESTED"})["redemptions"]["edges"]
    assert {rec["id"], gra["id"]} <= {edge["node"]["id"] for edge in everything}
    # One currency asked (as the panel asks for the currency it shows): that one only.
    for code, mine, other in (("REC", rec, gra), ("gra", gra, rec)):
        asked = {"status": "REQUESTED", "currency": code}
        listed = superadmin.data(REDEMPTIONS, asked)["redemptions"]["edges"]
        assert {edge["node"]["amount"]["currency"] for edge in listed} == {code.upper()}
        ids = {edge["node"]["id"] for edge in listed}
        assert mine["id"] in ids and other["id"] not in ids
    # A treasurer of GRA who asks for REC's is refused: asking widens nothing.
    asked = {"status": "REQUESTED", "currency": "REC"}
    assert gra_treasurer.refusal(REDEMPTIONS, asked) == "FORBIDDEN"
    assert gra_treasurer.data(NODE, {"id": rec["id"]})["node"] is None
    # The shop's owner still sees both of theirs.
    assert owner.data(NODE, {"id": rec["id"]})["node"]["state"] == "REQUESTED"

    approved = gra_treasurer.mutate(
        "approveRedemption",
        DECIDE_REDEMPTION % ("Redemption", "approveRedemption"),
        {"id": gra["id"]},
    )
    assert approved["redemption"]["status"] == "APPROVED"


def test_an_officer_of_gra_sets_tiers_of_gra_only_and_documents_stay_open(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    officer: GraphQLClient = _limited_admin(live_server, superadmin, "KYC_OFFICER", "GRA")["client"]
    person = register(live_server.url, _email(), PASSWORD)
    account_id = person.data(ACCOUNT)["viewer"]["activeAccount"]["id"]
    before = superadmin.data(KYC_TIER, {"id": account_id, "currency": "REC"})["node"]
    # No currency named: the deployment's default one (REC), not theirs.
    unnamed = {"accountId": account_id, "tier": 2, "reason": "checked at the office"}
    _refusal(officer.data(SET_TIER, {"input": unnamed})["setAccountKycTier"], "currency")
    assert superadmin.data(KYC_TIER, {"id": account_id, "currency": "REC"})["node"] == before
    named = unnamed | {"currency": "REC"}
    assert _refused(officer, SET_TIER, {"input": named}) == ("FORBIDDEN", NOT_REC)
    assert superadmin.data(KYC_TIER, {"id": account_id, "currency": "REC"})["node"] == before
    theirs = officer.data(SET_TIER, {"input": unnamed | {"currency": "GRA"}})["setAccountKycTier"]
    assert theirs == {"tier": 2, "errors": []}
    # Documents are the person's, in no currency: the queue stays theirs to read.
    assert "edges" in officer.data(KYC_QUEUE)["kycReviewQueue"]


def _user_id(client: GraphQLClient) -> str:
    return client.data(ACCOUNT)["viewer"]["user"]["id"]


def test_a_superadmin_of_gra_grants_for_gra_only_and_touches_no_wider_administrator(
    live_server: LiveServer, superadmin: GraphQLClient, gra_admin: GraphQLClient
) -> None:
    # Granted by the superadmin of Gra: a treasurer of Gra, not of every currency.
    made = new_admin(live_server.url, gra_admin, "TREASURER")
    assert made["client"].data(VIEWER)["viewer"] == {
        "adminRoles": ["TREASURER"],
        "adminCurrencies": ["GRA"],
    }
    granted_id = _user_id(made["client"])
    entries = superadmin.data(GRANTS_AUDIT, {"target": _number(granted_id)})["auditLog"]["edges"]
    assert [e["node"]["after"] for e in entries] == [{"role": "treasurer", "currencies": "GRA"}]
    assert made["client"].refusal(TREASURY, {"currency": "REC"}) == "FORBIDDEN"

    # Somebody who administers every currency, or another one: not theirs to change.
    everywhere = new_admin(live_server.url, superadmin, "SUPPORT")
    of_rec = _limited_admin(live_server, superadmin, "SUPPORT", "REC")
    for target, outside in ((everywhere, "all currencies"), (of_rec, "REC")):
        user_id = _user_id(target["client"])
        message = f"you administer only GRA, not {outside}"
        for query, name, role in (
            (GRANT, "grantAdminRole", "TREASURER"),
            (REVOKE, "revokeAdminRole", "SUPPORT"),
        ):
            asked = {"userId": user_id, "role": role, "reason": "reorganisation"}
            _refusal(gra_admin.data(query, {"input": asked})[name], "userId", message)
        viewer = target["client"].data(VIEWER)["viewer"]
        assert viewer["adminRoles"] == ["SUPPORT"]
        audit = superadmin.data(GRANTS_AUDIT, {"target": _number(user_id)})["auditLog"]["edges"]
        assert [e["node"]["after"]["role"] for e in audit] == ["support"]
    assert everywhere["client"].data(VIEWER)["viewer"]["adminCurrencies"] is None
    # An unlimited superadmin still grants for every currency.
    unlimited = {"userId": _user_id(everywhere["client"]), "role": "TREASURER", "reason": "x"}
    assert superadmin.data(GRANT, {"input": unlimited})["grantAdminRole"]["errors"] == []

    # Their own treasurer of Gra: theirs to revoke.
    revoked = gra_admin.mutate(
        "revokeAdminRole", REVOKE, {"userId": granted_id, "role": "TREASURER", "reason": "left"}
    )
    assert revoked["user"]["adminRoles"] == []


def test_the_live_figures_end_once_the_currency_is_no_longer_theirs(
    live_server: LiveServer, superadmin: GraphQLClient, treasurer: GraphQLClient
) -> None:
    made = new_admin(live_server.url, superadmin, "SUPPORT")
    person = register(live_server.url, _email(), PASSWORD)
    handle = person.data(HANDLE)["viewer"]["activeAccount"]["handle"]

    def issue_gra() -> None:
        gra = {"to": handle, "amount": "3", "currency": "GRA", "reason": "market stall"}
        done = treasurer.data(ISSUE, {"input": gra | {"idempotencyKey": uuid.uuid4().hex}})
        assert done["issueFunds"]["errors"] == []

    cookie = made["client"].http.cookies["rec_session"]
    with subscription(live_server.url, SUBSCRIPTION, cookie, variables={"currency": "GRA"}) as ws:
        first = next_message(ws)
        assert (
            first["type"] == "next" and first["payload"]["data"]["adminStats"]["currency"] == "GRA"
        )
        issue_gra()  # the figures change: a new answer while the currency is theirs
        assert next_message(ws)["type"] == "next"
        limited = _admin_create(live_server, made["email"], "support", "REC")
        assert limited.returncode == 0, limited.stderr
        issue_gra()
        # The next change finds GRA no longer theirs: the stream ends, as losing the role does.
        message = next_message(ws)
        while message["type"] == "next":  # an answer made before the limit, if one waited
            message = next_message(ws)
        assert message == {"id": "s", "type": "complete"}


def test_a_report_of_another_currency_is_forbidden(gra_admin: GraphQLClient) -> None:
    period = {"from": "2025-01-01", "to": "2025-01-31"}
    for report in ("b2b.csv", "transactions.pdf", "issuance.csv"):
        for code in ("REC", "rec"):
            response = gra_admin.http.get(
                f"/admin/reports/{report}", params=period | {"currency": code}
            )
            assert response.status_code == 403, response.text
            assert response.text == NOT_REC
        theirs = gra_admin.http.get(f"/admin/reports/{report}", params=period | {"currency": "GRA"})
        assert theirs.status_code == 200, theirs.text


def test_the_refusals_share_one_wording() -> None:
    assert not_administered({"gra"}, "REC") == NOT_REC
    assert not_administered(["REC", "GRA"], "XYZ") == "you administer only GRA, REC, not XYZ"
    assert currency_refusal(_admin({"GRA"}), "rec") == NOT_REC
    assert currency_refusal(_admin({"GRA"}), "gra") is None
    assert currency_refusal(_admin(None), "REC") is None
    assert beyond(None, None) is None and beyond(None, frozenset({"REC"})) is None
    assert beyond(frozenset({"GRA"}), None) == "all currencies"
    assert beyond(frozenset({"GRA"}), frozenset({"GRA", "REC", "XYZ"})) == "REC, XYZ"
    assert beyond(frozenset({"GRA"}), frozenset({"GRA"})) is None
    assert beyond(frozenset({"GRA"}), frozenset()) is None


PERSON_ACTION = """mutation($input: PersonActionInput!) { %s(input: $input) {
  user { id blocked } errors { field code message } } }"""
OUTBOX = "{ sandboxOutbox(first: 5) { edges { node { subject } } } }"


def test_a_superadmin_of_gra_blocks_residents_but_no_wider_administrator(
    live_server: LiveServer, superadmin: GraphQLClient, gra_admin: GraphQLClient
) -> None:
    resident = register(live_server.url, _email(), PASSWORD)
    resident_id = _user_id(resident)
    for name in ("blockUser", "unblockUser"):
        asked = {"userId": resident_id, "reason": "reported by the market"}
        payload = gra_admin.data(PERSON_ACTION % name, {"input": asked})[name]
        assert payload["errors"] == [] and payload["user"]["id"] == resident_id
    asked = {"userId": resident_id, "reason": "locked out"}
    payload = gra_admin.data(PERSON_ACTION % "resetPinLock", {"input": asked})["resetPinLock"]
    assert [e["code"] for e in payload["errors"]] == ["INVALID_INPUT"]  # theirs; nothing to do

    unlimited_id = _user_id(superadmin)
    for name in ("blockUser", "resetPinLock"):
        asked = {"userId": unlimited_id, "reason": "taking over"}
        payload = gra_admin.data(PERSON_ACTION % name, {"input": asked})[name]
        _refusal(payload, "userId", "you administer only GRA, not all currencies")
    assert superadmin.data(VIEWER)["viewer"]["adminRoles"] == ["SUPERADMIN"]  # still signed in


def test_the_development_outbox_is_for_superadmins_of_every_currency(
    superadmin: GraphQLClient, gra_admin: GraphQLClient
) -> None:
    assert "edges" in superadmin.data(OUTBOX)["sandboxOutbox"]
    assert _refused(gra_admin, OUTBOX, {}) == (
        "FORBIDDEN",
        "you administer only GRA, not all currencies",
    )


GRANT_FOR = """mutation($input: AdminRoleInput!) { grantAdminRole(input: $input) {
  user { adminRoles } errors { field code message } } }"""


def test_a_role_is_granted_for_the_currencies_asked_and_changed_by_granting_again(
    live_server: LiveServer, superadmin: GraphQLClient, gra_admin: GraphQLClient
) -> None:
    made = new_admin(live_server.url, superadmin, "TREASURER")
    user_id, viewer = _user_id(made["client"]), made["client"]

    def grant(by: GraphQLClient, currencies: list[str] | None) -> dict[str, Any]:
        asked = {"userId": user_id, "role": "TREASURER", "reason": "market treasurer"}
        return by.data(GRANT_FOR, {"input": {**asked, "currencies": currencies}})["grantAdminRole"]

    assert grant(superadmin, ["gra"])["errors"] == []
    assert viewer.data(VIEWER)["viewer"]["adminCurrencies"] == ["GRA"]
    assert grant(superadmin, ["REC", "GRA"])["errors"] == []
    assert viewer.data(VIEWER)["viewer"]["adminCurrencies"] == ["GRA", "REC"]
    changes = superadmin.data(AUDIT, {"target": _number(user_id)})["auditLog"]["edges"]
    assert [(e["node"]["before"], e["node"]["after"]) for e in changes] == [
        (
            {"role": "treasurer", "currencies": "GRA"},
            {"role": "treasurer", "currencies": "GRA, REC"},
        ),
        (
            {"role": "treasurer", "currencies": "all currencies"},
            {"role": "treasurer", "currencies": "GRA"},
        ),
    ]

    # Bad lists change nothing; a superadmin of Gra gives no more than Gra.
    for currencies, code, message in (
        (["XYZ"], "INVALID_INPUT", "no currency XYZ (installed: GRA, REC)"),
        ([], "INVALID_INPUT", "name each currency by its code, or leave currencies out"),
        ([" "], "INVALID_INPUT", "name each currency by its code, or leave currencies out"),
    ):
        payload = grant(superadmin, currencies)
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("currencies", code)]
        assert payload["errors"][0]["message"].startswith(message) and payload["user"] is None
    refused = grant(gra_admin, ["GRA"])  # the person administers REC too: not theirs
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("userId", "FORBIDDEN")]
    assert refused["errors"][0]["message"] == NOT_REC
    assert viewer.data(VIEWER)["viewer"]["adminCurrencies"] == ["GRA", "REC"]
    assert len(superadmin.data(AUDIT, {"target": _number(user_id)})["auditLog"]["edges"]) == 2

    revoke = {"userId": user_id, "role": "TREASURER", "reason": "x", "currencies": ["REC"]}
    payload = superadmin.data(REVOKE, {"input": revoke})["revokeAdminRole"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("currencies", "INVALID_INPUT")]
    assert viewer.data(VIEWER)["viewer"]["adminRoles"] == ["TREASURER"]


def test_a_superadmin_of_gra_may_name_gra_only(
    live_server: LiveServer, superadmin: GraphQLClient, gra_admin: GraphQLClient
) -> None:
    person = register(live_server.url, _email(), PASSWORD)
    asked = {"userId": _user_id(person), "role": "SUPPORT", "reason": "helps at the market"}
    refused = gra_admin.data(GRANT_FOR, {"input": {**asked, "currencies": ["GRA", "REC"]}})
    assert [(e["field"], e["code"], e["message"]) for e in refused["grantAdminRole"]["errors"]] == [
        ("currencies", "FORBIDDEN", NOT_REC)
    ]
    assert person.data(VIEWER)["viewer"]["adminRoles"] == []
    granted = gra_admin.data(GRANT_FOR, {"input": {**asked, "currencies": ["GRA"]}})
    assert granted["grantAdminRole"]["errors"] == []
    assert granted["grantAdminRole"]["user"]["adminRoles"] == ["SUPPORT"]


@pytest.mark.parametrize(
    ("asked", "shown"), [("GRA", "GRA"), ("gra", "GRA"), ("", "REC"), ("XYZ", "REC")]
)
def test_the_panel_takes_the_look_of_the_currency_it_shows(
    live_server: LiveServer, asked: str, shown: str
) -> None:
    theme = next(b for b in load_all(PROJECT_ROOT / "branding") if b.code == shown).theme
    page = httpx.get(live_server.url + "/admin/", params={"currency": asked} if asked else None)
    assert page.status_code == 200
    assert f"<title>{theme.name} · admin</title>" in page.text
    assert f"--primary: {theme.colours.primary};" in page.text
    fonts = theme.fonts
    assert (
        ('font-family: "' + fonts.family + '"' in page.text)
        if fonts
        else "@font-face" not in page.text
    )


ACCOUNT_READS = """query($id: ID!) { node(id: $id) { ... on Account {
  rec: wallet(currency: "REC") { balance { amount } }
  gra: wallet(currency: "GRA") { balance { amount } }
  recTier: kycTier(currency: "REC") graTier: kycTier(currency: "GRA")
  redemptions(first: 20) { edges { node { amount { currency } } } } } } }"""
TRANSACTIONS = """query($id: ID!, $currency: String!) { node(id: $id) { ... on Account {
  wallet(currency: $currency) { transactions(first: 5) { edges { node { id } } } } } } }"""
TRANSACTION = "query($id: ID!) { node(id: $id) { id } }"


def test_an_administrator_of_gra_reads_an_account_s_gra_only(
    live_server: LiveServer, superadmin: GraphQLClient, treasurer: GraphQLClient
) -> None:
    """What an account holds in REC, its REC tier, redemptions and entries are not for an
    administrator of Gra only; its members and the unlimited administrator see both."""
    owner, shop_id = _shop_with_funds(live_server, treasurer)
    _redeem(owner, shop_id, "REC", "10.00")
    _redeem(owner, shop_id, "GRA", "5")
    gra_only = _limited_admin(live_server, superadmin, "SUPPORT", "GRA")["client"]

    seen = gra_only.data(ACCOUNT_READS, {"id": shop_id})["node"]
    assert seen["rec"] is None and seen["recTier"] is None
    assert seen["gra"] == {"balance": {"amount": "45"}} and seen["graTier"] is not None
    assert [e["node"]["amount"]["currency"] for e in seen["redemptions"]["edges"]] == ["GRA"]
    for reader in (superadmin, owner):
        everything = reader.data(ACCOUNT_READS, {"id": shop_id})["node"]
        assert everything["rec"] == {"balance": {"amount": "90.00"}}
        redeemed = {e["node"]["amount"]["currency"] for e in everything["redemptions"]["edges"]}
        assert redeemed == {"GRA", "REC"}

    rec_entry = superadmin.data(TRANSACTIONS, {"id": shop_id, "currency": "REC"})["node"]
    rec_id = rec_entry["wallet"]["transactions"]["edges"][0]["node"]["id"]
    gra_entry = superadmin.data(TRANSACTIONS, {"id": shop_id, "currency": "GRA"})["node"]
    gra_id = gra_entry["wallet"]["transactions"]["edges"][0]["node"]["id"]
    assert gra_only.data(TRANSACTION, {"id": rec_id})["node"] is None
    assert gra_only.data(TRANSACTION, {"id": gra_id})["node"] == {"id": gra_id}
    assert owner.data(TRANSACTION, {"id": rec_id})["node"] == {"id": rec_id}
