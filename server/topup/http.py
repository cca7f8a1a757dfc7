"""The two HTTP doors of top-ups: the provider's notifications come in at
/topup/notify/<provider>, and the browser goes out to the provider from /topup/<id>/go."""

from __future__ import annotations

import hashlib
import hmac
import html
import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from server.topup.providers import PaymentProvider
from server.topup.services import checkout_of, get_top_up, handle_notification

log = logging.getLogger("rec.topup")
NOTIFICATION_BYTES_MAX = 64 * 1024


def go_signature(secret_key: str, top_up_id: str) -> str:
    """The redirect link is a capability: whoever holds it may go and pay, nobody may
    guess it (a wallet's browser and an integrator's app's browser alike)."""
    digest = hmac.new(secret_key.encode(), f"topup-go:{top_up_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def redirect_url(base_url: str, secret_key: str, top_up_id: str) -> str:
    return f"{base_url}/topup/{top_up_id}/go?sig={go_signature(secret_key, top_up_id)}"


async def notify(request: Request, provider: PaymentProvider) -> Response:
    """A provider's notification: 200 once verified (even when it changes nothing, so the
    provider stops retrying), 400 when it is not the provider's."""
    if request.path_params["provider"] != provider.name:
        return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
    if int(request.headers.get("content-length") or 0) > NOTIFICATION_BYTES_MAX:
        return JSONResponse({"error": "REQUEST_TOO_LARGE"}, status_code=413)
    form = {str(k): str(v) for k, v in (await request.form()).items()}
    remote = request.client.host if request.client else ""
    verified, verdict = await handle_notification(provider, form, remote)
    return JSONResponse({"verdict": verdict}, status_code=200 if verified else 400)


async def go(
    request: Request, provider: PaymentProvider, secret_key: str, base_url: str
) -> Response:
    """A page that sends the browser on to the provider's payment page with its signed
    form (it submits itself; without JavaScript, one button does)."""
    top_up_id = request.path_params["top_up_id"]
    given = request.query_params.get("sig", "")
    if not hmac.compare_digest(given, go_signature(secret_key, top_up_id)):
        return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
    top_up = await get_top_up(top_up_id)
    if top_up is None:
        return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
    if top_up.status != "PENDING":
        back = f"{base_url}/wallet/{top_up.currency.lower()}/top-up/{top_up.id}"
        return HTMLResponse(
            f'<!doctype html><meta http-equiv="refresh" content="0;url={html.escape(back)}">'
            f'<a href="{html.escape(back)}">Back to the wallet</a>'
        )
    checkout = checkout_of(top_up, provider, base_url)
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in checkout.fields.items()
    )
    return HTMLResponse(
        f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Card payment</title></head>
<body><form id="checkout" method="{html.escape(checkout.method.lower())}"
action="{html.escape(checkout.url)}">{inputs}
<p>Taking you to the card payment page…</p>
<button type="submit">Continue to the card payment</button></form>
<script src="/static/topup-go.js"></script></body></html>""",
        headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
    )
