"""Subscriptions as clients use them, over real HTTP and WebSocket on 127.0.0.1: server-sent
events (graphql-sse, distinct connections) and graphql-transport-ws, authenticated by the
session cookie or a token, re-checked for every event, kept alive, resumable from an
event cursor, and leaving nothing behind when a client vanishes."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from pymongo import MongoClient

from server.stores.embedded import EmbeddedDocumentServer
from tests.conftest import LiveServer, served, server_settings
from tests.helpers.graphql import (
    CREATE_BUSINESS,
    GraphQLClient,
    register,
    token_from_database,
)
from tests.helpers.live import next_message, subscription
from tests.helpers.waiting import until
from tests.test_api_guide import Guide

PASSWORD = "a long enough passphrase"
KEEP_ALIVE_S = 1
CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret apiKey { id } errors { code } } }"""
CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
  paymentOrder { id } errors { code } } }"""
VIEWER_EVENTS = """subscription($after: String) { viewerEvents(after: $after) {
  id cursor type data } }"""
ORDER_EVENTS = """subscription($after: String) { paymentOrderEvents(after: $after) {
  cursor type paymentOrderId status } }"""


@pytest.fixture(scope="module")
def live_server(
    document_server: EmbeddedDocumentServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app as `rec serve` runs it, with a keep-alive every second (15 by default)."""
    folder = tmp_path_factory.mktemp("subscriptions")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    with served(settings, REC_KEEP_ALIVE_S=str(KEEP_ALIVE_S)) as server:
        yield server
    client: MongoClient = MongoClient(document_server.url)
    client.drop_database(settings.mongodb_database)
    client.close()


@dataclass
class Shop:
    owner: GraphQLClient  # signed in by cookie
    account_id: str
    key: str  # payment_orders:read and :write
    key_id: str

    @property
    def cookie(self) -> str:
        return self.owner.http.cookies["rec_session"]

    def order(self, key: str | None = None) -> str:
        payload = GraphQLClient(str(self.owner.http.base_url), token=key or self.key).mutate(
            "createPaymentOrder",
            CREATE_ORDER,
            {"amount": "2.50", "currency": "REC", "idempotencyKey": uuid.uuid4().hex},
        )
        return payload["paymentOrder"]["id"]


def _key(global_id: str) -> str:
    """The order's own key inside its API ID, as `viewerEvents` data carries it."""
    return base64.b64decode(global_id).decode().partition(":")[2]


def _email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


def _new_key(owner: GraphQLClient, account_id: str) -> tuple[str, str]:
    scopes = ["payment_orders:read", "payment_orders:write"]
    made = owner.mutate(
        "createApiKey", CREATE_KEY, {"accountId": account_id, "name": "till", "scopes": scopes}
    )
    return made["secret"], made["apiKey"]["id"]


def _business(owner: GraphQLClient, name: str = "Forn del Clot") -> Shop:
    account = owner.mutate(
        "createBusinessAccount",
        CREATE_BUSINESS,
        {
            "name": name,
            "category": "bakery",
            "address": "Carrer del Clot, 1",
            "location": {"lat": 41.41, "lng": 2.19},
        },
    )["account"]
    key, key_id = _new_key(owner, account["id"])
    return Shop(owner, account["id"], key, key_id)


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> Shop:
    """A shop whose owner stays signed in and whose key stays valid."""
    return _business(register(live_server.url, _email("owner"), PASSWORD, "Owner"))


@pytest.fixture
def fresh_shop(live_server: LiveServer) -> Shop:
    """A shop of its own, for a test that signs its owner out or revokes its key."""
    return _business(register(live_server.url, _email("owner"), PASSWORD, "Owner"))


# --- a small SSE client -------------------------------------------------------------------


@dataclass
class Message:
    event: str | None  # "next", "complete", or None for a comment
    data: Any


class EventReader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()

    def message(self) -> Message:
        """The next block: an event, or a keep-alive comment."""
        event, data, comment = None, [], False
        for line in self.lines:
            if line == "":
                if event or data or comment:
                    text = "\n".join(data)
                    return Message(event, json.loads(text) if text else None)
                continue
            if line.startswith(":"):
                comment = True
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        raise EOFError("the stream ended")

    def event(self, timeout_s: float = 10) -> Message:
        """The next event, past keep-alive comments (one comes every second)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            message = self.message()
            if message.event is not None:
                return message
        raise TimeoutError("no event came")

    def next(self, field: str) -> dict[str, Any]:
        message = self.event()
        assert message.event == "next", message
        assert "errors" not in message.data, message.data
        return message.data["data"][field]


@contextmanager
def sse(
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    cookie: str | None = None,
    token: str | None = None,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> Iterator[EventReader]:
    sent = {"accept": "text/event-stream", **(headers or {})}
    if cookie:
        sent["cookie"] = f"rec_session={cookie}"
    if token:
        sent["authorization"] = f"Bearer {token}"
    if method == "GET":
        params = {"query": query, "variables": json.dumps(variables or {})}
        request: dict[str, Any] = {"params": params}
    else:
        request = {"json": {"query": query, "variables": variables or {}}}
    with (
        httpx.Client(timeout=10) as client,
        client.stream(method, url + "/graphql/stream", headers=sent, **request) as response,
    ):
        yield EventReader(response)


def refusal(url: str, query: str, variables: dict[str, Any] | None = None, **given: Any) -> Any:
    """(status, code) of a stream refused before it started."""
    with sse(url, query, variables, **given) as reader:
        response = reader.response
        assert response.status_code != 200, "the stream was accepted"
        assert response.headers["content-type"] == "application/json"
        body = json.loads(response.read())
        return response.status_code, body["errors"][0]["extensions"]["code"]


def subscribers(url: str) -> int:
    health = httpx.get(url + "/healthz", timeout=5)
    assert health.status_code == 200
    return health.json()["subscribers"]


# --- server-sent events -------------------------------------------------------------------


def test_sse_with_the_session_cookie_delivers_until_the_session_ends(
    live_server: LiveServer, fresh_shop: Shop
) -> None:
    shop = fresh_shop
    with sse(live_server.url, VIEWER_EVENTS, cookie=shop.cookie) as events:
        response = events.response
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache, no-store"
        order_id = shop.order()
        event = events.next("viewerEvents")
        assert event["type"] == "payment_order.created"
        assert event["cursor"] == event["id"] and ObjectId.is_valid(event["cursor"])
        assert event["data"]["orderId"] == _key(order_id)
        # Signed out: the next event finds no session, and the stream completes.
        shop.owner.data("mutation { logout { errors { code } } }")
        shop.order()
        assert events.event() == Message("complete", None)
        with pytest.raises(EOFError):
            events.message()


def test_sse_with_a_bearer_key_over_get_until_the_key_is_revoked(
    live_server: LiveServer, fresh_shop: Shop
) -> None:
    shop = fresh_shop
    other_key, _ = _new_key(shop.owner, shop.account_id)
    with sse(live_server.url, ORDER_EVENTS, token=shop.key, method="GET") as events:
        assert events.response.status_code == 200
        order_id = shop.order()
        event = events.next("paymentOrderEvents")
        assert event["paymentOrderId"] == order_id
        assert (event["type"], event["status"]) == ("payment_order.created", "REQUIRES_PAYMENT")
        shop.owner.mutate(
            "revokeApiKey",
            """mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) {
            apiKey { revokedAt } errors { code } } }""",
            {"id": shop.key_id},
        )
        shop.order(other_key)  # heard, but the revoked key may no longer see it
        assert events.event() == Message("complete", None)


def test_sse_refusals_answer_a_status_and_a_code_before_any_stream(
    live_server: LiveServer, shop: Shop
) -> None:
    url = live_server.url
    assert refusal(url, VIEWER_EVENTS) == (401, "UNAUTHENTICATED")
    assert refusal(url, VIEWER_EVENTS, token="not-a-token") == (401, "UNAUTHENTICATED")
    assert refusal(url, VIEWER_EVENTS, method="GET") == (401, "UNAUTHENTICATED")
    assert refusal(url, VIEWER_EVENTS, token=shop.key) == (403, "FORBIDDEN")  # people only
    assert refusal(url, "{ currencies { code } }", cookie=shop.cookie) == (
        400,
        "NOT_A_SUBSCRIPTION",
    )
    assert refusal(url, "subscription { viewerEvents { nope } }", cookie=shop.cookie) == (
        400,
        "INVALID_QUERY",
    )
    assert refusal(url, "subscription {", cookie=shop.cookie) == (400, "INVALID_QUERY")
    bad = {"after": "not-a-cursor"}
    assert refusal(url, VIEWER_EVENTS, bad, cookie=shop.cookie) == (400, "INVALID_INPUT")
    old = str(ObjectId.from_datetime(datetime.now(UTC) - timedelta(days=31)))
    assert refusal(url, VIEWER_EVENTS, {"after": old}, cookie=shop.cookie) == (
        400,
        "CURSOR_EXPIRED",
    )
    # Over WebSocket, the same refusal is the subscription's one message, then complete.
    with subscription(url, VIEWER_EVENTS, cookie=shop.cookie, variables={"after": old}) as ws:
        refused, done = next_message(ws), next_message(ws)
    assert (refused["type"], refused["payload"]["data"]) == ("next", None)
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
    assert done == {"id": "s", "type": "complete"}
    json_only = {"accept": "application/json"}
    assert refusal(url, VIEWER_EVENTS, cookie=shop.cookie, headers=json_only) == (
        406,
        "NOT_ACCEPTABLE",
    )
    form = httpx.post(
        url + "/graphql/stream",
        content=b"query=subscription",
        headers={"accept": "text/event-stream", "content-type": "text/plain"},
    )
    assert form.status_code == 415
    assert form.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert httpx.put(url + "/graphql/stream").status_code == 405


def test_a_removed_membership_stops_that_accounts_events_at_once(
    live_server: LiveServer, shop: Shop
) -> None:
    """Permissions are checked for every event: once the cashier leaves the shop, its
    orders no longer reach them, while their own shop's still do."""
    email = _email("cashier")
    shop.owner.mutate(
        "inviteMember",
        """mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
        account { id } errors { code } } }""",
        {"accountId": shop.account_id, "email": email, "role": "CASHIER"},
    )
    cashier = register(live_server.url, email, PASSWORD, "Cashier")
    cashier.mutate(
        "acceptInvitation",
        """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
        account { id } errors { code } } }""",
        {
            "token": token_from_database(
                live_server.data_dir.parent / "rec.sqlite3", email, "invitation"
            )
        },
    )
    own = _business(cashier, "Fleca Nova")  # and a shop of their own
    user_id = cashier.data("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    with sse(live_server.url, VIEWER_EVENTS, cookie=own.cookie) as events:
        heard = shop.order()
        assert events.next("viewerEvents")["data"]["orderId"] == _key(heard)
        shop.owner.mutate(
            "removeMember",
            """mutation($input: RemoveMemberInput!) { removeMember(input: $input) {
            account { id } errors { code } } }""",
            {"accountId": shop.account_id, "userId": user_id},
        )
        shop.order()  # after they left: not for them
        theirs = own.order()
        assert events.next("viewerEvents")["data"]["orderId"] == _key(theirs)


# --- keep-alive ---------------------------------------------------------------------------


def test_both_transports_keep_an_idle_subscription_alive(
    live_server: LiveServer, shop: Shop
) -> None:
    with sse(live_server.url, ORDER_EVENTS, token=shop.key) as events:
        started = time.monotonic()
        assert events.message() == Message(None, None)  # ":" and a blank line
        assert time.monotonic() - started < 3 * KEEP_ALIVE_S
    with subscription(live_server.url, ORDER_EVENTS, token=shop.key) as socket:
        assert json.loads(socket.recv(timeout=3 * KEEP_ALIVE_S)) == {"type": "ping"}
        socket.send(json.dumps({"type": "pong"}))
        order_id = shop.order()  # and it still delivers, with the pings answered
        event = next_message(socket)["payload"]["data"]["paymentOrderEvents"]
        assert event["paymentOrderId"] == order_id


# --- resuming from a cursor ---------------------------------------------------------------


def test_resuming_after_a_cursor_replays_exactly_what_was_missed_then_goes_live(
    live_server: LiveServer, shop: Shop
) -> None:
    with sse(live_server.url, ORDER_EVENTS, token=shop.key) as events:
        first = shop.order()
        seen = events.next("paymentOrderEvents")
        assert seen["paymentOrderId"] == first
    missed = [shop.order(), shop.order()]  # while nobody listened
    cursor = {"after": seen["cursor"]}
    with sse(live_server.url, ORDER_EVENTS, cursor, token=shop.key) as events:
        replayed = [events.next("paymentOrderEvents") for _ in missed]
        assert [e["paymentOrderId"] for e in replayed] == missed
        assert replayed[0]["cursor"] > seen["cursor"]
        live = shop.order()
        assert events.next("paymentOrderEvents")["paymentOrderId"] == live  # no repeats
    # The same over WebSocket, for the person: the shop's events after the cursor, in order.
    with subscription(live_server.url, VIEWER_EVENTS, cookie=shop.cookie, variables=cursor) as ws:
        heard = [next_message(ws)["payload"]["data"]["viewerEvents"] for _ in range(3)]
    assert [e["data"]["orderId"] for e in heard] == [_key(o) for o in [*missed, live]]
    # The newest cursor: nothing to replay, live at once.
    newest = {"after": heard[-1]["cursor"]}
    with sse(live_server.url, ORDER_EVENTS, newest, token=shop.key) as events:
        assert events.response.status_code == 200
        later = shop.order()
        assert events.next("paymentOrderEvents")["paymentOrderId"] == later


# --- the guide's examples ----------------------------------------------------------------


def test_the_guides_server_sent_events_examples_run_as_written(
    live_server: LiveServer, shop: Shop, tmp_path: Path
) -> None:
    url = live_server.url
    guide = Guide(url, tmp_path)
    listening = subscribers(url)
    running = guide.start("subscribe-sse-curl", REC_API_KEY=shop.key)
    try:
        until(lambda: subscribers(url) > listening, "curl to listen")
        order_id = shop.order()
        line = running.wait_for(lambda line: line.startswith("data: {"))
        assert "event: next" in running.lines
    finally:
        running.stop()
    event = json.loads(line.removeprefix("data: "))["data"]["paymentOrderEvents"]
    assert (event["paymentOrderId"], event["type"]) == (order_id, "payment_order.created")
    datetime.fromisoformat(event["createdAt"])
    missed = shop.order()  # while curl was away
    resumed = guide.start("resume-sse-curl", REC_API_KEY=shop.key, REC_CURSOR=event["cursor"])
    try:
        line = resumed.wait_for(lambda line: line.startswith("data: {"))
    finally:
        resumed.stop()
    again = json.loads(line.removeprefix("data: "))["data"]["paymentOrderEvents"]
    assert again["paymentOrderId"] == missed and again["cursor"] > event["cursor"]


# --- nothing left behind ------------------------------------------------------------------

CLIENTS = r"""
import json, socket, sys, time
from websockets.sync.client import connect

url, cookie, query = sys.argv[1], sys.argv[2], sys.argv[3]
host, port = url.removeprefix("http://").split(":")
held = []
for _ in range(3):
    ws = connect(url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"],
                 additional_headers={"Cookie": "rec_session=" + cookie})
    ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
    ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    held.append(ws)
for _ in range(3):
    body = json.dumps({"query": query}).encode()
    raw = socket.create_connection((host, int(port)))
    raw.sendall(
        b"POST /graphql/stream HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
        b"Accept: text/event-stream\r\nContent-Type: application/json\r\n"
        b"Cookie: rec_session=" + cookie.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    assert raw.recv(12) == b"HTTP/1.1 200"
    held.append(raw)
print("ready", flush=True)
time.sleep(120)
"""


def test_clients_that_vanish_leave_no_subscriber_behind(
    live_server: LiveServer, shop: Shop, tmp_path: Path
) -> None:
    url = live_server.url
    # The earlier tests closed their streams and sockets: none of theirs is left either.
    until(lambda: subscribers(url) == 0, "the earlier tests' subscribers to end")
    script = tmp_path / "clients.py"
    script.write_text(textwrap.dedent(CLIENTS))
    query = "subscription { viewerEvents { type } }"
    clients = subprocess.Popen(
        [sys.executable, str(script), url, shop.cookie, query],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert clients.stdout is not None
        assert clients.stdout.readline().strip() == "ready", clients.stderr.read()
        until(lambda: subscribers(url) == 6, "six subscribers")
    finally:
        clients.kill()  # no close frame, no goodbye: the process is gone
        clients.wait(timeout=10)
    until(lambda: subscribers(url) == 0, "every subscriber to end", 5)
    # And the app still serves subscriptions afterwards.
    with sse(url, ORDER_EVENTS, token=shop.key) as events:
        order_id = shop.order()
        assert events.next("paymentOrderEvents")["paymentOrderId"] == order_id
    until(lambda: subscribers(url) == 0, "the last subscriber to end", 5)


# Last in this file: it stops the module's server.
def test_a_stopping_server_ends_its_streams_instead_of_waiting_for_them(
    live_server: LiveServer, shop: Shop
) -> None:
    """uvicorn lets open responses finish before it stops: open streams complete at once,
    rather than holding a deploy until their clients leave."""
    with sse(live_server.url, VIEWER_EVENTS, cookie=shop.cookie) as events:
        assert events.response.status_code == 200
        started = time.monotonic()
        live_server.process.terminate()
        assert events.event() == Message("complete", None)
        assert live_server.process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
