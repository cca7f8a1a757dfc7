"""Money over the API: a treasurer issues, people pay with their PIN within their tier,
histories page, events arrive live, and nobody sees what is not theirs."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.conftest import LiveServer
from tests.helpers.graphql import LOGIN, GraphQLClient, demo_admin, make_admin, register
from tests.helpers.live import next_message, subscription

PASSWORD = "a long enough passphrase"
PIN = "4071"
PAY = """mutation($input: PayInput!) { pay(input: $input) {
  transaction { id kind amount { amount currency } from { handle } to { handle } memo }
  errors { field code message } } }"""
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id kind amount { amount } } errors { field code message } } }"""
ME = """{ viewer { activeAccount { id handle wallet(currency: "REC") { balance { amount } } } } }"""
HISTORY = """query($first: Int!, $after: String) { viewer { activeAccount { wallet(currency: "REC") {
  transactions(first: $first, after: $after) { edges { cursor node { kind amount { amount } } }
  pageInfo { hasNextPage endCursor } } } } } }"""


@pytest.fixture(scope="module")
def treasurer(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "treasurer")


@pytest.fixture(scope="module")
def officer(live_server: LiveServer) -> GraphQLClient:
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    return make_admin(live_server.url, superadmin, "KYC_OFFICER")


def _key() -> str:
    return uuid.uuid4().hex


def _person(
    url: str, officer: GraphQLClient | None = None, tier: int = 2, email: str | None = None
) -> GraphQLClient:
    email = email or f"m{uuid.uuid4().hex[:10]}@example.org"
    person = register(url, email, PASSWORD, "Maria Pujol")
    person.mutate(
        "setPaymentPin",
        """mutation($input: SetPaymentPinInput!) {
        setPaymentPin(input: $input) { ok errors { code } } }""",
        {"pin": PIN, "currentPassword": PASSWORD},
    )
    if officer is not None:
        account_id = person.data(ME)["viewer"]["activeAccount"]["id"]
        officer.mutate(
            "setAccountKycTier",
            """mutation($input: SetAccountKycTierInput!) {
            setAccountKycTier(input: $input) { tier errors { code } } }""",
            {"accountId": account_id, "tier": tier, "reason": "checked in person"},
        )
    return person


def _issue(treasurer: GraphQLClient, to: GraphQLClient, amount: str, reason: str = "cash") -> dict:
    return treasurer.mutate(
        "issueFunds",
        ISSUE,
        {
            "to": _handle(to),
            "amount": amount,
            "currency": "REC",
            "reason": reason,
            "idempotencyKey": _key(),
        },
    )


def _handle(client: GraphQLClient) -> str:
    return client.data(ME)["viewer"]["activeAccount"]["handle"]


def _balance(client: GraphQLClient) -> str:
    return client.data(ME)["viewer"]["activeAccount"]["wallet"]["balance"]["amount"]


def _pay(
    client: GraphQLClient, to: str, amount: str, pin: str = PIN, key: str = "", memo: str = ""
) -> dict:
    variables = {
        "input": {
            "to": to,
            "amount": amount,
            "currency": "REC",
            "memo": memo,
            "pin": pin,
            "idempotencyKey": key or _key(),
        }
    }
    return client.data(PAY, variables)["pay"]


def test_a_kyc0_person_cannot_pay(live_server: LiveServer, treasurer: GraphQLClient) -> None:
    person, shop = _person(live_server.url), _person(live_server.url)
    _issue(treasurer, person, "20.00")
    refused = _pay(person, _handle(shop), "5.00")
    assert refused == {
        "transaction": None,
        "errors": [
            {
                "field": "amount",
                "code": "KYC_REQUIRED",
                "message": "verify your identity to send money",
            }
        ],
    }
    assert _balance(person) == "20.00" and _balance(shop) == "0.00"


RECIPIENT = "query($to: String!) { recipient(to: $to) { name handle } }"
ISSUED_FROM = """{ viewer { activeAccount { wallet(currency: "REC") {
  transactions(first: 1) { edges { node { from { handle } } } } } } } }"""


def test_the_payer_sees_whom_a_handle_reaches_before_paying(
    live_server: LiveServer, treasurer: GraphQLClient
) -> None:
    anna, shop = _person(live_server.url), _person(live_server.url)
    handle = _handle(shop)
    shop_id = shop.data(ME)["viewer"]["activeAccount"]["id"]
    expected = {"name": "Maria Pujol", "handle": handle}
    for typed in (handle, "@" + handle.upper(), f"  {handle} ", shop_id):
        assert anna.data(RECIPIENT, {"to": typed})["recipient"] == expected
    for nobody in ("no-such-handle", "h" * 200, "", "@"):
        assert anna.data(RECIPIENT, {"to": nobody})["recipient"] is None
    # The issuer can be paid by nobody, so it is nobody to pay.
    _issue(treasurer, anna, "1.00")
    edges = anna.data(ISSUED_FROM)["viewer"]["activeAccount"]["wallet"]["transactions"]["edges"]
    issuer = edges[0]["node"]["from"]["handle"]
    assert issuer and anna.data(RECIPIENT, {"to": issuer})["recipient"] is None
    assert GraphQLClient(live_server.url).refusal(RECIPIENT, {"to": handle}) == "UNAUTHENTICATED"


def test_pay_with_the_pin_and_see_it_in_both_histories(
    live_server: LiveServer, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    anna, shop = _person(live_server.url, officer), _person(live_server.url, officer)
    issued = _issue(treasurer, anna, "50.00", reason="cash at the office")
    assert issued["transaction"]["kind"] == "TOPUP"

    wrong = _pay(anna, _handle(shop), "12.50", pin="0000")
    assert wrong["errors"][0]["code"] == "WRONG_PIN"
    bad_amount = _pay(anna, _handle(shop), "12.505")
    assert bad_amount["errors"][0]["code"] == "INVALID_AMOUNT"
    nobody = _pay(anna, "no-such-handle", "1.00")
    assert nobody["errors"][0]["code"] == "RECIPIENT_NOT_FOUND"
    longer = _pay(anna, "h" * 40, "1.00")  # longer than any handle
    assert longer["errors"][0]["code"] == "RECIPIENT_NOT_FOUND"
    assert _balance(anna) == "50.00"

    paid = _pay(anna, "@" + _handle(shop), "12.50", memo="pa i coca")
    assert paid["errors"] == []
    assert paid["transaction"]["amount"] == {"amount": "12.50", "currency": "REC"}
    assert paid["transaction"]["to"] == {"handle": _handle(shop)}
    assert (_balance(anna), _balance(shop)) == ("37.50", "12.50")

    page = anna.data(HISTORY, {"first": 1})["viewer"]["activeAccount"]["wallet"]["transactions"]
    assert [e["node"]["kind"] for e in page["edges"]] == ["PAYMENT"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = anna.data(HISTORY, {"first": 100, "after": page["pageInfo"]["endCursor"]})
    edges = rest["viewer"]["activeAccount"]["wallet"]["transactions"]["edges"]
    assert [e["node"]["kind"] for e in edges] == ["TOPUP"]
    assert anna.refusal(HISTORY, {"first": 101}) == "INVALID_INPUT"

    stranger = _person(live_server.url)
    by_node = "query($id: ID!) { node(id: $id) { ... on Transaction { memo } } }"
    assert stranger.data(by_node, {"id": paid["transaction"]["id"]}) == {"node": None}
    assert shop.data(by_node, {"id": paid["transaction"]["id"]}) == {"node": {"memo": "pa i coca"}}


def test_one_idempotency_key_pays_once(
    live_server: LiveServer, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    anna, shop = _person(live_server.url, officer), _person(live_server.url, officer)
    _issue(treasurer, anna, "10.00")
    key = _key()
    first, again = (
        _pay(anna, _handle(shop), "3.00", key=key),
        _pay(anna, _handle(shop), "3.00", key=key),
    )
    assert first["transaction"]["id"] == again["transaction"]["id"]
    reused = _pay(anna, _handle(shop), "4.00", key=key)
    assert reused["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert _balance(shop) == "3.00"


def test_the_recipient_hears_of_the_payment_live(
    live_server: LiveServer, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    anna, shop = _person(live_server.url, officer), _person(live_server.url, officer)
    _issue(treasurer, anna, "10.00")
    query = (
        'subscription { walletEvents(currency: "REC") { type direction amount { amount } '
        "balance { amount } transactionId } }"
    )
    with subscription(live_server.url, query, cookie=shop.http.cookies["rec_session"]) as socket:
        paid = _pay(anna, _handle(shop), "4.25")
        message = next_message(socket)
    event = message["payload"]["data"]["walletEvents"]
    assert event == {
        "type": "wallet.payment",
        "direction": "in",
        "amount": {"amount": "4.25"},
        "balance": {"amount": "4.25"},
        "transactionId": paid["transaction"]["id"],
    }


def test_only_treasurers_issue_and_cashiers_do_not_pay_from_the_shop(
    live_server: LiveServer, officer: GraphQLClient, treasurer: GraphQLClient
) -> None:
    person = _person(live_server.url, officer)
    issue = {
        "input": {
            "to": _handle(person),
            "amount": "1000.00",
            "currency": "REC",
            "reason": "why not",
            "idempotencyKey": _key(),
        }
    }
    assert person.refusal(ISSUE, issue) == "FORBIDDEN"
    assert officer.refusal(ISSUE, issue) == "FORBIDDEN"
    no_reason = treasurer.data(ISSUE, {"input": {**issue["input"], "reason": " "}})["issueFunds"]
    assert no_reason["errors"][0]["field"] == "reason"
    assert _balance(person) == "0.00"
    assert (
        GraphQLClient(live_server.url).refusal(
            PAY,
            {
                "input": {
                    "to": "x",
                    "amount": "1.00",
                    "currency": "REC",
                    "pin": PIN,
                    "idempotencyKey": _key(),
                }
            },
        )
        == "UNAUTHENTICATED"
    )


def test_the_journal_is_sealed_and_anyone_can_check_the_signed_checkpoint(
    live_server: LiveServer, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    import base64
    import time

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    anna, shop = _person(live_server.url, officer), _person(live_server.url, officer)
    _issue(treasurer, anna, "10.00")
    paid = _pay(anna, _handle(shop), "1.00")
    receipt = "query($id: ID!) { node(id: $id) { ... on Transaction { sequence hash } } }"
    deadline = time.monotonic() + 20
    sealed = anna.data(receipt, {"id": paid["transaction"]["id"]})["node"]
    while sealed["sequence"] is None and time.monotonic() < deadline:
        time.sleep(0.2)
        sealed = anna.data(receipt, {"id": paid["transaction"]["id"]})["node"]
    assert sealed["sequence"] >= 2 and len(sealed["hash"]) == 64

    query = """{ ledgerCheckpoint(currency: "REC") { sequence hash signedAt signature publicKey
        signedMessage } }"""
    point = GraphQLClient(live_server.url).data(query)["ledgerCheckpoint"]
    while (point is None or point["sequence"] < sealed["sequence"]) and time.monotonic() < deadline:
        time.sleep(0.5)
        point = GraphQLClient(live_server.url).data(query)["ledgerCheckpoint"]
    assert point is not None
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(point["publicKey"]))
    key.verify(
        base64.b64decode(point["signature"]), point["signedMessage"].encode()
    )  # raises if bad
    assert point["signedMessage"].split("\n")[1:4] == ["REC", str(point["sequence"]), point["hash"]]


def test_a_demo_resident_pays_at_once_with_the_pin_the_demo_printed(
    live_server: LiveServer,
) -> None:
    from server.demo import saved_sign_ins

    anna = next(e for e in saved_sign_ins(live_server.data_dir) if e["role"] == "resident")
    client = GraphQLClient(live_server.url)
    client.mutate("login", LOGIN, {"email": anna["email"], "password": anna["password"]})
    before = _balance(client)
    jordi = next(e for e in saved_sign_ins(live_server.data_dir) if e["email"].startswith("jordi@"))
    other = GraphQLClient(live_server.url)
    other.mutate("login", LOGIN, {"email": jordi["email"], "password": jordi["password"]})
    paid = _pay(client, _handle(other), "2.50", pin=anna["pin"])
    assert paid["errors"] == [], paid["errors"]
    assert Decimal(_balance(client)) == Decimal(before) - Decimal("2.50")
