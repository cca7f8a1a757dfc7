"""Where the wallet's pages live: each currency's wallet under `/wallet/<code>/`.

Every link and form inside the wallet is built here, so that a screen of one currency
only ever leads to pages of that same currency (docs/pwa.md, docs/wallet.md). The
sign-in, sign-out and statement endpoints are shared by all currencies: one session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

# The pages under /wallet/<code>/, besides its home; till and top-up also take an ID.
PAGES = (
    "verify-email",
    "reset-password",
    "forgot-password",
    "invitation",
    "top-up",
    "pay",
    "charge",
    "map",
    "history",
    "profile",
    "accounts",
    "till",
    "shop",
)
PAGES_WITH_ID = ("till", "top-up")
# The app's own files under /wallet/<code>/ (server/pwa_assets.py, server/app.py).
APP_FILES = ("manifest.webmanifest", "sw.js", "offline")
# The front door: it redirects to the wallet of the host's currency, or the default one.
WALLET_ENTRY = "/wallet/"
SIGN_IN = "/wallet/sign-in"
SIGN_OUT = "/wallet/sign-out"
STATEMENT = "/wallet/statement.csv"
# The pay screen's address before each currency had its own wallet: pay links already
# printed or sent carry it, and mean the deployment's default currency.
LEGACY_PAY = "/wallet/pay"
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}$")


def wallet_path(code: str, page: str = "", query: str | Mapping[str, str] = "") -> str:
    """`/wallet/<code lower>/<page>?<query>`: `wallet_path("REC", "pay", {"to": "anna"})`
    is `/wallet/rec/pay?to=anna`; the home is `wallet_path("REC")`, `/wallet/rec/`."""
    path = f"/wallet/{code.lower()}/{page.strip('/')}"
    if isinstance(query, Mapping):
        query = urlencode(query)
    query = query.lstrip("?")
    return f"{path}?{query}" if query else path


def split_wallet_path(path: str) -> tuple[str, list[str]] | None:
    """`/wallet/rec/till/abc` -> ("REC", ["till", "abc"]); `/wallet/rec/` -> ("REC", []).
    None for an address that is not under a currency's wallet."""
    parts = path.split("/")
    # "", "wallet", code, then the page's parts ("" for the home)
    if len(parts) < 4 or parts[0] != "" or parts[1] != "wallet" or not _CODE.match(parts[2]):
        return None
    rest = [part for part in parts[3:] if part]
    return parts[2].upper(), rest
