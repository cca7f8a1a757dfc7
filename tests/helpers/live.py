"""Subscribing over graphql-transport-ws as a client would: connect, init, subscribe."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import ClientConnection, connect


@contextmanager
def connected(
    base_url: str, cookie: str | None = None, token: str | None = None
) -> Iterator[ClientConnection]:
    """A graphql-transport-ws connection, initialised and acknowledged."""
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    headers = {"Cookie": f"rec_session={cookie}"} if cookie else {}
    payload: dict[str, Any] = {"authorization": f"Bearer {token}"} if token else {}
    with connect(
        ws_url, subprotocols=["graphql-transport-ws"], additional_headers=headers, open_timeout=10
    ) as socket:
        socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(socket.recv(timeout=10))["type"] == "connection_ack"
        yield socket


@contextmanager
def subscription(
    base_url: str,
    query: str,
    cookie: str | None = None,
    token: str | None = None,
    variables: dict[str, Any] | None = None,
) -> Iterator[ClientConnection]:
    """An acknowledged connection with `query` subscribed as id "s"; read with next_message."""
    with connected(base_url, cookie, token) as socket:
        payload = {"query": query, "variables": variables or {}}
        socket.send(json.dumps({"id": "s", "type": "subscribe", "payload": payload}))
        yield socket


def next_message(socket: ClientConnection, timeout_s: float = 10) -> dict[str, Any]:
    """The next message other than the server's keep-alive pings, which it answers."""
    deadline = time.monotonic() + timeout_s
    while True:
        message = json.loads(socket.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message.get("type") != "ping":
            return message
        socket.send(json.dumps({"type": "pong"}))
