"""People and access over the real GraphQL endpoint, as an outsider would try them."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer
from tests.helpers.graphql import (
    LOGIN,
    REGISTER,
    GraphQLClient,
    demo_admin,
    register,
    token_from_outbox,
)

PASSWORD = "a long enough passphrase"
VIEWER = "{ viewer { user { email emailVerified } activeAccount { id name kind } accounts { role account { name } } } }"
CREATE_SHOP = """mutation($input: CreateBusinessAccountInput!) { createBusinessAccount(input: $input) {
  account { id name kind handle } errors { field code message } } }"""
CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret apiKey { id prefix scopes } errors { field code message } } }"""
INVITE = """mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
  account { id } errors { field code message } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  account { id } errors { field code message } } }"""
SWITCH = """mutation($input: SwitchAccountInput!) { switchAccount(input: $input) {
  account { id name } errors { field code message } } }"""
KEYS = """query($id: ID!) { node(id: $id) { ... on Account { apiKeys { id name revokedAt } } } }"""
MEMBERS = (
    """query($id: ID!) { node(id: $id) { ... on Account { members { userId email role } } } }"""
)
REMOVE = """mutation($input: RemoveMemberInput!) { removeMember(input: $input) {
  account { id } errors { field code message } } }"""


def _email() -> str:
    return f"p{uuid.uuid4().hex[:10]}@example.org"


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> Iterator[tuple[GraphQLClient, str]]:
    """An owner signed in, and their business account's ID."""
    owner = register(live_server.url, _email(), PASSWORD, "Marta Soler")
    account = owner.mutate(
        "createBusinessAccount",
        CREATE_SHOP,
        {
            "name": "Forn de Gràcia",
            "category": "bakery",
            "address": "Carrer de Verdi, 30",
            "location": {"lat": 41.4036, "lng": 2.157},
            "neighbourhood": "Gràcia",
        },
    )["account"]
    assert account["kind"] == "BUSINESS" and account["handle"] == "forn-de-gracia"
    yield owner, account["id"]


def test_register_sign_in_by_cookie_and_by_token_then_sign_out(live_server: LiveServer) -> None:
    email = _email()
    anonymous = GraphQLClient(live_server.url)
    assert anonymous.data(VIEWER) == {"viewer": None}
    anonymous.mutate(
        "register",
        """mutation($input: RegisterInput!) { register(input: $input) {
        user { email } errors { field code message } } }""",
        {"email": email, "password": PASSWORD, "name": "Anna Puig", "language": "ca"},
    )

    browser = GraphQLClient(live_server.url)
    response = browser.http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": email, "password": PASSWORD}}},
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("rec_session=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Secure" not in cookie  # plain HTTP on loopback
    token = response.json()["data"]["login"]["token"]
    viewer = browser.data(VIEWER)["viewer"]
    assert viewer["user"] == {"email": email, "emailVerified": False}
    assert viewer["activeAccount"]["kind"] == "PERSONAL"
    assert viewer["accounts"] == [{"role": "HOLDER", "account": {"name": "Anna Puig"}}]

    program = GraphQLClient(live_server.url, token=token)
    assert program.data(VIEWER)["viewer"]["user"]["email"] == email

    logout = browser.data("mutation { logout { errors { code } } }")["logout"]
    assert logout == {"errors": []}
    assert browser.data(VIEWER) == {"viewer": None}
    assert program.data(VIEWER) == {"viewer": None}  # the same session: ended for both


@pytest.mark.parametrize("who", ["unknown email", "wrong password"])
def test_wrong_credentials_get_one_answer_and_no_session(live_server: LiveServer, who: str) -> None:
    email = _email()
    register(live_server.url, email, PASSWORD)
    attempt = {"email": email, "password": "not the password"}
    if who == "unknown email":
        attempt = {"email": _email(), "password": PASSWORD}
    client = GraphQLClient(live_server.url)
    payload = client.data(LOGIN, {"input": attempt})["login"]
    assert payload["token"] is None and payload["viewer"] is None
    assert payload["errors"] == [
        {"field": "password", "code": "INVALID_CREDENTIALS", "message": "wrong email or password"}
    ]
    assert "rec_session" not in client.http.cookies
    assert client.data(VIEWER) == {"viewer": None}


def test_bad_registration_input_is_a_coded_error(live_server: LiveServer) -> None:
    client = GraphQLClient(live_server.url)
    payload = client.data("""mutation { register(input: {email: "x@example.org", password: "short",
        name: "X"}) { user { id } errors { field code } } }""")["register"]
    assert payload == {"user": None, "errors": [{"field": "password", "code": "INVALID_INPUT"}]}


def test_a_business_neighbourhood_longer_than_its_column_is_a_coded_error(
    shop: tuple[GraphQLClient, str],
) -> None:
    owner, _ = shop
    place = {"address": "Carrer de Verdi, 30", "location": {"lat": 41.4036, "lng": 2.157}}
    payload = owner.data(
        CREATE_SHOP,
        {"input": {"name": "Forn", "category": "bakery", "neighbourhood": "n" * 81, **place}},
    )["createBusinessAccount"]
    assert payload["account"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("neighbourhood", "INVALID_INPUT")
    ]


def test_a_new_owner_reads_the_new_account_in_the_same_answer(
    shop: tuple[GraphQLClient, str],
) -> None:
    owner, _ = shop
    created = owner.mutate(
        "createBusinessAccount",
        """mutation($input: CreateBusinessAccountInput!) { createBusinessAccount(input: $input) {
        account { name members { role } apiKeys { id } } errors { code } } }""",
        {
            "name": "Llibreria",
            "category": "bookshop",
            "address": "Carrer de Verdi, 32",
            "location": {"lat": 41.4036, "lng": 2.157},
        },
    )
    assert created["account"] == {
        "name": "Llibreria",
        "members": [{"role": "OWNER"}],
        "apiKeys": [],
    }


def test_text_no_store_can_keep_is_refused_before_anything_runs(live_server: LiveServer) -> None:
    """PostgreSQL's text cannot hold U+0000, and no store can encode a lone surrogate (which
    a JSON `\\ud800` carries): a variable or a literal holding either is refused (a top-level
    INVALID_INPUT) on every engine alike, and nothing is done."""
    client, email = GraphQLClient(live_server.url), _email()
    for name in ("A\x00", "A\ud800"):
        variables = {"input": {"email": email, "password": PASSWORD, "name": name}}
        body = json.dumps({"query": REGISTER, "variables": variables})  # escapes both
        response = client.http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        refused = response.json()
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"] == {"code": "INVALID_INPUT"}
        assert refused["errors"][0]["message"].endswith("surrogates: input.name")
    literal = client.raw('{ currency(code: "R\\u0000C") { code } }')
    assert literal["errors"][0]["extensions"] == {"code": "INVALID_INPUT"}
    again = client.data(REGISTER, {"input": {"email": email, "password": PASSWORD, "name": "A"}})
    assert again["register"]["errors"] == []  # the refused ones registered nobody


def test_anonymous_callers_must_sign_in(live_server: LiveServer) -> None:
    client = GraphQLClient(live_server.url)
    assert client.refusal("mutation { logout { errors { code } } }") == "UNAUTHENTICATED"
    assert client.refusal("{ auditLog(first: 1) { edges { cursor } } }") == "UNAUTHENTICATED"


def test_email_verification_through_the_api(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    email = _email()
    person = register(live_server.url, email, PASSWORD)
    token = token_from_outbox(superadmin, email, "verify-email")
    ok = person.mutate(
        "verifyEmail",
        """mutation($input: TokenInput!) { verifyEmail(input: $input)
        { ok errors { code } } }""",
        {"token": token},
    )
    assert ok["ok"] is True
    assert person.data(VIEWER)["viewer"]["user"]["emailVerified"] is True


def test_a_cashier_charges_but_cannot_manage_the_shop(
    live_server: LiveServer, superadmin: GraphQLClient, shop: tuple[GraphQLClient, str]
) -> None:
    owner, account_id = shop
    cashier_email = _email()
    owner.mutate(
        "inviteMember", INVITE, {"accountId": account_id, "email": cashier_email, "role": "CASHIER"}
    )
    cashier = register(live_server.url, cashier_email, PASSWORD, "Pau Cashier")
    token = token_from_outbox(superadmin, cashier_email, "invitation")
    cashier.mutate("acceptInvitation", ACCEPT, {"token": token})
    roles = {m["account"]["name"]: m["role"] for m in cashier.data(VIEWER)["viewer"]["accounts"]}
    assert roles["Forn de Gràcia"] == "CASHIER"
    switched = cashier.mutate("switchAccount", SWITCH, {"accountId": account_id})
    assert switched["account"]["name"] == "Forn de Gràcia"
    assert cashier.data(VIEWER)["viewer"]["activeAccount"]["name"] == "Forn de Gràcia"

    keys_before = owner.data(KEYS, {"id": account_id})["node"]["apiKeys"]
    assert (
        cashier.refusal(
            CREATE_KEY,
            {"input": {"accountId": account_id, "name": "mine", "scopes": ["refunds:write"]}},
        )
        == "FORBIDDEN"
    )
    assert (
        cashier.refusal(
            INVITE, {"input": {"accountId": account_id, "email": _email(), "role": "OWNER"}}
        )
        == "FORBIDDEN"
    )
    assert cashier.refusal(MEMBERS, {"id": account_id}) == "FORBIDDEN"
    assert owner.data(KEYS, {"id": account_id})["node"]["apiKeys"] == keys_before
    members = owner.data(MEMBERS, {"id": account_id})["node"]["members"]
    assert {m["role"] for m in members} == {"OWNER", "CASHIER"}

    # The invitation worked once; the link cannot be used again.
    again = cashier.data(ACCEPT, {"input": {"token": token}})["acceptInvitation"]
    assert again["errors"][0]["code"] == "INVALID_TOKEN"


def test_an_invitation_is_only_for_its_email(
    live_server: LiveServer, superadmin: GraphQLClient, shop: tuple[GraphQLClient, str]
) -> None:
    owner, account_id = shop
    invited = _email()
    owner.mutate(
        "inviteMember", INVITE, {"accountId": account_id, "email": invited, "role": "MANAGER"}
    )
    token = token_from_outbox(superadmin, invited, "invitation")
    stranger = register(live_server.url, _email(), PASSWORD)
    refused = stranger.data(ACCEPT, {"input": {"token": token}})["acceptInvitation"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    assert len(stranger.data(VIEWER)["viewer"]["accounts"]) == 1
    # The invited manager reads the account's members in the very answer that admits them.
    manager = register(live_server.url, invited, PASSWORD, "Berta Manager")
    accepted = manager.mutate(
        "acceptInvitation",
        """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
        account { id members { role } } errors { code } } }""",
        {"token": token},
    )
    assert accepted["account"]["id"] == account_id
    assert {"OWNER", "MANAGER"} <= {m["role"] for m in accepted["account"]["members"]}


def test_an_api_key_is_shown_once_and_cannot_act_as_a_person(
    live_server: LiveServer, shop: tuple[GraphQLClient, str]
) -> None:
    owner, account_id = shop
    created = owner.mutate(
        "createApiKey",
        CREATE_KEY,
        {"accountId": account_id, "name": "web shop", "scopes": ["payment_orders:write"]},
    )
    secret = created["secret"]
    assert secret.startswith(created["apiKey"]["prefix"])
    listed = owner.data(KEYS, {"id": account_id})["node"]["apiKeys"]
    assert secret not in str(listed)

    program = GraphQLClient(live_server.url, token=secret)
    viewer = program.data("{ viewer { user { email } activeAccount { id } } }")["viewer"]
    assert viewer == {"user": None, "activeAccount": {"id": account_id}}
    assert program.refusal("mutation { logout { errors { code } } }") == "FORBIDDEN"
    assert (
        program.refusal(
            CREATE_KEY,
            {"input": {"accountId": account_id, "name": "more", "scopes": ["refunds:write"]}},
        )
        == "FORBIDDEN"
    )
    assert (
        program.refusal(
            CREATE_SHOP,
            {
                "input": {
                    "name": "Mine",
                    "category": "shop",
                    "address": "Carrer Major, 1",
                    "location": {"lat": 41.4, "lng": 2.1},
                }
            },
        )
        == "FORBIDDEN"
    )

    revoked = owner.mutate(
        "revokeApiKey",
        """mutation($input: RevokeApiKeyInput!) {
        revokeApiKey(input: $input) { apiKey { revokedAt } errors { code } } }""",
        {"id": created["apiKey"]["id"]},
    )
    assert revoked["apiKey"]["revokedAt"] is not None
    assert program.data("{ viewer { user { email } } }") == {"viewer": None}


def test_people_cannot_see_each_others_accounts_or_keys(
    live_server: LiveServer, shop: tuple[GraphQLClient, str]
) -> None:
    owner, account_id = shop
    stranger = register(live_server.url, _email(), PASSWORD)
    assert stranger.data(KEYS, {"id": account_id}) == {"node": None}
    owner_personal = owner.data(VIEWER)["viewer"]["accounts"][0]
    assert owner_personal["role"] == "HOLDER"
    key_id = owner.mutate(
        "createApiKey",
        CREATE_KEY,
        {"accountId": account_id, "name": "k", "scopes": ["payment_orders:read"]},
    )["apiKey"]["id"]
    assert stranger.data("query($id: ID!) { node(id: $id) { id } }", {"id": key_id}) == {
        "node": None
    }
    revoke = stranger.data(
        """mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input)
        { apiKey { id } errors { code } } }""",
        {"input": {"id": key_id}},
    )["revokeApiKey"]
    assert revoke == {"apiKey": None, "errors": [{"code": "NOT_FOUND"}]}
    switch = stranger.data(SWITCH, {"input": {"accountId": account_id}})["switchAccount"]
    assert switch["errors"][0]["code"] == "NOT_FOUND"


def test_administrators_need_two_factor_and_every_grant_is_audited(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    email = _email()
    person = register(live_server.url, email, PASSWORD)
    user_id = person.data("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    grant = """mutation($input: AdminRoleInput!) { grantAdminRole(input: $input) {
        user { adminRoles } errors { field code } } }"""
    no_reason = superadmin.data(
        grant, {"input": {"userId": user_id, "role": "SUPPORT", "reason": " "}}
    )["grantAdminRole"]
    assert no_reason["errors"] == [{"field": "reason", "code": "INVALID_INPUT"}]
    granted = superadmin.mutate(
        "grantAdminRole", grant, {"userId": user_id, "role": "SUPPORT", "reason": "help desk"}
    )
    assert granted["user"]["adminRoles"] == ["SUPPORT"]
    log = superadmin.data(
        "{ auditLog(first: 5) { edges { node { actor action targetId after reason } } } }"
    )
    user_number = base64.b64decode(user_id).decode().split(":")[1]
    assert log["auditLog"]["edges"][0]["node"] == {
        "actor": "superadmin@demo.rec.example",
        "action": "admin_role.grant",
        "targetId": user_number,
        "after": {"role": "support"},
        "reason": "help desk",
    }

    # The new administrator has no two-factor yet: the role is granted but not in force.
    viewer = person.data("{ viewer { adminRoles twoFactorRequired } }")["viewer"]
    assert viewer == {"adminRoles": [], "twoFactorRequired": True}
    refused = person.raw("{ auditLog(first: 1) { edges { cursor } } }")["errors"][0]
    assert refused["extensions"]["code"] == "FORBIDDEN" and "two-factor" in refused["message"]
    # And no one but a superadmin grants roles.
    assert (
        person.refusal(
            grant, {"input": {"userId": user_id, "role": "SUPERADMIN", "reason": "why not"}}
        )
        == "FORBIDDEN"
    )


def test_the_session_cookie_is_not_readable_by_scripts(live_server: LiveServer) -> None:
    response = httpx.post(
        live_server.url + "/graphql",
        json={
            "query": LOGIN,
            "variables": {"input": {"email": "nobody@example.org", "password": "x" * 12}},
        },
    )
    assert "set-cookie" not in response.headers  # no session, no cookie


def test_an_owner_removes_a_member_but_never_the_last_owner(
    live_server: LiveServer, superadmin: GraphQLClient, shop: tuple[GraphQLClient, str]
) -> None:
    owner, account_id = shop
    email = _email()
    owner.mutate(
        "inviteMember", INVITE, {"accountId": account_id, "email": email, "role": "MANAGER"}
    )
    manager = register(live_server.url, email, PASSWORD, "Temporary Manager")
    manager.mutate(
        "acceptInvitation", ACCEPT, {"token": token_from_outbox(superadmin, email, "invitation")}
    )
    members = owner.data(MEMBERS, {"id": account_id})["node"]["members"]
    by_email = {m["email"]: m for m in members}
    owner.mutate(
        "removeMember", REMOVE, {"accountId": account_id, "userId": by_email[email]["userId"]}
    )
    assert email not in str(owner.data(MEMBERS, {"id": account_id}))
    owners = [m for m in members if m["role"] == "OWNER"]
    last = owner.data(REMOVE, {"input": {"accountId": account_id, "userId": owners[0]["userId"]}})[
        "removeMember"
    ]
    assert last["errors"][0]["message"] == "an account keeps at least one owner"


def test_a_wallet_is_seen_by_its_account_only(
    live_server: LiveServer, shop: tuple[GraphQLClient, str]
) -> None:
    owner, account_id = shop
    wallet = """query($id: ID!) { node(id: $id) { ... on Account {
        wallet(currency: "REC") { currency balance { amount currency } } } } }"""
    assert owner.data(wallet, {"id": account_id})["node"]["wallet"] == {
        "currency": "REC",
        "balance": {"amount": "0.00", "currency": "REC"},
    }
    stranger = register(live_server.url, _email(), PASSWORD)
    assert stranger.data(wallet, {"id": account_id}) == {"node": None}
    assert GraphQLClient(live_server.url).data(wallet, {"id": account_id}) == {"node": None}


AUDIT = """query($first: Int!, $after: String, $action: String, $targetId: String) {
  auditLog(first: $first, after: $after, action: $action, targetId: $targetId) {
    edges { cursor node { action reason targetId } } pageInfo { hasNextPage endCursor } } }"""
OUTBOX = """query($after: String) { sandboxOutbox(first: 1, after: $after) {
  edges { cursor node { to createdAt } } pageInfo { hasNextPage endCursor } } }"""


def test_the_audit_log_and_the_mail_sandbox_page_by_cursor_and_filter(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    first_email, second_email = _email(), _email()
    person = register(live_server.url, first_email, PASSWORD)
    register(live_server.url, second_email, PASSWORD)
    user_id = person.data("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    user_number = base64.b64decode(user_id).decode().split(":")[1]
    role_change = """mutation($input: AdminRoleInput!) { %s(input: $input) {
        user { adminRoles } errors { code } } }"""
    for mutation, reason in [
        ("grantAdminRole", "first"),
        ("revokeAdminRole", "second"),
        ("grantAdminRole", "third"),
    ]:
        superadmin.mutate(
            mutation,
            role_change % mutation,
            {"userId": user_id, "role": "SUPPORT", "reason": reason},
        )

    # One entry a page, newest first, every entry once, until hasNextPage is false.
    pages = superadmin.pages(AUDIT, "auditLog", {"first": 1, "targetId": user_number})
    assert [[(e["action"], e["reason"]) for e in page] for page in pages] == [
        [("admin_role.grant", "third")],
        [("admin_role.revoke", "second")],
        [("admin_role.grant", "first")],
    ]
    revokes = superadmin.data(
        AUDIT, {"first": 100, "action": "admin_role.revoke", "targetId": user_number}
    )["auditLog"]
    assert [edge["node"]["reason"] for edge in revokes["edges"]] == ["second"]
    assert revokes["pageInfo"]["hasNextPage"] is False

    # Out of range, or a cursor that is not one: INVALID_INPUT, nothing else.
    for variables in ({"first": 0}, {"first": 101}, {"first": 5, "after": "not-a-cursor"}):
        answer = superadmin.raw(AUDIT, variables)
        assert answer["data"] is None
        assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT", variables

    # The sandbox kept both people's mail: the two newest, a page each, newest first.
    mails = [page[0] for page in superadmin.pages(OUTBOX, "sandboxOutbox")[:2]]
    assert [mail["to"] for mail in mails] == [second_email, first_email]
    assert mails[0]["createdAt"] >= mails[1]["createdAt"]
