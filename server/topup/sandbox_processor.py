"""The pretend card processor behind `SandboxProvider`, served at /sandbox/card.

It plays the bank's part: it shows a hosted card page (marked SANDBOX everywhere), takes a
test card number, decides, sends the browser back to the merchant, and notifies the
merchant's server asynchronously with a signed POST, as a real gateway does (possibly
late, possibly never, depending on the card). It keeps its own records, and answers signed
status queries about them. Nothing here is the platform's: the top-up domain only talks to
it through the adapter, over HTTP.
"""

from __future__ import annotations

import html
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server import clock
from server.topup.sandbox import (
    OUTCOME_FIELDS,
    START_FIELDS,
    TEST_CARDS,
    sign,
    signed,
)

log = logging.getLogger("rec.sandbox")
NOTIFY_ATTEMPTS_MAX = 10
NOTIFY_TIMEOUT_S = 10


class SandboxPayment(Document):
    """The sandbox processor's own record of one card payment."""

    reference: str
    amount_cents: int
    currency: str
    description: str = ""
    notify_url: str
    ok_url: str
    ko_url: str
    state: str = "awaiting_card"  # then succeeded or failed
    card_last4: str = ""
    authorisation: str = ""
    detail: str = ""
    notify: bool = True
    notify_after: datetime | None = None
    notified_at: datetime | None = None
    notify_attempts: int = 0
    created_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "sandbox_card_payments"
        indexes = [
            IndexModel([("reference", ASCENDING)], unique=True),
            IndexModel([("notified_at", ASCENDING), ("notify_after", ASCENDING)]),
        ]


def _outcome_fields(payment: SandboxPayment, key: bytes) -> dict[str, str]:
    fields = {
        "reference": payment.reference,
        "state": payment.state if payment.state != "awaiting_card" else "pending",
        "amount_cents": str(payment.amount_cents),
        "currency": payment.currency,
        "authorisation": payment.authorisation,
        "detail": payment.detail,
    }
    fields["signature"] = sign(key, fields, OUTCOME_FIELDS)
    return fields


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SANDBOX card payment</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; background: #fff8e1; color: #1b1f23; }}
.banner {{ background: #b00020; color: #fff; padding: .75rem 1rem; font-weight: 700; }}
main {{ max-width: 26rem; margin: 1.5rem auto; padding: 0 1rem; }}
label {{ display: block; margin: .75rem 0 .25rem; }}
input {{ font-size: 1.1rem; padding: .5rem; width: 100%; box-sizing: border-box; }}
button, a.cancel {{ font-size: 1.1rem; padding: .6rem 1rem; margin-top: 1rem; }}
.error {{ color: #b00020; font-weight: 600; }}
code {{ background: #eee; padding: 0 .2rem; }}
</style></head>
<body><div class="banner" role="note" data-testid="sandbox-banner">SANDBOX: a pretend card
processor for development and tests. No card is charged and no real money moves.</div>
<main>{body}</main></body></html>"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(body=body), status_code=status)


def _card_form(payment: SandboxPayment, problem: str = "") -> HTMLResponse:
    amount = f"{payment.amount_cents // 100}.{payment.amount_cents % 100:02d}"
    cards = "".join(
        f"<li><code>{number}</code>: {html.escape(meaning)}</li>"
        for number, meaning in TEST_CARDS.items()
    )
    error = f'<p class="error" role="alert">{html.escape(problem)}</p>' if problem else ""
    ref = html.escape(payment.reference)
    return _page(
        f"""<h1>Pay {amount} {html.escape(payment.currency)}</h1>
<p>{html.escape(payment.description)} · order <code>{ref}</code></p>{error}
<form method="post" action="/sandbox/card/{ref}/pay">
<label for="card">Card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="off" required>
<label for="expiry">Expiry (MM/YY)</label>
<input id="expiry" name="expiry" value="12/34" required>
<label for="cvc">CVC</label>
<input id="cvc" name="cvc" value="123" required>
<button type="submit">Pay {amount} {html.escape(payment.currency)}</button>
</form>
<form method="post" action="/sandbox/card/{ref}/cancel">
<button type="submit">Cancel and go back</button></form>
<h2>Test cards</h2><ul>{cards}</ul>""",
        422 if problem else 200,
    )


def routes(key: bytes, notify_delay_s: float) -> list[Route]:
    """The processor's pages and API, sharing `key` with the merchant's adapter."""

    async def start(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not signed(key, form, START_FIELDS):
            return _page("<h1>Refused</h1><p>The merchant's signature is not valid.</p>", 400)
        try:
            amount = int(form["amount_cents"])
        except ValueError:
            return _page("<h1>Refused</h1><p>The amount is not a number of cents.</p>", 400)
        payment = await SandboxPayment.find_one({"reference": form["reference"]})
        if payment is None:
            payment = SandboxPayment(
                reference=form["reference"],
                amount_cents=amount,
                currency=form["currency"],
                description=form["description"],
                notify_url=form["notify_url"],
                ok_url=form["ok_url"],
                ko_url=form["ko_url"],
            )
            await payment.insert()
        if payment.state != "awaiting_card":
            return _page(f"<h1>Already {payment.state}</h1><p>This order was decided.</p>", 409)
        return _card_form(payment)

    async def pay(request: Request) -> Response:
        reference = request.path_params["reference"]
        payment = await SandboxPayment.find_one({"reference": reference})
        if payment is None:
            return _page("<h1>Unknown order</h1>", 404)
        if payment.state != "awaiting_card":
            return RedirectResponse(_back(payment), status_code=303)
        card = "".join(str((await request.form()).get("card", "")).split())
        if not (card.isdigit() and 12 <= len(card) <= 19 and _luhn(card)):
            return _card_form(payment, "That is not a card number.")
        now = clock.now()
        succeeds = card in ("4242424242424242", "4000000000000077", "4000000000000341")
        payment.state = "succeeded" if succeeds else "failed"
        payment.detail = {
            "4000000000009995": "insufficient funds",
        }.get(card, "approved" if succeeds else "declined")
        payment.authorisation = f"{secrets.randbelow(10**6):06d}" if succeeds else ""
        payment.card_last4 = card[-4:]
        payment.notify = card != "4000000000000341"
        delay = notify_delay_s if card == "4000000000000077" else 0
        payment.notify_after = now + timedelta(seconds=delay)
        # Decided once, even if the form is sent twice at the same moment.
        changed = await SandboxPayment.get_pymongo_collection().update_one(
            {"_id": payment.id, "state": "awaiting_card"},
            {
                "$set": {
                    k: getattr(payment, k)
                    for k in (
                        "state",
                        "detail",
                        "authorisation",
                        "card_last4",
                        "notify",
                        "notify_after",
                    )
                }
            },
        )
        if changed.modified_count != 1:
            payment = await SandboxPayment.find_one({"reference": reference}) or payment
        return RedirectResponse(_back(payment), status_code=303)

    async def cancel(request: Request) -> Response:
        reference = request.path_params["reference"]
        payment = await SandboxPayment.find_one({"reference": reference})
        if payment is None:
            return _page("<h1>Unknown order</h1>", 404)
        await SandboxPayment.get_pymongo_collection().update_one(
            {"_id": payment.id, "state": "awaiting_card"},
            {
                "$set": {
                    "state": "failed",
                    "detail": "cancelled by the card holder",
                    "notify_after": clock.now(),
                }
            },
        )
        return RedirectResponse(payment.ko_url, status_code=303)

    async def status(request: Request) -> Response:
        reference = request.path_params["reference"]
        asked = {"reference": reference, "signature": request.headers.get("x-sandbox-signature")}
        if not signed(key, asked, ("reference",)):  # type: ignore[arg-type]
            return JSONResponse({"error": "not signed by the merchant"}, status_code=401)
        payment = await SandboxPayment.find_one({"reference": reference})
        if payment is None:
            return JSONResponse({"error": "no such order"}, status_code=404)
        return JSONResponse(_outcome_fields(payment, key))

    return [
        Route("/sandbox/card", start, methods=["POST"]),
        Route("/sandbox/card/{reference}/pay", pay, methods=["POST"]),
        Route("/sandbox/card/{reference}/cancel", cancel, methods=["POST"]),
        Route("/sandbox/card/api/payments/{reference}", status, methods=["GET"]),
    ]


def _back(payment: SandboxPayment) -> str:
    return payment.ok_url if payment.state == "succeeded" else payment.ko_url


def _luhn(number: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


async def notify_round(key: bytes) -> int:
    """Sends the notifications that are due, as the processor's own background work;
    a merchant that does not answer 2xx is tried again later, up to ten times."""
    now = clock.now()
    due = await SandboxPayment.find(
        {
            "state": {"$in": ["succeeded", "failed"]},
            "notify": True,
            "notified_at": None,
            "notify_after": {"$lte": now},
            "notify_attempts": {"$lt": NOTIFY_ATTEMPTS_MAX},
        }
    ).to_list()
    if not due:
        return 0
    sent = 0
    async with httpx.AsyncClient(timeout=NOTIFY_TIMEOUT_S) as client:
        for payment in due:
            update: dict[str, Any] = {"$inc": {"notify_attempts": 1}}
            try:
                answer = await client.post(payment.notify_url, data=_outcome_fields(payment, key))
                delivered = 200 <= answer.status_code < 300
            except httpx.HTTPError as problem:
                log.warning("sandbox: notifying %s failed: %r", payment.reference, problem)
                delivered = False
            if delivered:
                update["$set"] = {"notified_at": clock.now()}
                sent += 1
            else:  # try again a little later, longer each time
                retry = now + timedelta(seconds=2 ** min(payment.notify_attempts + 1, 8))
                update["$set"] = {"notify_after": retry}
            await SandboxPayment.get_pymongo_collection().update_one({"_id": payment.id}, update)
    return sent
