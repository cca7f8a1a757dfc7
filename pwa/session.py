"""The wallet's sign-in and sign-out form posts. `next` brings the person back to where
they were (a payment link, say), and only ever to a page of the wallet. One session
serves every currency's wallet: the cookie's path is `/`."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from pwa.paths import WALLET_ENTRY
from pwa.wallet import OPERATIONS
from schema import session_forms

# A wallet page (of a currency, /wallet/<code>/..., or an old address that redirects to
# one), and for the pay screen its prefilled query (a scanned pay link).
_WALLET_PAGE = re.compile(
    r"^/(pay/[A-Za-z0-9_-]{1,64}|wallet/[A-Za-z0-9_/-]{0,100}"
    r"|wallet/(?:[A-Za-z0-9]{2,10}/)?pay\?[A-Za-z0-9_.~%&=+-]{0,400})$"
)


async def _next(request: Request) -> str:
    form = await request.form(max_files=0, max_fields=6)
    wanted = str(form.get("next", ""))
    # Otherwise the wallet's front door, which leads to this host's currency (server/app.py).
    return wanted if _WALLET_PAGE.match(wanted) else WALLET_ENTRY


async def sign_in(request: Request) -> Response:
    return await session_forms.sign_in(request, OPERATIONS["WalletSignIn"], await _next(request))


async def sign_out(request: Request) -> Response:
    return await session_forms.sign_out(request, OPERATIONS["WalletSignOut"], await _next(request))
