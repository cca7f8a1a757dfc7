"""The wallet as an installable app that says something useful offline (issue 8).

Two routes, in server/app.py:

    Route("/wallet/sw.js", pwa_assets.service_worker),
    Route("/wallet/offline", pwa_assets.offline_page),

The service worker lives at /wallet/sw.js so that its scope is /wallet/. Its code is
server/static/sw.js; this module puts its configuration in front of it: the cache's
version and the URLs it precaches. The version is a digest of every precached file, of the
worker's code and of the theme, so a change to any of them makes a new worker, whose cache
replaces the old one. See docs/pwa.md.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import reactpy
from jinja2 import Environment, FileSystemLoader, select_autoescape
from reactpy.config import REACTPY_PATH_PREFIX
from reactpy.executors.utils import default_import_map
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from schema.context import runtime_from_scope
from server.branding import REQUIRED_ASSETS, Branding
from server.settings import PROJECT_ROOT

STATIC_DIR = Path(__file__).parent / "static"
SERVICE_WORKER = STATIC_DIR / "sw.js"
REACTPY_STATIC_DIR = Path(reactpy.__file__).parent / "static"
OFFLINE_PATH = "/wallet/offline"
MANIFEST_PATH = "/wallet/manifest.webmanifest"
# The wallet page's own files under /static/ (pwa/templates/wallet.html loads them).
WALLET_STATIC = (
    "app.css",
    "wallet-offline.js",
    "wallet-sw-register.js",
    "wallet-scan.js",
    "wallet-copy.js",
    "wallet-map.js",
    "wallet-upload.js",
    "wallet-shop-map.js",
    "vendor/jsqr/jsQR.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
)
# `import … from "./x.js"` and `import("./x.js")` in the ReactPy client's modules.
_RELATIVE_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""")
_ALWAYS_REVALIDATE = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}

# The offline page's words, Catalan first; other languages read English.
OFFLINE_TEXTS: dict[str, dict[str, str]] = {
    "title": {"ca": "Sense connexió", "es": "Sin conexión", "en": "Offline"},
    "notice": {
        "ca": "Ara no hi ha connexió. Això és el que aquest dispositiu va veure per últim cop: "
        "pot haver canviat.",
        "es": "Ahora no hay conexión. Esto es lo último que vio este dispositivo: "
        "puede haber cambiado.",
        "en": "There is no connection now. This is what this device saw last: it may have changed.",
    },
    # The label of the balance: known + (on + ) at; {date} and {time} filled in on the device.
    "known": {"ca": "Saldo conegut", "es": "Saldo conocido", "en": "Last known balance,"},
    "on": {"ca": "el {date}", "es": "el {date}", "en": "on {date}"},
    "at": {"ca": "a les {time}", "es": "a las {time}", "en": "at {time}"},
    "at_one": {"ca": "a la {time}", "es": "a la {time}", "en": "at {time}"},  # 1:05
    "activity": {"ca": "Activitat recent", "es": "Actividad reciente", "en": "Recent activity"},
    "nothing_saved": {
        "ca": "Aquest dispositiu encara no ha desat cap saldo.",
        "es": "Este dispositivo aún no ha guardado ningún saldo.",
        "en": "This device has not saved a balance yet.",
    },
    "needs_network": {
        "ca": "Per pagar i cobrar cal connexió.",
        "es": "Para pagar y cobrar hace falta conexión.",
        "en": "Paying and getting paid need a connection.",
    },
    "retry": {"ca": "Torna-ho a provar", "es": "Volver a intentarlo", "en": "Try again"},
}

_templates = Environment(
    loader=FileSystemLoader(str(PROJECT_ROOT / "pwa" / "templates")),
    autoescape=select_autoescape(["html"]),
)


def offline_texts(language: str) -> dict[str, str]:
    return {key: words.get(language, words["en"]) for key, words in OFFLINE_TEXTS.items()}


def reactpy_client() -> dict[str, Path]:
    """URL -> file of the ReactPy client the wallet page loads: its entry module, the
    Preact its import map names, and every module these import, followed through."""
    static_url = f"{REACTPY_PATH_PREFIX.current}static/"
    mapped = json.loads(default_import_map())["imports"].values()
    wanted = ["index.js", *(url.removeprefix(static_url) for url in mapped)]
    found: dict[str, Path] = {}
    while wanted:
        name = wanted.pop()
        path = (REACTPY_STATIC_DIR / name).resolve()
        if name in found or not path.is_relative_to(REACTPY_STATIC_DIR.resolve()):
            continue
        found[name] = path
        for relative in _RELATIVE_IMPORT.findall(path.read_text(encoding="utf-8")):
            wanted.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), relative)))
    return {static_url + name: path for name, path in sorted(found.items())}


@dataclass(frozen=True)
class Shell:
    """What the service worker precaches: files that change only with a new version
    (cache first), and the pages it keeps for when the network is down (network first)."""

    version: str
    assets: dict[str, Path]
    pages: list[str]

    def worker_config(self) -> str:
        config = {"version": self.version, "assets": list(self.assets), "pages": self.pages}
        return f"self.REC_SW = {json.dumps(config)};\n"


def shell_of(branding: Branding) -> Shell:
    asset_base = f"/branding/{branding.folder.name}/"
    assets = {f"/static/{name}": STATIC_DIR / name for name in WALLET_STATIC}
    assets.update(reactpy_client())
    for name in REQUIRED_ASSETS:
        filename = getattr(branding.theme.assets, name)
        assets[asset_base + filename] = branding.folder / filename
    digest = hashlib.sha256(SERVICE_WORKER.read_bytes())
    digest.update(branding.theme.model_dump_json().encode())  # the manifest and the pages
    digest.update(_render_offline(branding).encode())
    for url, path in sorted(assets.items()):
        digest.update(url.encode() + b"\0" + path.read_bytes())
    return Shell(digest.hexdigest()[:16], assets, [OFFLINE_PATH, MANIFEST_PATH])


def _render_offline(branding: Branding) -> str:
    theme = branding.theme
    return _templates.get_template("offline.html").render(
        theme=theme,
        asset_base=f"/branding/{branding.folder.name}/",
        texts=offline_texts(theme.default_language),
    )


async def service_worker(request: Request) -> Response:
    """The worker's code behind its configuration, never kept by the HTTP cache, so that
    the browser sees each new version at once."""
    branding = runtime_from_scope(request.scope).default_branding
    shell = await run_in_threadpool(shell_of, branding)
    code = SERVICE_WORKER.read_text(encoding="utf-8")
    return Response(
        shell.worker_config() + code, media_type="text/javascript", headers=_ALWAYS_REVALIDATE
    )


async def offline_page(request: Request) -> HTMLResponse:
    """What the wallet shows without a network: the last known balance this device saved."""
    branding = runtime_from_scope(request.scope).default_branding
    return HTMLResponse(_render_offline(branding), headers=_ALWAYS_REVALIDATE)
