"""schemathesis generates every query and mutation from the live schema and sends each one
three times over: anonymously, as a signed-in person who owns a business account (session
token as a bearer), and with an API key of that account holding every scope. None may break
the server: every answer is a well-formed GraphQL response whose errors are deliberate, and
the server logs no traceback.

Generated values are mostly random; schemathesis dictionaries mix in, by argument, values
that get past validation (the currency, amounts, the shop's own orders, endpoints and keys),
and the scalars mix in values at the edges (IDs of no row, over-long strings, odd numbers).

schemathesis builds queries and mutations only: subscriptions are generated with
hypothesis-graphql from the schema's Subscription type, together with hand-picked
arguments at the edges, and sent over graphql-transport-ws as each of the three callers."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import graphql
import hypothesis_graphql
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS
from strawberry import relay
from websockets.sync.client import ClientConnection

from server.demo import saved_sign_ins
from tests.conftest import LiveServer
from tests.helpers.graphql import LOGIN, GraphQLClient, register
from tests.helpers.live import connected
from tests.helpers.receiver import Receiver, receiving
from tests.helpers.waiting import until
from tests.test_permissions import ALLOW, EXPECTED

# Top-level `extensions.code`s the schema raises on purpose. An error with another code, or
# with a `path` but no code (an exception the schema did not mean), is a defect.
TOP_LEVEL_CODES = {
    "UNAUTHENTICATED",  # schema/permissions.py: nobody (valid) signed in
    "FORBIDDEN",  # schema/permissions.py: the caller may not
    "INVALID_INPUT",  # `first`/`after`/`types` of lists; unstorable text (schema/text.py)
    "CURSOR_EXPIRED",  # schema/events.py: an `after` older than the event log keeps
    "QUERY_TOO_COMPLEX",  # schema/limits.py: depth, aliases, tokens, cost
    "INPUT_TOO_LONG",  # schema/limits.py: a list argument of more than 100 items
    "TOO_MANY_MUTATIONS",  # schema/limits.py: more than 4 mutations in one request
    "NOT_FOUND",  # schema/pos/schema.py: paymentOrderEvents for an order not the account's
}
# Deliberate as well, but no generated request earns them, so here they would be defects:
# RATE_LIMITED (the tests' servers allow 10^6 requests a minute) and PERSISTED_QUERY_*
# (schema/persisted.py; no `extensions.persistedQuery` is sent).
MASKED = "internal error; it was logged"  # what an unexpected exception becomes
SCOPES = ["payment_orders:read", "payment_orders:write", "refunds:write", "webhooks:write"]
EVENT_TYPES = ["payment_order.created", "payment_order.succeeded", "refund.succeeded"]
PASSWORD = "a long enough passphrase"
ROLES = ["anonymous", "person", "api_key"]
COLUMN = {"anonymous": "anonymous", "person": "owner", "api_key": "api_key"}  # of EXPECTED

# Examples per operation and role: the most where the role gets past the field's rule
# (tests/test_permissions.py), a few where the rule refuses before anything runs. Those that
# check a password with argon2 (about half a second each) get fewer; `logout` gets one
# fresh session per example.
EXAMPLES = 12
REFUSED_EXAMPLES = 3
FEWER_EXAMPLES = {
    "Mutation.login": 2,
    "Mutation.register": 5,
    "Mutation.logout": 2,
    "Mutation.setPaymentPin": 2,
    "Mutation.changePassword": 2,
    "Mutation.disableTwoFactor": 2,
}

# Values at the edges, for any argument of the type: IDs that decode to no row or to nothing
# sensible, strings longer than a column or not quite numbers, integers around the bounds.
NODE_TYPES = [
    *("Account", "User", "ApiKey", "KycDocument", "Transaction", "PaymentOrder"),
    *("WebhookEndpoint", "WebhookDelivery"),
]
ODD_KEYS = ["0", "-1", "99999999999", "abc", "", "1.5", "9" * 30, " 1", "٣", "²", "①"]
ODD_IDS = [relay.to_base64(kind, key) for kind in NODE_TYPES for key in ODD_KEYS] + [
    relay.to_base64("Currency", "rec"),
    relay.to_base64("Nothing", "1"),
    "QWNjb3VudA==",  # "Account", no colon
    "not base64!",
]
EDGE_STRINGS = [
    *("NaN", "Infinity", "1e400", "-1.00", "0.001", " 1.00", "1,00", "١.٠٠", "１.００"),
    *("rec", "XXXXXXXXXXX", "@", "*", " ", "\x00", "http://10.0.0.1/", "javascript:alert(1)"),
    *("h" * 33, "n" * 81, "a" * 121, "s" * 201, "x" * 300 + "@example.org", "u" * 2001),
]
# A JSON request cannot carry a file: inline values for Upload must be refused cleanly.
SCALARS = {
    "Upload": st.text(max_size=8).map(nodes.String),
    "ID": st.sampled_from(ODD_IDS).map(nodes.String)
    | st.text().map(nodes.String)
    | st.integers().map(nodes.Int),
    "String": st.text().map(nodes.String) | st.sampled_from(EDGE_STRINGS).map(nodes.String),
    "Int": st.integers(min_value=-1, max_value=101).map(nodes.Int)
    | st.sampled_from([0, 2**31 - 1, -(2**31), 86_400, 86_401]).map(nodes.Int)
    | st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
}


@dataclass
class World:
    """The callers, and the values the dictionaries offer, by argument."""

    token: str  # the person's session
    key: str  # the business account's API key, every scope
    spare_tokens: list[str]  # more sessions of the person, one per `logout` example
    values: dict[str, list[Any]]  # dictionary name -> values
    bindings: dict[str, tuple[str, float]]  # `Type.field.argument` -> (dictionary, probability)

    def headers(self, role: str, label: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "api_key":
            return {"Authorization": f"Bearer {self.key}"}
        if label == "Mutation.logout":  # ending the person's main session would end the run
            # Past the spare sessions (a failure being shrunk), the call goes anonymous.
            spare = self.spare_tokens.pop() if self.spare_tokens else None
            return {"Authorization": f"Bearer {spare}"} if spare else {}
        return {"Authorization": f"Bearer {self.token}"}

    def credential(self, role: str) -> str:
        return self.key if role == "api_key" else self.token

    def config(self) -> SchemathesisConfig:
        return SchemathesisConfig.from_dict(
            {
                "dictionaries": {name: {"values": list(v)} for name, v in self.values.items()},
                "parameters": {
                    key: {"dictionary": name, "probability": probability}
                    for key, (name, probability) in self.bindings.items()
                },
            }
        )


def _login(url: str, email: str, password: str) -> str:
    payload = GraphQLClient(url).data(LOGIN, {"input": {"email": email, "password": password}})
    assert payload["login"]["errors"] == [], payload["login"]["errors"]
    return payload["login"]["token"]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture(scope="module")
def world(live_server: LiveServer, receiver: Receiver) -> World:
    """A person owning a business account (active), its API keys, a webhook endpoint with
    deliveries, a paid and an unpaid order: made before any fuzzing (and so before sign-ins
    from this address are throttled)."""
    url = live_server.url
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.org"
    person = register(url, email, PASSWORD, "Fuzz Owner")
    token = person.http.cookies["rec_session"]
    spare_tokens = [_login(url, email, PASSWORD) for _ in range(FEWER_EXAMPLES["Mutation.logout"])]
    shop = person.mutate(
        "createBusinessAccount",
        """mutation($input: CreateBusinessAccountInput!) { createBusinessAccount(input: $input) {
        account { id handle } errors { code } } }""",
        {
            "name": "Fuzz Shop",
            "category": "shop",
            "address": "Carrer de Verdi, 30",
            "location": {"lat": 41.4036, "lng": 2.157},
        },
    )["account"]
    person.mutate(
        "switchAccount",
        """mutation($input: SwitchAccountInput!) { switchAccount(input: $input) {
        errors { code } } }""",
        {"accountId": shop["id"]},
    )
    create_key = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
        apiKey { id } secret errors { code } } }"""
    key = person.mutate(
        "createApiKey", create_key, {"accountId": shop["id"], "name": "all", "scopes": SCOPES}
    )["secret"]
    # A second key, which the generator may name (to revoke it, say); the first stays usable.
    spare_key = person.mutate(
        "createApiKey", create_key, {"accountId": shop["id"], "name": "spare", "scopes": SCOPES}
    )["apiKey"]["id"]
    # Two endpoints: the generator may remove the second; the first keeps its deliveries.
    hook, spare_hook = (
        person.mutate(
            "addWebhookEndpoint",
            """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input) {
            webhookEndpoint { id } errors { code } } }""",
            {"accountId": shop["id"], "url": receiver.url, "events": events},
        )["webhookEndpoint"]["id"]
        for events in (EVENT_TYPES, EVENT_TYPES[:1])
    )
    program = GraphQLClient(url, key)
    orders = [
        program.mutate(
            "createPaymentOrder",
            """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
            paymentOrder { id } errors { code } } }""",
            {"amount": "2.00", "currency": "REC", "idempotencyKey": uuid.uuid4().hex},
        )["paymentOrder"]["id"]
        for _ in range(2)
    ]
    anna = next(e for e in saved_sign_ins(live_server.data_dir) if e["role"] == "resident")
    buyer = GraphQLClient(url, _login(url, anna["email"], anna["password"]))
    paid = buyer.mutate(
        "payPaymentOrder",
        """mutation($input: PayPaymentOrderInput!) { payPaymentOrder(input: $input) {
        paymentOrder { status } errors { code } } }""",
        {"id": orders[0], "pin": anna["pin"], "idempotencyKey": uuid.uuid4().hex},
    )
    assert paid["paymentOrder"]["status"] == "SUCCEEDED"
    deadline = time.monotonic() + 20  # the webhook worker makes deliveries once a second
    while True:
        known = person.data(
            """{ viewer { user { id } activeAccount {
            wallet(currency: "REC") { transactions(first: 5) { edges { node { id } } } }
            webhookEndpoints { deliveries(first: 5) { edges { node { id } } } } } } }"""
        )["viewer"]
        account = known["activeAccount"]
        deliveries = [
            d["node"]["id"] for e in account["webhookEndpoints"] for d in e["deliveries"]["edges"]
        ]
        if deliveries or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    transactions = [edge["node"]["id"] for edge in account["wallet"]["transactions"]["edges"]]
    cursors = [
        edge["cursor"]
        for edge in program.data("{ events(first: 3) { edges { cursor } } }")["events"]["edges"]
    ]
    anna_handle = buyer.data("{ viewer { activeAccount { handle } } }")["viewer"]["activeAccount"]
    assert transactions and deliveries and cursors
    values: dict[str, list[Any]] = {
        "currency": ["REC"],
        "amount": ["1.00", "0.50", "0.01", "2.00", "150.00"],
        "account": [shop["id"]],
        "user": [known["user"]["id"]],
        "order": orders,
        "endpoint": [hook, spare_hook],
        "spare_endpoint": [spare_hook],
        "delivery": deliveries,
        "key": [spare_key],
        "node": [
            *(shop["id"], known["user"]["id"], spare_key, hook, *deliveries),
            *orders,
            *transactions,
        ],
        "cursor": cursors,
        "to": [anna_handle["handle"], "@" + shop["handle"]],
        "email": [email, anna["email"]],
        "scope": SCOPES,
        "event": EVENT_TYPES,
        "url": [receiver.url, "https://shop.example.org/done"],
        "name": ["Fuzz", "Botiga del Barri"],
        "category": ["shop", "cafe", "bakery"],
        "address": ["Carrer de Verdi, 30"],
        "latitude": [41.4036],
        "longitude": [2.157],
        "neighbourhood": ["Gràcia", "n" * 81],
        "language": ["ca", "es", "en"],
        "seconds": [60, 600, 86_400],
        "first": [1, 5, 100],
        "idempotency": ["fuzz-key-1", "fuzz-key-2"],  # replays and reuse
    }
    by_argument = {
        "currency": ["*.*.currency", "*.*.input.currency"],
        "amount": ["*.*.input.amount"],
        "account": ["*.*.input.accountId"],
        "user": ["*.*.input.userId"],
        "order": [
            *(f"Mutation.{m}.input.id" for m in ("payPaymentOrder", "cancelPaymentOrder")),
            "Mutation.refundPaymentOrder.input.id",
            "Query.paymentOrder.id",
            "Query.events.paymentOrderId",
        ],
        "endpoint": ["Mutation.rotateWebhookSecret.input.id"],
        "spare_endpoint": ["Mutation.removeWebhookEndpoint.input.id"],
        "delivery": ["Mutation.redeliverWebhook.input.id"],
        "key": ["Mutation.revokeApiKey.input.id"],
        "node": ["Query.node.id"],
        "cursor": ["Query.events.after"],
        "to": ["*.*.input.to"],
        "email": ["*.*.input.email"],
        "scope": ["*.*.input.scopes[*]"],
        "event": ["*.*.input.events[*]", "Query.events.types[*]"],
        "url": ["*.*.input.url", "*.*.input.successUrl", "*.*.input.cancelUrl"],
        "name": ["*.*.input.name"],
        "category": ["*.*.input.category"],
        "address": ["*.*.input.address"],
        "latitude": ["*.*.input.location.lat"],
        "longitude": ["*.*.input.location.lng"],
        "neighbourhood": ["*.*.input.neighbourhood"],
        "language": ["*.*.input.language"],
        "seconds": ["*.*.input.expiresInSeconds"],
        "first": ["*.*.first"],
        "idempotency": ["*.*.input.idempotencyKey"],
    }
    # Values that let the rest of an input through are offered more often than IDs.
    often = {"currency", "amount", "name", "category", "address", "latitude", "longitude"}
    bindings = {
        path: (name, 0.7 if name in often else 0.5)
        for name, paths in by_argument.items()
        for path in paths
    }
    return World(token, key, spare_tokens, values, bindings)


@pytest.fixture(scope="module")
def edge_scalars() -> Iterator[None]:
    """The edge values above, for this module's generation only."""
    saved = dict(CUSTOM_SCALARS)
    for name, strategy in SCALARS.items():
        schemathesis.graphql.scalar(name, strategy)
    yield
    CUSTOM_SCALARS.clear()
    CUSTOM_SCALARS.update(saved)


def _problems(label: str, status: int, body: Any, error_codes: set[str]) -> list[str]:
    """What is wrong with one answer; empty when it is a well-formed, deliberate one."""
    if status != 200:  # nothing generated here comes near the 413 size limit
        return [f"HTTP {status}"]
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        return ["neither data nor errors"]
    found = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if MASKED in str(error.get("message")):
            found.append(f"internal error at {error.get('path')}")
        elif code is None and "path" in error:
            found.append(f"error without a code at {error['path']}: {error['message']}")
        elif code is not None and code not in TOP_LEVEL_CODES:
            found.append(f"unexpected code {code}: {error['message']}")
    if label.startswith("Mutation.") and isinstance(body.get("data"), dict):
        for payload in body["data"].values():
            for error in (payload or {}).get("errors") or []:
                if error.get("code") not in error_codes:
                    found.append(f"payload error code {error.get('code')}")
    return found


def _examples(label: str, role: str) -> int:
    if EXPECTED.get(label, {}).get(COLUMN[role], ALLOW) != ALLOW:
        return min(REFUSED_EXAMPLES, FEWER_EXAMPLES.get(label, EXAMPLES))
    return FEWER_EXAMPLES.get(label, EXAMPLES)


ERRORS = graphql.parse("{ errors { field code message } }").definitions[0]


def _with_errors(query: str) -> str:
    """The mutation with its payload's `errors` always selected: every answer shows its codes."""
    document = graphql.parse(query)
    extra = ERRORS.selection_set.selections  # type: ignore[attr-defined]

    def widened(field: Any) -> Any:
        if not isinstance(field, graphql.FieldNode) or field.selection_set is None:
            return field
        selections = (*field.selection_set.selections, *extra)
        return replace(field, selection_set=replace(field.selection_set, selections=selections))

    definitions = [
        replace(
            definition,
            selection_set=replace(
                definition.selection_set,
                selections=tuple(map(widened, definition.selection_set.selections)),
            ),
        )
        if isinstance(definition, graphql.OperationDefinitionNode)
        else definition
        for definition in document.definitions
    ]
    return graphql.print_ast(replace(document, definitions=tuple(definitions)))


def _fuzz(operation: Any, role: str, world: World, calls: dict[str, int], codes: set[str]) -> None:
    """Sends the operation's generated examples as that role; raises at the first bad answer."""
    label = operation.label
    session = requests.Session()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=_examples(label, role),
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        if label.startswith("Mutation."):  # every payload has `errors`
            case.body = _with_errors(case.body)
        response = case.call(session=session, headers=world.headers(role, label), timeout=30)
        session.cookies.clear()  # a successful login must not sign the next call in
        calls[label] = calls.get(label, 0) + 1
        try:
            body = response.json()
        except ValueError:
            body = None
        problems = _problems(label, response.status_code, body, codes)
        assert not problems, f"{problems}\n{case.body}\n{response.text[:2000]}"

    check()


@pytest.mark.parametrize("role", ROLES)
def test_generated_operations_get_deliberate_answers(
    role: str, live_server: LiveServer, world: World, edge_scalars: None
) -> None:
    log_start = len(live_server.log())
    schema = schemathesis.graphql.from_url(live_server.url + "/graphql", config=world.config())
    error_codes = set(schema.client_schema.get_type("ErrorCode").values)  # type: ignore[union-attr]
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"Query.node", "Query.paymentOrder", "Mutation.refundPaymentOrder"} <= labels
    calls: dict[str, int] = {}
    failures = []
    for operation in operations:
        try:
            _fuzz(operation, role, world, calls, error_codes)
        except Exception as failure:  # every operation's failure is reported, not the first only
            failures.append(f"{operation.label}: {failure!r}"[:5000])

    assert not failures, "\n\n".join(failures)
    assert set(calls) == labels
    paid = GraphQLClient(live_server.url, world.key).data(
        "query($id: ID!) { paymentOrder(id: $id) { amount { amount } refundedAmount { amount } } }",
        {"id": world.values["order"][0]},
    )["paymentOrder"]
    assert Decimal(paid["refundedAmount"]["amount"]) <= Decimal(paid["amount"]["amount"])
    if role != "anonymous":  # the credentials held to the end: every call was made with them
        viewer = GraphQLClient(live_server.url, world.credential(role))
        assert viewer.data("{ viewer { activeAccount { id } } }")["viewer"] is not None
    assert live_server.process.poll() is None, "the server exited"
    log = live_server.log()[log_start:]
    assert "Traceback" not in log, log[max(0, log.index("Traceback") - 2000) :][:6000]


SUBSCRIPTION_EXAMPLES = 40
LIVE_WINDOW_S = 0.2  # how long a subscription that answers nothing is left to run


def _edge_subscriptions(world: World) -> list[str]:
    """Arguments generation rarely hits: the account's real cursors and orders, odd ones."""
    cursors = [*world.values["cursor"], "0" * 24, "f" * 24, "not-a-cursor", "", "x" * 300]
    ids = [*world.values["order"], *ODD_IDS[:8], "", "\\u0000"]
    currencies = ["REC", "rec", "XXX", "", "R" * 200]
    selection = "{ __typename }"
    return [
        *(f'subscription {{ viewerEvents(after: "{c}") {selection} }}' for c in cursors),
        *(f'subscription {{ walletEvents(currency: "{c}") {selection} }}' for c in currencies),
        *(
            f'subscription {{ walletEvents(currency: "REC", after: "{c}") {selection} }}'
            for c in cursors
        ),
        *(f'subscription {{ paymentOrderEvents(id: "{i}") {selection} }}' for i in ids),
        *(f'subscription {{ paymentOrderEvents(after: "{c}") {selection} }}' for c in cursors),
    ]


def _subscription_problems(messages: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the answers to one subscription; empty when all are deliberate."""
    found = []
    for message in messages:
        if message["type"] == "error":  # refused before it started: a list of errors
            errors = message["payload"]
        elif message["type"] == "next":
            errors = message["payload"].get("errors") or []
        else:
            continue
        for error in errors:
            code = (error.get("extensions") or {}).get("code")
            if MASKED in str(error.get("message")):
                found.append(f"internal error at {error.get('path')}")
            elif code is None and "path" in error:
                found.append(f"error without a code at {error['path']}: {error['message']}")
            elif code is not None and code not in TOP_LEVEL_CODES:
                found.append(f"unexpected code {code}: {error['message']}")
    return found


def _answers(
    socket: ClientConnection, number: int, late: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The messages for subscription `number` until it ends, or until it has run a moment
    answering nothing more; then it is stopped, as a client leaving a screen stops it.
    Answers to earlier subscriptions that come after they were stopped (a busy machine)
    go to `late`, to be checked all the same."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + LIVE_WINDOW_S
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(socket.recv(timeout=left))
        except TimeoutError:
            break
        if message.get("type") == "ping":
            socket.send(json.dumps({"type": "pong"}))
            continue
        if message.get("id") != str(number):
            assert message.get("id", "").isdigit() and int(message["id"]) < number, message
            late.append(message)
            continue
        messages.append(message)
        if message["type"] in ("error", "complete"):
            return messages
    socket.send(json.dumps({"id": str(number), "type": "complete"}))
    return messages


@pytest.mark.parametrize("role", ROLES)
def test_generated_subscriptions_get_deliberate_answers(
    role: str, live_server: LiveServer, world: World
) -> None:
    log_start = len(live_server.log())
    schema = graphql.build_client_schema(
        GraphQLClient(live_server.url).data(graphql.get_introspection_query())  # type: ignore[arg-type]
    )
    assert schema.subscription_type is not None
    # hypothesis-graphql builds queries and mutations: the Subscription type as a query root
    # gives the same selections, sent with the `subscription` keyword.
    # A subscription selects one root field: one strategy per field.
    root = schema.subscription_type
    as_query = graphql.GraphQLSchema(query=root, types=schema.type_map.values())
    generated = st.one_of(
        *(hypothesis_graphql.queries(as_query, fields=[name]) for name in root.fields)
    ).map(lambda q: "subscription " + q)
    operations = st.sampled_from(_edge_subscriptions(world)) | generated
    token = None if role == "anonymous" else world.credential(role)
    failures: list[str] = []
    with connected(live_server.url, token=token) as socket:
        number = 0

        @given(operation=operations)
        @settings(
            max_examples=SUBSCRIPTION_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(operation: str) -> None:
            nonlocal number
            number += 1
            payload = {"query": operation}
            socket.send(json.dumps({"id": str(number), "type": "subscribe", "payload": payload}))
            late: list[dict[str, Any]] = []
            answers = _answers(socket, number, late)
            problems = _subscription_problems(answers + late)
            if problems:
                failures.append(f"{problems}\n{operation}")

        check()
        assert number >= SUBSCRIPTION_EXAMPLES
        # The connection is still usable after all of it.
        socket.send(json.dumps({"type": "ping"}))
        while (message := json.loads(socket.recv(timeout=10)))["type"] != "pong":
            problems = _subscription_problems([message])  # a late answer, checked too
            if problems:
                failures.append(f"{problems}\n(late) {message}")
    assert not failures, "\n\n".join(failures)
    # Every subscription stopped or ended: nothing is left running on the server.
    until(
        lambda: requests.get(live_server.url + "/healthz", timeout=5).json()["subscribers"] == 0,
        "the server to hold no subscription",
    )
    assert live_server.process.poll() is None, "the server exited"
    log = live_server.log()[log_start:]
    assert "Traceback" not in log, log[max(0, log.index("Traceback") - 2000) :][:6000]
