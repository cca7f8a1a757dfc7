"""A small online shop that takes payment through the REC platform's payment gateway.

It stands alone: it talks to the platform only over HTTP, with GraphQL and an API key, and
hears back through signed webhooks. Its own orders live in a SQLite file.

    GET  /                      the products
    POST /buy                   form field `product`: a shop order, then off to the payment link
    GET  /orders/{id}           the order (JSON with `Accept: application/json`)
    POST /orders/{id}/refund    `amount` (decimal string; empty: all that remains), `reason`;
                                for staff (HTTP Basic, SHOP_STAFF_PASSWORD) when that is set
    POST /webhooks              the platform's signed events

Settings are environment variables: SHOP_PLATFORM_URL, SHOP_API_KEY, SHOP_WEBHOOK_SECRET,
SHOP_PUBLIC_URL, SHOP_DATABASE (and optionally SHOP_STAFF_PASSWORD, SHOP_CURRENCY, SHOP_HOST,
SHOP_PORT). See README.md beside this file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import logging
import os
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

log = logging.getLogger("shop")

WEBHOOK_TOLERANCE_S = 5 * 60  # refuse webhooks whose timestamp is further off than this


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    price: str  # a decimal string, as the platform takes amounts


PRODUCTS = {
    p.key: p
    for p in (
        Product("tote", "Cotton tote bag, printed in Gràcia", "12.50"),
        Product("honey", "Montseny honey, 500 g", "9.75"),
        Product("mug", "Ceramic mug from La Bisbal", "21.00"),
    )
}


# Settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    platform_url: str
    api_key: str
    webhook_secret: str
    public_url: str
    database: str
    currency: str
    staff_password: str  # empty: refunds are open to anyone who knows an order's ID

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise SystemExit(f"shop: set {name} (see examples/shop/README.md)")
            return value

        settings = cls(
            platform_url=env.get("SHOP_PLATFORM_URL", "http://127.0.0.1:8000").rstrip("/"),
            api_key=required("SHOP_API_KEY"),
            webhook_secret=required("SHOP_WEBHOOK_SECRET"),
            public_url=env.get("SHOP_PUBLIC_URL", "http://127.0.0.1:8001").rstrip("/"),
            database=env.get("SHOP_DATABASE", "shop.sqlite3"),
            currency=env.get("SHOP_CURRENCY", "REC").upper(),
            staff_password=env.get("SHOP_STAFF_PASSWORD", ""),
        )
        try:
            _webhook_key(settings.webhook_secret)
        except ValueError as problem:
            raise SystemExit(f"shop: SHOP_WEBHOOK_SECRET: {problem}") from None
        return settings


# Webhook signatures (Standard Webhooks) ----------------------------------------------------


def _webhook_key(secret: str) -> bytes:
    if not secret.startswith("whsec_"):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        raise ValueError("the part after whsec_ is not base64") from None


def verify_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None
) -> bool:
    """True when the timestamp is fresh and one of the `v1,` signatures matches."""
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not message_id or not timestamp.isascii() or not timestamp.isdigit() or not signatures:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > WEBHOOK_TOLERANCE_S:
        return False
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_webhook_key(secret), signed, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    found = False
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        # compare every candidate, in constant time each
        found |= version == "v1" and hmac.compare_digest(value.encode(), expected)
    return found


# Storage -----------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    product TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,              -- pending, paid, canceled, expired, failed
    payment_order_id TEXT UNIQUE,      -- the platform's global ID of the payment order
    payment_url TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Refunds the platform confirmed with a refund.succeeded webhook.
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY,               -- the platform's refund ID
    order_id TEXT NOT NULL REFERENCES orders (id),
    amount_cents INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- Refunds the shop asked for; the request's ID is the idempotency key sent to the platform.
CREATE TABLE IF NOT EXISTS refund_requests (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    amount_cents INTEGER,              -- NULL: all that remains
    reason TEXT NOT NULL,
    status TEXT NOT NULL,              -- requested, accepted, succeeded, refused, failed
    refund_id TEXT,
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
-- Every webhook-id applied once: the platform delivers at least once.
CREATE TABLE IF NOT EXISTS webhook_messages (
    id TEXT PRIMARY KEY,               -- the webhook-id header
    type TEXT NOT NULL,
    order_id TEXT,
    outcome TEXT NOT NULL,
    received_at TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """The shop's SQLite file; each call opens its own short-lived connection."""

    def __init__(self, path: str) -> None:
        self.path = path
        db = sqlite3.connect(path)
        try:
            db.executescript(SCHEMA)  # in a transaction of its own
        finally:
            db.close()

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; a writing one holds the file's write lock from its start."""
        db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.transaction(write=False) as db:
            row = db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
            if row is None:
                return None
            order = dict(row)
            order["refunds"] = [
                dict(r)
                for r in db.execute(
                    "SELECT * FROM refunds WHERE order_id = ? ORDER BY created_at, id", (order_id,)
                )
            ]
            order["refund_requests"] = [
                dict(r)
                for r in db.execute(
                    "SELECT * FROM refund_requests WHERE order_id = ? ORDER BY created_at, id",
                    (order_id,),
                )
            ]
            order["events"] = [
                dict(r)
                for r in db.execute(
                    "SELECT * FROM webhook_messages WHERE order_id = ? ORDER BY rowid",
                    (order_id,),
                )
            ]
        order["refunded_cents"] = sum(r["amount_cents"] for r in order["refunds"])
        return order


# Money -------------------------------------------------------------------------------------


def to_cents(amount: str) -> int | None:
    """Cents of a positive decimal string with at most two decimals, else None."""
    try:
        value = Decimal(amount.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def to_amount(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):.2f}"


# The platform's API ------------------------------------------------------------------------

CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
  paymentOrder { id status paymentUrl amount { amount currency } }
  errors { field code message } } }"""
REFUND = """mutation($input: RefundPaymentOrderInput!) { refundPaymentOrder(input: $input) {
  refund { id amount { amount currency } reason status }
  errors { field code message } } }"""


class PlatformError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.field = code, message, field


class Platform:
    """The platform's GraphQL API, called with the shop's API key."""

    def __init__(self, url: str, api_key: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=url, headers={"authorization": f"Bearer {api_key}"}, timeout=15
        )

    async def mutate(self, name: str, query: str, input: dict[str, Any]) -> dict[str, Any]:
        """The mutation's payload; its first error, or any failure, as PlatformError."""
        try:
            response = await self.http.post(
                "/graphql", json={"query": query, "variables": {"input": input}}
            )
        except httpx.HTTPError as error:
            message = f"the payment platform did not answer: {error}"
            raise PlatformError("UNREACHABLE", message) from error
        if response.status_code != 200:
            raise PlatformError("HTTP_ERROR", f"the payment platform said {response.status_code}")
        body = response.json()
        if body.get("errors"):  # refused by rule (a revoked key, a missing scope) or a bug
            first = body["errors"][0]
            code = (first.get("extensions") or {}).get("code", "GRAPHQL_ERROR")
            raise PlatformError(code, first.get("message", ""))
        payload = body["data"][name]
        if payload["errors"]:
            first = payload["errors"][0]
            raise PlatformError(first["code"], first["message"], first.get("field"))
        return payload

    async def aclose(self) -> None:
        await self.http.aclose()


# Webhook events ----------------------------------------------------------------------------


def apply_event(db: sqlite3.Connection, kind: str, data: dict[str, Any]) -> tuple[str | None, str]:
    """Changes the shop's order as the event says; returns the order's ID and what it did."""
    row = None
    if data.get("paymentOrderId"):
        row = db.execute(
            "SELECT * FROM orders WHERE payment_order_id = ?", (data["paymentOrderId"],)
        ).fetchone()
    if row is None and data.get("reference"):  # the shop's own order ID
        row = db.execute("SELECT * FROM orders WHERE id = ?", (data["reference"],)).fetchone()
    if row is None:
        return None, "not an order of this shop"
    return row["id"], _apply(db, row, kind, data)


def _apply(db: sqlite3.Connection, row: sqlite3.Row, kind: str, data: dict[str, Any]) -> str:
    order_id, now = row["id"], _now()
    if row["payment_order_id"] is None and data.get("paymentOrderId"):
        db.execute(
            "UPDATE orders SET payment_order_id = ? WHERE id = ?",
            (data["paymentOrderId"], order_id),
        )
    amount = data.get("amount") or {}
    if kind == "payment_order.succeeded":
        if row["status"] == "paid":
            return "already paid"
        if to_cents(str(amount.get("amount", ""))) != row["amount_cents"] or (
            amount.get("currency") != row["currency"]
        ):
            log.warning("order %s: paid %s, not what it costs", order_id, amount)
            return "amount differs: not marked paid"
        db.execute(
            "UPDATE orders SET status = 'paid', updated_at = ? WHERE id = ?", (now, order_id)
        )
        return "paid"
    if kind in ("payment_order.canceled", "payment_order.expired"):
        status = "canceled" if kind == "payment_order.canceled" else "expired"
        if row["status"] != "pending":
            return f"left {row['status']}"
        db.execute(
            "UPDATE orders SET status = ?, note = ?, updated_at = ? WHERE id = ?",
            (status, str(data.get("reason", "")), now, order_id),
        )
        return status
    if kind == "refund.succeeded":
        refund = data.get("refund") or {}
        cents = to_cents(str((refund.get("amount") or {}).get("amount", "")))
        if not refund.get("id") or cents is None:
            return "refund without an ID or amount: ignored"
        db.execute(
            "INSERT OR IGNORE INTO refunds (id, order_id, amount_cents, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (refund["id"], order_id, cents, str(refund.get("reason", "")), now),
        )
        db.execute(
            "UPDATE refund_requests SET status = 'succeeded' WHERE refund_id = ?", (refund["id"],)
        )
        return "refund recorded"
    return "nothing to do"


# Pages -------------------------------------------------------------------------------------

STYLE = """body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}
.error{background:#fde8e8;border:1px solid #c00;padding:.6rem}"""


def page(title: str, body: str, status_code: int = 200, refresh_s: int = 0) -> HTMLResponse:
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{refresh}'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><p><a href="/">Botiga Exemple</a></p><h1>{html.escape(title)}</h1>{body}'
        "</body></html>",
        status_code=status_code,
    )


def is_staff(request: Request, password: str) -> bool:
    """HTTP Basic with the staff password (any user name); everyone when none is set."""
    if not password:
        return True
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        given = base64.b64decode(encoded, validate=True).decode().partition(":")[2]
    except (binascii.Error, UnicodeDecodeError):
        return False
    return scheme.lower() == "basic" and hmac.compare_digest(given.encode(), password.encode())


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def problem(
    request: Request, status_code: int, code: str, message: str, field: str | None = None
) -> Response:
    """An error the caller can act on: JSON for programs, a page for people."""
    if wants_json(request):
        error = {"code": code, "message": message, "field": field}
        return JSONResponse({"error": error}, status_code=status_code)
    body = f'<p class="error"><strong>{html.escape(code)}</strong>: {html.escape(message)}</p>'
    return page("Something went wrong", body, status_code=status_code)


async def fields(request: Request) -> dict[str, str]:
    """The request's fields, from a JSON object or a urlencoded form."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            parsed = json.loads(body or b"{}")
        except ValueError:
            return {}
        if not isinstance(parsed, dict):
            return {}
        return {k: "" if v is None else str(v) for k, v in parsed.items()}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def order_json(order: dict[str, Any]) -> dict[str, Any]:
    product = PRODUCTS.get(order["product"])
    return {
        "id": order["id"],
        "product": order["product"],
        "productName": product.name if product else order["product"],
        "amount": to_amount(order["amount_cents"]),
        "currency": order["currency"],
        "status": order["status"],
        "note": order["note"],
        "paymentOrderId": order["payment_order_id"],
        "paymentUrl": order["payment_url"],
        "refunded": to_amount(order["refunded_cents"]),
        "refunds": [
            {"id": r["id"], "amount": to_amount(r["amount_cents"]), "reason": r["reason"]}
            for r in order["refunds"]
        ],
        "refundRequests": [
            {
                "id": r["id"],
                "amount": None if r["amount_cents"] is None else to_amount(r["amount_cents"]),
                "reason": r["reason"],
                "status": r["status"],
                "refundId": r["refund_id"],
                "error": r["error"],
            }
            for r in order["refund_requests"]
        ],
        "events": [
            {
                "webhookId": e["id"],
                "type": e["type"],
                "outcome": e["outcome"],
                "receivedAt": e["received_at"],
            }
            for e in order["events"]
        ],
        "createdAt": order["created_at"],
        "updatedAt": order["updated_at"],
    }


def order_page(order: dict[str, Any]) -> HTMLResponse:
    seen = order_json(order)
    esc = html.escape
    rows = [
        ("Product", seen["productName"]),
        ("Amount", f"{seen['amount']} {seen['currency']}"),
        ("Status", seen["status"] + (f" ({seen['note']})" if seen["note"] else "")),
        ("Refunded", f"{seen['refunded']} {seen['currency']}"),
    ]
    body = "<table>" + "".join(f"<tr><th>{k}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    body += "</table>"
    refresh_s = 0
    if seen["status"] == "pending" and seen["paymentUrl"]:
        body += (
            f'<p><a href="{esc(seen["paymentUrl"])}">Pay with your wallet</a>. '
            "Paid already? This page updates as soon as the payment is confirmed.</p>"
        )
        refresh_s = 3
    if seen["refunds"]:
        body += "<h2>Refunds</h2><ul>" + "".join(
            f"<li>{esc(r['amount'])} {esc(seen['currency'])}"
            + (f": {esc(r['reason'])}" if r["reason"] else "")
            + "</li>"
            for r in seen["refunds"]
        )
        body += "</ul>"
    waiting = [r for r in seen["refundRequests"] if r["status"] in ("requested", "accepted")]
    if waiting:
        body += f"<p>{len(waiting)} refund(s) asked for, waiting for confirmation.</p>"
        refresh_s = 3
    refused = [r for r in seen["refundRequests"] if r["status"] in ("refused", "failed")]
    for r in refused:
        body += f'<p class="error">Refund of {esc(r["amount"] or "all")}: {esc(r["error"])}</p>'
    if seen["status"] == "paid":
        body += (
            f'<h2>Refund</h2><form method="post" action="/orders/{esc(seen["id"])}/refund">'
            f'<input type="hidden" name="requestId" value="{secrets.token_hex(12)}">'
            '<label>Amount <input name="amount" inputmode="decimal" placeholder="all"></label> '
            '<label>Reason <input name="reason"></label> <button>Refund</button></form>'
        )
    return page(f"Order {seen['id']}", body, refresh_s=refresh_s)


# The application ---------------------------------------------------------------------------


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    if not log.handlers:  # uvicorn sets up its own loggers only
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     shop: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    if not settings.staff_password:
        log.warning("SHOP_STAFF_PASSWORD is not set: anyone who knows an order's ID can refund it")
    store = Store(settings.database)
    platform = Platform(settings.platform_url, settings.api_key)

    async def products(request: Request) -> Response:
        if wants_json(request):
            return JSONResponse(
                [
                    {"key": p.key, "name": p.name, "price": p.price, "currency": settings.currency}
                    for p in PRODUCTS.values()
                ]
            )
        items = "".join(
            f"<tr><td>{html.escape(p.name)}</td><td>{p.price} {html.escape(settings.currency)}"
            f'</td><td><form method="post" action="/buy"><input type="hidden" name="product" '
            f'value="{p.key}"><button>Buy</button></form></td></tr>'
            for p in PRODUCTS.values()
        )
        return page("Products", f"<table>{items}</table>")

    async def buy(request: Request) -> Response:
        product = PRODUCTS.get((await fields(request)).get("product", ""))
        if product is None:
            return problem(request, 400, "UNKNOWN_PRODUCT", "no such product", "product")
        order_id = "ord_" + secrets.token_hex(8)
        cents = to_cents(product.price)
        assert cents is not None
        with store.transaction() as db:
            db.execute(
                "INSERT INTO orders (id, product, amount_cents, currency, status, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                (order_id, product.key, cents, settings.currency, _now(), _now()),
            )
        back = f"{settings.public_url}/orders/{order_id}"
        try:
            payload = await platform.mutate(
                "createPaymentOrder",
                CREATE_ORDER,
                {
                    "amount": product.price,
                    "currency": settings.currency,
                    "reference": order_id,
                    "description": product.name,
                    "successUrl": back,
                    "cancelUrl": back,
                    "idempotencyKey": order_id,  # a retry never makes a second payment order
                },
            )
        except PlatformError as error:
            log.warning("order %s: no payment order: %s", order_id, error)
            with store.transaction() as db:
                db.execute(
                    "UPDATE orders SET status = 'failed', note = ?, updated_at = ? WHERE id = ?",
                    (error.message, _now(), order_id),
                )
            return problem(
                request, 502, error.code, f"could not start the payment: {error.message}"
            )
        created = payload["paymentOrder"]
        with store.transaction() as db:
            db.execute(
                "UPDATE orders SET payment_order_id = ?, payment_url = ?, updated_at = ?"
                " WHERE id = ?",
                (created["id"], created["paymentUrl"], _now(), order_id),
            )
        return RedirectResponse(created["paymentUrl"], status_code=303)

    async def show_order(request: Request) -> Response:
        order = store.order(request.path_params["order_id"])
        if order is None:
            return problem(request, 404, "NOT_FOUND", "no such order")
        if wants_json(request):
            return JSONResponse(order_json(order))
        return order_page(order)

    async def refund(request: Request) -> Response:
        order_id = request.path_params["order_id"]
        if not is_staff(request, settings.staff_password):
            refused = problem(request, 401, "UNAUTHORIZED", "refunds are for the shop's staff")
            refused.headers["www-authenticate"] = 'Basic realm="shop staff"'
            return refused
        given = await fields(request)
        order = store.order(order_id)
        if order is None:
            return problem(request, 404, "NOT_FOUND", "no such order")
        if order["status"] != "paid" or not order["payment_order_id"]:
            return problem(
                request,
                409,
                "NOT_PAID",
                f"only a paid order can be refunded; it is {order['status']}",
            )
        amount = given.get("amount", "").strip()
        cents = to_cents(amount) if amount else None
        if amount and cents is None:
            return problem(
                request, 400, "INVALID_AMOUNT", "a positive amount such as 2.50", "amount"
            )
        reason = given.get("reason", "").strip()[:200]
        request_id = given.get("requestId", "").strip()[:64] or secrets.token_hex(12)
        with store.transaction() as db:
            earlier = db.execute(
                "SELECT order_id FROM refund_requests WHERE id = ?", (request_id,)
            ).fetchone()
            if earlier is not None and earlier["order_id"] != order_id:
                return problem(request, 409, "IDEMPOTENCY_KEY_REUSED", "requestId is taken")
            db.execute(
                "INSERT OR IGNORE INTO refund_requests (id, order_id, amount_cents, reason,"
                " status, created_at) VALUES (?, ?, ?, ?, 'requested', ?)",
                (request_id, order_id, cents, reason, _now()),
            )
        refund_input: dict[str, Any] = {
            "id": order["payment_order_id"],
            "reason": reason,
            "idempotencyKey": request_id,  # the same request, sent again, refunds once
        }
        if amount:
            refund_input["amount"] = amount
        try:
            done = (await platform.mutate("refundPaymentOrder", REFUND, refund_input))["refund"]
        except PlatformError as error:
            status = "failed" if error.code in ("UNREACHABLE", "HTTP_ERROR") else "refused"
            with store.transaction() as db:
                db.execute(
                    "UPDATE refund_requests SET status = ?, error = ? WHERE id = ?",
                    (status, f"{error.code}: {error.message}", request_id),
                )
            status_code = 502 if status == "failed" else 422
            return problem(request, status_code, error.code, error.message, error.field)
        with store.transaction() as db:
            confirmed = db.execute("SELECT 1 FROM refunds WHERE id = ?", (done["id"],)).fetchone()
            db.execute(
                "UPDATE refund_requests SET status = ?, refund_id = ?, amount_cents = ?,"
                " error = '' WHERE id = ?",
                (
                    "succeeded" if confirmed else "accepted",
                    done["id"],
                    to_cents(done["amount"]["amount"]),
                    request_id,
                ),
            )
        if not wants_json(request):
            return RedirectResponse(f"/orders/{order_id}", status_code=303)
        accepted = {
            "requestId": request_id,
            "refundId": done["id"],
            "amount": done["amount"]["amount"],
            "status": done["status"],
        }
        current = store.order(order_id)
        assert current is not None
        return JSONResponse({"refund": accepted, "order": order_json(current)})

    async def webhook(request: Request) -> Response:
        body = await request.body()
        if not verify_webhook(settings.webhook_secret, request.headers, body):
            log.warning("webhook refused: bad signature or stale timestamp")
            return JSONResponse({"error": "bad signature"}, status_code=400)
        try:
            event = json.loads(body)
            kind, data = str(event["type"]), event.get("data") or {}
            if not isinstance(data, dict):
                raise TypeError("data is not an object")
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "not an event"}, status_code=400)
        message_id = request.headers["webhook-id"]
        # One transaction, holding the write lock: a message ID is applied at most once, even
        # when the same delivery arrives twice at the same moment.
        with store.transaction() as db:
            seen = db.execute(
                "SELECT 1 FROM webhook_messages WHERE id = ?", (message_id,)
            ).fetchone()
            if seen:
                log.info("webhook %s %s: applied before; ignored", message_id, kind)
                return JSONResponse({"ok": True, "duplicate": True})
            order_id, outcome = apply_event(db, kind, data)
            db.execute(
                "INSERT INTO webhook_messages (id, type, order_id, outcome, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (message_id, kind, order_id, outcome, _now()),
            )
        log.info("webhook %s %s for %s: %s", message_id, kind, order_id, outcome)
        return JSONResponse({"ok": True, "outcome": outcome})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await platform.aclose()

    return Starlette(
        routes=[
            Route("/", products, methods=["GET"]),
            Route("/buy", buy, methods=["POST"]),
            Route("/orders/{order_id}", show_order, methods=["GET"]),
            Route("/orders/{order_id}/refund", refund, methods=["POST"]),
            Route("/webhooks", webhook, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


app = create_app()


def main() -> None:
    """`python examples/shop/app.py`: serves on SHOP_HOST and SHOP_PORT, by default
    127.0.0.1 and the port of SHOP_PUBLIC_URL."""
    import uvicorn

    host = os.environ.get("SHOP_HOST", "127.0.0.1")
    port = int(os.environ.get("SHOP_PORT") or urlsplit(Settings.from_env().public_url).port or 8001)
    uvicorn.run(app, host=host, port=port)


if __name__ == "__main__":
    main()
