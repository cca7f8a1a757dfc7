"""Every example of docs/api.md, run as written against a running platform.

Each example is the fenced block after an `<!-- example: NAME -->` line. Shell blocks run in
bash (with curl), Python blocks in this interpreter, JavaScript blocks in Node.js, each in
its own process with only the `REC_...` variables the guide names. The example webhook
receivers serve real, signed deliveries on 127.0.0.1. Two things take real time (an order's
shortest life is 60 s, an open circuit's first probe about 30 s): they start first and are
checked last, while the other tests run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.settings import PROJECT_ROOT
from server.stores.embedded import free_port
from server.webhooks import signing
from tests.conftest import LiveServer
from tests.helpers.graphql import (
    REGISTER,
    GraphQLClient,
    business_account,
    demo_admin,
    make_admin,
)
from tests.helpers.receiver import Receiver, receiving
from tests.helpers.waiting import until

GUIDE = PROJECT_ROOT / "docs" / "api.md"
BLOCK = re.compile(r"<!-- example: ([a-z0-9-]+) -->\n```(\w+)\n(.*?)\n```", re.DOTALL)
LANGUAGES = {"sh", "python", "js"}
EXAMPLES = {
    "login-curl",
    "create-api-key-curl",
    "whoami-curl",
    "create-order-curl",
    "create-order-python",
    "create-order-js",
    "read-order-curl",
    "set-pin-curl",
    "pay-order-curl",
    "cancel-order-curl",
    "create-expiring-order-curl",
    "refund-curl",
    "refunds-python",
    "add-endpoint-curl",
    "receiver-python",
    "receiver-js",
    "rotate-secret-curl",
    "deliveries-curl",
    "redeliver-curl",
    "events-curl",
    "events-python",
    "subscribe-python",
    "unauthenticated-curl",
    "invalid-amount-curl",
    "idempotency-reused-curl",
}
EXAMPLES |= {"subscribe-sse-curl", "resume-sse-curl"}  # run by tests/test_subscriptions.py
PASSWORD = "a long enough passphrase"
PIN = "4071"
KEY_SCOPES = ["payment_orders:read", "payment_orders:write", "refunds:write"]
CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret errors { code } } }"""
ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
  paymentOrder { id } errors { code } } }"""
VIEW = """query($id: ID!) { paymentOrder(id: $id) { status amount { amount currency } reference
  description } }"""
PAY = """mutation($input: PayPaymentOrderInput!) { payPaymentOrder(input: $input) {
  paymentOrder { status } errors { field code message } } }"""
CANCEL = """mutation($input: CancelPaymentOrderInput!) { cancelPaymentOrder(input: $input) {
  paymentOrder { status } errors { code } } }"""
REFUND = """mutation($input: RefundPaymentOrderInput!) { refundPaymentOrder(input: $input) {
  refund { id } errors { code } } }"""
HEALTH = """query($id: ID!) { node(id: $id) { ... on Account { webhookEndpoints { id
  health { state } } } } }"""


def examples() -> dict[str, tuple[str, str]]:
    """The guide's marked examples: name -> (language, code)."""
    found: dict[str, tuple[str, str]] = {}
    for name, language, code in BLOCK.findall(GUIDE.read_text()):
        assert name not in found, f"two examples are named {name}"
        found[name] = (language, code)
    return found


def _node() -> str:
    path = shutil.which("node")
    if path is None:
        raise RuntimeError("Node.js is needed for the guide's examples: run `make test`")
    return path


def _command(name: str, folder: Path) -> list[str]:
    guide = examples()
    assert name in guide, f"docs/api.md has no example named {name}"
    language, code = guide[name]
    if language == "sh":
        return ["bash", "-c", code]
    script = folder / f"{name}.{'py' if language == 'python' else 'mjs'}"
    script.write_text(code + "\n")
    return [sys.executable if language == "python" else _node(), str(script)]


def _environment(variables: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REC_")}
    env.update(variables)
    return env


@dataclass
class Running:
    """An example that keeps running (a receiver, a subscription), its output read live."""

    process: subprocess.Popen[str]
    errors: Path
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def wait_for(self, wanted: Callable[[str], bool], timeout_s: float = 20) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                found = [line for line in self.lines if wanted(line)]
            if found:
                return found[0]
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(
            f"nothing wanted came; output: {self.lines}; errors: {self.errors.read_text()}"
        )

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(line) for line in self.lines if line.startswith("{")]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class Guide:
    """Runs the guide's examples against one platform, as an integrator would."""

    url: str
    folder: Path
    running: list[Running] = field(default_factory=list)

    def run(self, name: str, **variables: str) -> str:
        done = subprocess.run(
            _command(name, self.folder),
            env=_environment({"REC_URL": self.url, **variables}),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.folder,
        )
        assert done.returncode == 0, f"{name} failed: {done.stderr}\n{done.stdout}"
        return done.stdout

    def json(self, name: str, **variables: str) -> dict[str, Any]:
        return json.loads(self.run(name, **variables))

    def start(self, name: str, **variables: str) -> Running:
        errors = self.folder / f"{name}-{len(self.running)}.err"
        with open(errors, "w") as stderr:
            process = subprocess.Popen(
                _command(name, self.folder),
                env=_environment({"REC_URL": self.url, **variables}),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                cwd=self.folder,
            )
        started = Running(process, errors)
        self.running.append(started)
        return started


def _wait_for_port(port: int, process: Running) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.process.poll() is None, "the receiver exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


@dataclass
class World:
    """A shop with its owner, an API key made by the guide's own example, and a payer."""

    guide: Guide
    owner: GraphQLClient  # signed in by cookie
    owner_token: str
    owner_login: dict[str, Any]
    account_id: str
    key_answer: dict[str, Any]
    api_key: str
    expiring: dict[str, Any]  # made first: it takes 60 s to expire
    payer_email: str
    payer_token: str
    pin_answer: dict[str, Any]

    @property
    def shop(self) -> GraphQLClient:
        return GraphQLClient(self.guide.url, token=self.api_key)

    def order(self, amount: str = "12.50", **extra: Any) -> str:
        input = {"amount": amount, "currency": "REC", "idempotencyKey": uuid.uuid4().hex}
        payload = self.shop.mutate("createPaymentOrder", ORDER, input | extra)
        return payload["paymentOrder"]["id"]

    def pay(self, order_id: str) -> None:
        payer = GraphQLClient(self.guide.url, token=self.payer_token)
        input = {"id": order_id, "pin": PIN, "idempotencyKey": uuid.uuid4().hex}
        payer.mutate("payPaymentOrder", PAY, input)

    def cancel(self, order_id: str) -> None:
        self.shop.mutate("cancelPaymentOrder", CANCEL, {"id": order_id})

    def refund(self, order_id: str, amount: str, reason: str) -> None:
        input = {"id": order_id, "amount": amount, "reason": reason}
        input["idempotencyKey"] = uuid.uuid4().hex
        self.shop.mutate("refundPaymentOrder", REFUND, input)

    def view(self, order_id: str) -> dict[str, Any]:
        return self.shop.data(VIEW, {"id": order_id})["paymentOrder"]


def _person(url: str, name: str) -> tuple[GraphQLClient, str]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    person = GraphQLClient(url)
    person.mutate("register", REGISTER, {"email": email, "password": PASSWORD, "name": name})
    return person, email


@pytest.fixture(scope="module")
def world(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = live_server.url
    guide = Guide(url, tmp_path_factory.mktemp("guide"))
    owner, owner_email = _person(url, "Marta")
    owner_login = guide.json("login-curl", REC_EMAIL=owner_email, REC_PASSWORD=PASSWORD)
    owner_token = owner_login["data"]["login"]["token"]
    owner = GraphQLClient(url, token=owner_token)
    account_id = business_account(owner, "Llibreria del Carrer", "bookshop")["id"]
    owner_login = guide.json("login-curl", REC_EMAIL=owner_email, REC_PASSWORD=PASSWORD)
    key_answer = guide.json("create-api-key-curl", REC_TOKEN=owner_token, REC_ACCOUNT_ID=account_id)
    api_key = key_answer["data"]["createApiKey"]["secret"]
    expiring = guide.json("create-expiring-order-curl", REC_API_KEY=api_key)
    # The payer: a resident whose tier allows sending, with money issued by the treasurer.
    payer, payer_email = _person(url, "Pau")
    officer = make_admin(url, demo_admin(url, live_server.data_dir, "superadmin"), "KYC_OFFICER")
    payer_account = payer.data(
        """mutation($input: LoginInput!) { login(input: $input) {
        viewer { activeAccount { id handle } } } }""",
        {"input": {"email": payer_email, "password": PASSWORD}},
    )["login"]["viewer"]["activeAccount"]
    officer.mutate(
        "setAccountKycTier",
        """mutation($input: SetAccountKycTierInput!) {
        setAccountKycTier(input: $input) { tier errors { code } } }""",
        {"accountId": payer_account["id"], "tier": 2, "reason": "seen in person"},
    )
    demo_admin(url, live_server.data_dir, "treasurer").mutate(
        "issueFunds",
        """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
        transaction { id } errors { code } } }""",
        {
            "to": payer_account["handle"],
            "amount": "500.00",
            "currency": "REC",
            "reason": "cash at the exchange office",
            "idempotencyKey": uuid.uuid4().hex,
        },
    )
    payer_login = guide.json("login-curl", REC_EMAIL=payer_email, REC_PASSWORD=PASSWORD)
    payer_token = payer_login["data"]["login"]["token"]
    pin_answer = guide.json(
        "set-pin-curl", REC_TOKEN=payer_token, REC_PIN=PIN, REC_PASSWORD=PASSWORD
    )
    yield World(
        guide=guide,
        owner=owner,
        owner_token=owner_token,
        owner_login=owner_login,
        account_id=account_id,
        key_answer=key_answer,
        api_key=api_key,
        expiring=expiring,
        payer_email=payer_email,
        payer_token=payer_token,
        pin_answer=pin_answer,
    )
    for running in guide.running:
        if running.process.poll() is None:
            running.stop()


@dataclass
class Outage:
    """An endpoint whose circuit opened while its receiver was down; the receiver is up
    again, waiting for the probe."""

    canceled: list[str]
    open_endpoint_id: str
    open_snapshot: dict[str, Any]
    receiver: Receiver


@pytest.fixture(scope="module")
def outage(world: World) -> Iterator[Outage]:
    guide = world.guide
    port = free_port()  # nobody listens yet
    added = guide.json(
        "add-endpoint-curl",
        REC_TOKEN=world.owner_token,
        REC_ACCOUNT_ID=world.account_id,
        REC_WEBHOOK_URL=f"http://127.0.0.1:{port}/hooks",
    )["data"]["addWebhookEndpoint"]
    assert added["errors"] == [] and added["secret"].startswith("whsec_")
    endpoint_id = added["webhookEndpoint"]["id"]
    canceled = [world.order("1.00") for _ in range(5)]
    for order_id in canceled:  # five deliveries fail in a row: the circuit opens
        world.cancel(order_id)

    def snapshot() -> dict[str, Any] | None:
        answer = guide.json(
            "deliveries-curl", REC_TOKEN=world.owner_token, REC_ACCOUNT_ID=world.account_id
        )
        endpoints = answer["data"]["node"]["webhookEndpoints"]
        endpoint = next(e for e in endpoints if e["id"] == endpoint_id)
        return endpoint if endpoint["health"]["state"] == "OPEN" else None

    open_snapshot = until(snapshot, "the circuit to open")
    with receiving(Receiver(), port=port) as receiver:  # back before the first probe
        yield Outage(canceled, endpoint_id, open_snapshot, receiver)


@dataclass
class Listener:
    """One of the guide's example receivers, running, with its endpoint."""

    running: Running
    port: int
    endpoint_id: str
    secret: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def event(self, type: str, order_id: str, timeout_s: float = 20) -> dict[str, Any]:
        def wanted(line: str) -> bool:
            if not line.startswith("{"):
                return False
            event = json.loads(line)
            return event["type"] == type and event["data"].get("paymentOrderId") == order_id

        return json.loads(self.running.wait_for(wanted, timeout_s))


def _listen(world: World, example: str) -> Listener:
    port = free_port()
    added = world.guide.json(
        "add-endpoint-curl",
        REC_TOKEN=world.owner_token,
        REC_ACCOUNT_ID=world.account_id,
        REC_WEBHOOK_URL=f"http://127.0.0.1:{port}/hooks",
    )["data"]["addWebhookEndpoint"]
    assert added["errors"] == [], added
    running = world.guide.start(example, REC_WEBHOOK_SECRET=added["secret"], PORT=str(port))
    _wait_for_port(port, running)
    return Listener(running, port, added["webhookEndpoint"]["id"], added["secret"])


@pytest.fixture(scope="module")
def listeners(world: World, outage: Outage) -> dict[str, Listener]:
    """The Python and the JavaScript receiver, each with its own endpoint and secret."""
    return {"python": _listen(world, "receiver-python"), "js": _listen(world, "receiver-js")}


def _deliveries(world: World, endpoint_id: str) -> list[dict[str, Any]]:
    answer = world.guide.json(
        "deliveries-curl", REC_TOKEN=world.owner_token, REC_ACCOUNT_ID=world.account_id
    )
    endpoints = answer["data"]["node"]["webhookEndpoints"]
    endpoint = next(e for e in endpoints if e["id"] == endpoint_id)
    return [edge["node"] for edge in endpoint["deliveries"]["edges"]]


def test_the_guide_marks_every_example_this_file_runs() -> None:
    found = examples()
    assert set(found) == EXAMPLES, (
        f"missing: {sorted(EXAMPLES - set(found))}; not tested: {sorted(set(found) - EXAMPLES)}"
    )
    assert {language for language, _ in found.values()} <= LANGUAGES
    for _, code in found.values():
        assert str(PROJECT_ROOT) not in code and "127.0.0.1:8000" not in code


def test_an_owner_signs_in_and_makes_an_api_key_that_acts_as_the_shop(
    world: World, outage: Outage
) -> None:
    login = world.owner_login["data"]["login"]
    assert login["errors"] == [] and login["token"]
    shop = {
        "role": "OWNER",
        "account": {"id": world.account_id, "name": "Llibreria del Carrer", "kind": "BUSINESS"},
    }
    assert shop in login["viewer"]["accounts"]
    created = world.key_answer["data"]["createApiKey"]
    assert created["errors"] == [] and created["secret"].startswith(created["apiKey"]["prefix"])
    assert created["secret"].startswith("reck_") and created["apiKey"]["scopes"] == KEY_SCOPES
    who = world.guide.json("whoami-curl", REC_API_KEY=world.api_key)["data"]["viewer"]
    assert who == {
        "user": None,
        "activeAccount": {
            "id": world.account_id,
            "name": "Llibreria del Carrer",
            "kind": "BUSINESS",
        },
    }
    assert world.pin_answer["data"] == {"setPaymentPin": {"ok": True, "errors": []}}
    assert world.pin_answer["extensions"]["cost"] > 0


def test_an_order_is_created_in_curl_python_and_javascript(world: World) -> None:
    guide, key = world.guide, world.api_key
    answer = guide.json("create-order-curl", REC_API_KEY=key)["data"]["createPaymentOrder"]
    assert answer["errors"] == []
    order = answer["paymentOrder"]
    assert order["status"] == "REQUIRES_PAYMENT" and order["reference"] == "1001"
    assert order["amount"] == {"amount": "12.50", "currency": "REC"}
    assert order["paymentUrl"].startswith(world.guide.url + "/pay/")
    expires = datetime.fromisoformat(order["expiresAt"])
    assert timedelta(seconds=590) < expires - datetime.now(UTC) <= timedelta(seconds=600)
    ids = {"1001": order["id"]}
    for example, reference in (("create-order-python", "1002"), ("create-order-js", "1003")):
        order_id, status, amount, payment_url = guide.run(example, REC_API_KEY=key).split()
        assert (status, amount) == ("REQUIRES_PAYMENT", "12.50")
        assert payment_url.startswith(world.guide.url + "/pay/")
        ids[reference] = order_id
    for reference, order_id in ids.items():
        assert world.view(order_id) == {
            "status": "REQUIRES_PAYMENT",
            "amount": {"amount": "12.50", "currency": "REC"},
            "reference": reference,
            "description": "Two books",
        }
    page = httpx.get(order["paymentUrl"])
    qr = httpx.get(order["paymentUrl"] + "/qr.png")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert qr.status_code == 200 and qr.content[:4] == b"\x89PNG"


def test_the_same_key_gives_the_same_order_and_another_request_is_refused(world: World) -> None:
    guide, key = world.guide, world.api_key
    first = guide.json("create-order-curl", REC_API_KEY=key)["data"]["createPaymentOrder"]
    again = guide.json("create-order-curl", REC_API_KEY=key)["data"]["createPaymentOrder"]
    assert again == first and first["errors"] == []
    reused = guide.json("idempotency-reused-curl", REC_API_KEY=key)["data"]["createPaymentOrder"]
    assert reused["paymentOrder"] is None
    assert [(e["field"], e["code"]) for e in reused["errors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    ]


def test_refusals_by_rule_are_top_level_and_the_others_are_in_the_payload(world: World) -> None:
    guide, owner = world.guide, world.owner
    anonymous = guide.json("unauthenticated-curl")
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    read_only = owner.mutate(
        "createApiKey",
        CREATE_KEY,
        {"accountId": world.account_id, "name": "reports", "scopes": ["payment_orders:read"]},
    )["secret"]
    refused = guide.json("create-order-curl", REC_API_KEY=read_only)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    revoked_or_unknown = guide.json("whoami-curl", REC_API_KEY="reck_unknown_key")
    assert revoked_or_unknown["data"] == {"viewer": None} and "errors" not in revoked_or_unknown
    bad = guide.json("invalid-amount-curl", REC_API_KEY=world.api_key)
    assert bad["data"] == {
        "createPaymentOrder": {
            "paymentOrder": None,
            "errors": [
                {
                    "field": "amount",
                    "code": "INVALID_AMOUNT",
                    "message": "not an amount in this currency",
                }
            ],
        }
    }


def test_a_wallet_user_pays_an_order_once(world: World) -> None:
    guide = world.guide
    order_id = world.order("12.50", reference="1001-b", description="Two books")
    paid = guide.json(
        "pay-order-curl", REC_TOKEN=world.payer_token, REC_ORDER_ID=order_id, REC_PIN=PIN
    )["data"]["payPaymentOrder"]
    assert paid["errors"] == []
    assert paid["paymentOrder"] == {
        "id": order_id,
        "status": "SUCCEEDED",
        "amount": {"amount": "12.50", "currency": "REC"},
        "merchantName": "Llibreria del Carrer",
    }
    # The same request again (the same key): the first answer, and nothing moves twice.
    again = guide.json(
        "pay-order-curl", REC_TOKEN=world.payer_token, REC_ORDER_ID=order_id, REC_PIN=PIN
    )["data"]["payPaymentOrder"]
    assert again == paid
    # Another key: the order is paid already.
    other = GraphQLClient(world.guide.url, token=world.payer_token).data(
        PAY, {"input": {"id": order_id, "pin": PIN, "idempotencyKey": uuid.uuid4().hex}}
    )["payPaymentOrder"]
    assert other["paymentOrder"] is None
    assert other["errors"] == [
        {"field": "id", "code": "ORDER_NOT_PAYABLE", "message": "this order is already paid"}
    ]
    seen = guide.json("read-order-curl", REC_API_KEY=world.api_key, REC_ORDER_ID=order_id)
    order = seen["data"]["paymentOrder"]
    assert order["status"] == "SUCCEEDED" and order["reference"] == "1001-b"
    assert order["refundedAmount"] == {"amount": "0.00", "currency": "REC"}
    assert order["refunds"] == [] and order["merchantName"] == "Llibreria del Carrer"
    # Anyone holding the ID sees what paying needs, but not the shop's own fields.
    public = guide.json("read-order-curl", REC_API_KEY="", REC_ORDER_ID=order_id)
    assert public["data"]["paymentOrder"]["status"] == "SUCCEEDED"
    assert public["data"]["paymentOrder"]["reference"] is None
    assert public["data"]["paymentOrder"]["refunds"] is None


def test_an_unpaid_order_is_canceled_once(world: World) -> None:
    order_id = world.order("4.00")
    canceled = world.guide.json(
        "cancel-order-curl", REC_API_KEY=world.api_key, REC_ORDER_ID=order_id
    )
    assert canceled["data"]["cancelPaymentOrder"] == {
        "paymentOrder": {"id": order_id, "status": "CANCELED"},
        "errors": [],
    }
    again = world.guide.json("cancel-order-curl", REC_API_KEY=world.api_key, REC_ORDER_ID=order_id)
    assert [e["code"] for e in again["data"]["cancelPaymentOrder"]["errors"]] == [
        "ORDER_NOT_PAYABLE"
    ]


def test_refunds_partial_several_too_much_and_all_that_remains(world: World) -> None:
    guide = world.guide
    order_id = world.order("12.50")
    world.pay(order_id)
    first = guide.json("refund-curl", REC_API_KEY=world.api_key, REC_ORDER_ID=order_id)
    refund = first["data"]["refundPaymentOrder"]
    assert refund["errors"] == []
    assert refund["refund"]["amount"] == {"amount": "2.00", "currency": "REC"}
    assert refund["refund"]["reason"] == "one book returned"
    assert refund["refund"]["status"] == "SUCCEEDED"
    assert refund["paymentOrder"] == {
        "status": "SUCCEEDED",
        "refundedAmount": {"amount": "2.00", "currency": "REC"},
    }
    # The same key again: the same refund, and nothing moves twice.
    again = guide.json("refund-curl", REC_API_KEY=world.api_key, REC_ORDER_ID=order_id)
    assert again == first

    other = world.order("12.50")
    world.pay(other)
    printed = guide.run("refunds-python", REC_API_KEY=world.api_key, REC_ORDER_ID=other)
    assert printed.splitlines() == [
        "refunded 2.00 - in all 2.00 of 12.50",
        "refunded 3.00 - in all 5.00 of 12.50",
        "refused: REFUND_EXCEEDS_REMAINING",
        "refunded 7.50 - in all 12.50 of 12.50",
    ]
    seen = guide.json("read-order-curl", REC_API_KEY=world.api_key, REC_ORDER_ID=other)
    refunds = seen["data"]["paymentOrder"]["refunds"]
    assert [(r["amount"]["amount"], r["reason"]) for r in refunds] == [
        ("2.00", "one book returned"),
        ("3.00", "damaged cover"),
        ("7.50", "order canceled by the customer"),
    ]


def test_both_example_receivers_verify_and_handle_real_deliveries(
    world: World, listeners: dict[str, Listener]
) -> None:
    paid = world.order("12.50", reference="1001")
    world.pay(paid)
    world.refund(paid, "2.00", "one book returned")
    canceled = world.order("5.00", reference="1006")
    world.cancel(canceled)
    amount = {"amount": "12.50", "currency": "REC"}
    for listener in listeners.values():
        succeeded = listener.event("payment_order.succeeded", paid)
        refund = listener.event("refund.succeeded", paid)
        cancel = listener.event("payment_order.canceled", canceled)
        assert succeeded["data"]["status"] == "SUCCEEDED"
        assert succeeded["data"]["amount"] == amount and succeeded["data"]["reference"] == "1001"
        assert refund["data"]["refund"]["amount"] == {"amount": "2.00", "currency": "REC"}
        assert refund["data"]["refund"]["reason"] == "one book returned"
        view = world.shop.data(
            "query($id: ID!) { paymentOrder(id: $id) { refunds { id } } }", {"id": paid}
        )
        assert refund["data"]["refund"]["id"] == view["paymentOrder"]["refunds"][0]["id"]
        assert cancel["data"]["status"] == "CANCELED" and cancel["data"]["reason"] == "by the shop"
        assert cancel["data"]["amount"] == {"amount": "5.00", "currency": "REC"}
        for event in (succeeded, refund, cancel):
            assert set(event) == {"id", "type", "created", "data"}
            datetime.fromisoformat(event["created"])
        # Each event's id is the webhook-id its delivery carried.
        log = _deliveries(world, listener.endpoint_id)
        sent = {d["eventId"]: d for d in log}
        for event in (succeeded, refund, cancel):
            assert sent[event["id"]]["status"] == "succeeded"
            assert sent[event["id"]]["eventType"] == event["type"]
            assert sent[event["id"]]["attempts"][-1]["statusCode"] == 200


def _signed(secret: str, body: bytes, timestamp: int, message_id: str) -> dict[str, str]:
    return signing.headers([secret], message_id, timestamp, body)


def test_the_example_receivers_refuse_forged_and_stale_requests(
    listeners: dict[str, Listener],
) -> None:
    for listener in listeners.values():
        body = json.dumps({"id": "forged", "type": "payment_order.succeeded", "data": {}}).encode()
        now = int(time.time())
        wrong = "v1," + base64.b64encode(secrets.token_bytes(32)).decode()
        bad_signature = _signed(listener.secret, body, now, "m1") | {"webhook-signature": wrong}
        other_secret = _signed(signing.new_secret(), body, now, "m2")
        stale = _signed(listener.secret, body, now - 6 * 60, "m3")
        future = _signed(listener.secret, body, now + 6 * 60, "m4")
        tampered = _signed(listener.secret, body, now, "m5")
        for headers, sent in (
            (bad_signature, body),
            (other_secret, body),
            (stale, body),
            (future, body),
            (tampered, body.replace(b"succeeded", b"canceled")),
            ({"content-type": "application/json"}, body),
        ):
            answer = httpx.post(listener.url, content=sent, headers=headers)
            assert answer.status_code == 400, (listener.url, headers)
        # Two signatures, as during a rotation: one valid is enough.
        rotated = _signed(listener.secret, body, now, "m6")
        rotated["webhook-signature"] = f"{wrong} {rotated['webhook-signature']}"
        assert httpx.post(listener.url, content=body, headers=rotated).status_code == 200
        assert httpx.post(listener.url, content=body, headers=rotated).status_code == 200
        listener.running.wait_for(lambda line: line == "duplicate m6")
        handled = [e for e in listener.running.events() if e["id"] == "forged"]
        assert len(handled) == 1  # the forged bodies never reached handle(); m6 once


def test_a_redelivery_is_recognised_as_a_duplicate(
    world: World, listeners: dict[str, Listener]
) -> None:
    order_id = world.order("3.00")
    world.cancel(order_id)
    for listener in listeners.values():
        event = listener.event("payment_order.canceled", order_id)
        delivery = next(
            d for d in _deliveries(world, listener.endpoint_id) if d["eventId"] == event["id"]
        )
        again = world.guide.json(
            "redeliver-curl", REC_TOKEN=world.owner_token, REC_DELIVERY_ID=delivery["id"]
        )["data"]["redeliverWebhook"]
        assert again == {
            "delivery": {"id": delivery["id"], "eventId": event["id"], "status": "pending"},
            "errors": [],
        }
        listener.running.wait_for(lambda line, e=event: line == f"duplicate {e['id']}")
        done = until(
            lambda listener=listener, d=delivery: [
                x
                for x in _deliveries(world, listener.endpoint_id)
                if x["id"] == d["id"] and x["status"] == "succeeded" and len(x["attempts"]) == 2
            ],
            "the redelivery to succeed",
        )
        assert [a["statusCode"] for a in done[0]["attempts"]] == [200, 200]


def test_after_a_rotation_both_the_old_and_the_new_secret_verify(
    world: World, listeners: dict[str, Listener]
) -> None:
    old = listeners["python"]
    rotated = world.guide.json(
        "rotate-secret-curl", REC_TOKEN=world.owner_token, REC_ENDPOINT_ID=old.endpoint_id
    )["data"]["rotateWebhookSecret"]
    assert rotated["errors"] == [] and rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != old.secret
    until = datetime.fromisoformat(rotated["webhookEndpoint"]["previousSecretUntil"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)
    order_id = world.order("6.00")
    world.cancel(order_id)
    event = old.event("payment_order.canceled", order_id)  # the old secret still verifies
    old.running.stop()
    renewed = world.guide.start(
        "receiver-python", REC_WEBHOOK_SECRET=rotated["secret"], PORT=str(old.port)
    )
    _wait_for_port(old.port, renewed)
    delivery = next(d for d in _deliveries(world, old.endpoint_id) if d["eventId"] == event["id"])
    world.guide.json("redeliver-curl", REC_TOKEN=world.owner_token, REC_DELIVERY_ID=delivery["id"])
    again = Listener(renewed, old.port, old.endpoint_id, rotated["secret"])
    assert again.event("payment_order.canceled", order_id) == event  # so does the new one
    listeners["python"] = again


def test_the_event_log_holds_exactly_the_webhook_bodies(
    world: World, listeners: dict[str, Listener]
) -> None:
    order_id = world.order("12.50", reference="1001")
    world.pay(order_id)
    world.refund(order_id, "2.00", "one book returned")
    received = [
        listeners["js"].event("refund.succeeded", order_id),
        listeners["js"].event("payment_order.succeeded", order_id),
    ]
    page = world.guide.json("events-curl", REC_API_KEY=world.api_key, REC_ORDER_ID=order_id)
    events = page["data"]["events"]
    assert [edge["node"] for edge in events["edges"]] == received  # newest first
    assert events["pageInfo"]["hasNextPage"] is False
    data = received[1]["data"]
    assert data["paymentOrderId"] == order_id and data["status"] == "SUCCEEDED"
    transaction = world.shop.data(
        "query($id: ID!) { node(id: $id) { ... on Transaction { kind amount { amount } } } }",
        {"id": data["transactionId"]},
    )["node"]
    assert transaction == {"kind": "PAYMENT", "amount": {"amount": "12.50"}}
    # More than one page: every event once, newest first.
    for _ in range(101):
        world.order("1.00")
    lines = world.guide.run("events-python", REC_API_KEY=world.api_key).splitlines()
    log = [json.loads(line) for line in lines]
    assert len(log) > 101 and len({e["id"] for e in log}) == len(log)
    created = [datetime.fromisoformat(e["created"]) for e in log]
    assert created == sorted(created, reverse=True)
    assert all(event in log for event in received)
    assert {e["type"] for e in log} >= {
        "payment_order.created",
        "payment_order.succeeded",
        "payment_order.canceled",
        "refund.succeeded",
    }


def test_a_program_follows_its_orders_live(world: World) -> None:
    running = world.guide.start("subscribe-python", REC_API_KEY=world.api_key)
    running.wait_for(lambda line: line == "subscribed", timeout_s=20)
    created: list[str] = []

    def mine(line: str) -> bool:
        return line.startswith("{") and json.loads(line).get("paymentOrderId") in created

    found = None
    deadline = time.monotonic() + 20
    while found is None and time.monotonic() < deadline:
        created.append(world.order("2.00"))  # the subscription may still be starting
        try:
            found = running.wait_for(mine, timeout_s=1)
        except AssertionError:
            assert running.process.poll() is None, running.errors.read_text()
    running.stop()
    assert found is not None, f"no event came: {running.lines}"
    event = json.loads(found)
    assert event["type"] == "payment_order.created" and event["status"] == "REQUIRES_PAYMENT"
    datetime.fromisoformat(event["createdAt"])


def test_an_order_expires_and_a_resting_endpoint_catches_up(
    world: World, outage: Outage, listeners: dict[str, Listener]
) -> None:
    # The circuit opened after five failures in a row, with a probe planned.
    health = outage.open_snapshot["health"]
    assert health["state"] == "OPEN" and health["consecutiveFailures"] >= 5
    assert health["lastError"] and health["lastFailureAt"] and health["nextProbeAt"]
    waiting = outage.open_snapshot["deliveries"]["edges"]
    assert {edge["node"]["status"] for edge in waiting} == {"pending"}
    # The receiver is back: the probe finds it, and everything that waited goes out.
    until(
        lambda: len(outage.receiver.received) >= 5,
        "the resting endpoint's deliveries",
        timeout_s=60,
    )
    endpoints = world.owner.data(HEALTH, {"id": world.account_id})["node"]["webhookEndpoints"]
    assert next(e for e in endpoints if e["id"] == outage.open_endpoint_id)["health"] == {
        "state": "CLOSED"
    }
    bodies = [json.loads(body) for _, body in outage.receiver.received]
    caught_up = {
        e["data"]["paymentOrderId"] for e in bodies if e["type"] == "payment_order.canceled"
    }
    assert caught_up >= set(outage.canceled)

    # The order made to last 60 seconds has expired, and the shop heard it.
    made = world.expiring["data"]["createPaymentOrder"]
    assert made["errors"] == [] and made["paymentOrder"]["status"] == "REQUIRES_PAYMENT"
    order_id = made["paymentOrder"]["id"]
    expires = datetime.fromisoformat(made["paymentOrder"]["expiresAt"])
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()))
    until(lambda: world.view(order_id)["status"] == "EXPIRED", "the order to expire")
    late = world.guide.json(
        "pay-order-curl", REC_TOKEN=world.payer_token, REC_ORDER_ID=order_id, REC_PIN=PIN
    )["data"]["payPaymentOrder"]
    assert [e["code"] for e in late["errors"]] == ["ORDER_NOT_PAYABLE"]
    heard = listeners["js"].event("payment_order.expired", order_id)
    assert heard["data"]["status"] == "EXPIRED" and heard["data"]["reference"] == "till-2-0042"
    logged = world.shop.data(
        """query($id: ID) { events(first: 5, paymentOrderId: $id) {
        edges { node { id type created data } } } }""",
        {"id": order_id},
    )["events"]["edges"]
    assert [edge["node"] for edge in logged][0] == heard
    assert [edge["node"]["type"] for edge in logged] == [
        "payment_order.expired",
        "payment_order.created",
    ]
