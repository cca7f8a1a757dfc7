"""The ReactPy client the wallet and the admin panel load, with lean events.

ReactPy's client turns each browser event into JSON by copying the event's target ten
levels deep (the input, its form, each field of that form with its labels and attributes):
a keystroke in a form of twenty fields sent 5 MB over the websocket, and the server parsed
it. `client()` is ReactPy's own `index.js` with one line added at the top of that
converter, handing the event to `recLeanEvent` (server/static/reactpy-lean-events.js),
which keeps what handlers read: the target's value, checked state and data attributes,
the key, the pointer. It is served at the client's usual address, so the pages, the import
map and the service worker need no change.

The converter is found by the warning only it prints; if a ReactPy upgrade changes it,
`client()` raises at start, naming this file, rather than serving the heavy events.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import reactpy
from reactpy.config import REACTPY_PATH_PREFIX
from starlette.requests import Request
from starlette.responses import Response

REACTPY_CLIENT = Path(reactpy.__file__).parent / "static" / "index.js"
LEAN_EVENTS = Path(__file__).parent / "static" / "reactpy-lean-events.js"
# function v(G,Q=10){if(!G||typeof G!=="object")return console.warn("eventToObject: ...
_CONVERTER = re.compile(
    r"(function [\w$]+\(([\w$]+),[\w$]+=10\)\{)"
    r'(?=if\(!\2\|\|typeof \2!=="object"\)return console\.warn\("eventToObject:)'
)


class ClientChanged(RuntimeError):
    pass


def client_path() -> str:
    return f"{REACTPY_PATH_PREFIX.current}static/index.js"


@functools.cache
def client() -> bytes:
    source = REACTPY_CLIENT.read_text(encoding="utf-8")
    patched, found = _CONVERTER.subn(
        lambda m: f'{m[1]}if({m[2]}&&typeof {m[2]}==="object")return recLeanEvent({m[2]});',
        source,
    )
    if found != 1:
        raise ClientChanged(
            f"ReactPy's client no longer has the event converter server/reactpy_client.py "
            f"patches (found {found}); update the pattern there for this ReactPy version"
        )
    return (patched + "\n" + LEAN_EVENTS.read_text(encoding="utf-8")).encode()


async def serve(request: Request) -> Response:
    body = client()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "cache-control": "no-cache",
        "etag": etag,
        "x-content-type-options": "nosniff",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript", headers=headers)
