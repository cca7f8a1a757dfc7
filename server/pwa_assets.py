"""Each currency's wallet as an installable app that says something useful offline.

Served by server/app.py for each currency (its branding folder), under /wallet/<code>/:

    /wallet/<code>/sw.js      service_worker(branding)
    /wallet/<code>/offline    offline_page(branding)

A currency's service worker lives at /wallet/<code>/sw.js so that its scope is
/wallet/<code>/: each currency's wallet is an app of its own, with its own cache. Its code
is server/static/sw.js; this module puts its configuration in front of it: the cache's
name and version, and the URLs it precaches. The version is a digest of every precached
file, of the worker's code and of the theme, so a change to any of them makes a new
worker, whose cache replaces the old one. See docs/pwa.md.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import reactpy
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from reactpy.config import REACTPY_PATH_PREFIX
from reactpy.executors.utils import default_import_map
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from pwa.paths import wallet_path
from server import reactpy_client as lean_client
from server.branding import REQUIRED_ASSETS, Branding
from server.settings import PROJECT_ROOT

STATIC_DIR = Path(__file__).parent / "static"
SERVICE_WORKER = STATIC_DIR / "sw.js"
REACTPY_STATIC_DIR = Path(reactpy.__file__).parent / "static"
CACHE_PREFIX = "rec-wallet-"  # then the code in lower case, a dash and the version
_FONT_FORMATS = {".woff2": "woff2", ".woff": "woff", ".ttf": "truetype", ".otf": "opentype"}
_FONT_FAMILY = re.compile(r"^[A-Za-z0-9 _-]{1,60}$")
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


# The page of an address under /wallet/ that is no wallet (an unknown currency, say).
NOT_FOUND_TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "ca": "No hi ha cap moneder aquí",
        "es": "No hay ningún monedero aquí",
        "en": "No wallet here",
    },
    "notice": {
        "ca": "Aquesta adreça no és de cap moneder d'aquesta plataforma.",
        "es": "Esta dirección no es de ningún monedero de esta plataforma.",
        "en": "This address is not one of this platform's wallets.",
    },
    "go": {
        "ca": "Ves al moneder {name}",
        "es": "Ir al monedero {name}",
        "en": "Go to the {name} wallet",
    },
}


def offline_texts(language: str) -> dict[str, str]:
    return {key: words.get(language, words["en"]) for key, words in OFFLINE_TEXTS.items()}


def not_found_texts(language: str) -> dict[str, str]:
    return {key: words.get(language, words["en"]) for key, words in NOT_FOUND_TEXTS.items()}


def manifest(branding: Branding) -> Response:
    """A currency's web app manifest: an app of its own, id and scope its wallet."""
    theme, base, home = branding.theme, asset_base(branding), wallet_home(branding)
    assets = theme.assets
    described = {
        "id": home,
        "name": theme.full_name,
        "short_name": theme.name,
        "description": theme.tagline or theme.full_name,
        "lang": theme.default_language,
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "theme_color": theme.colours.primary,
        "background_color": theme.colours.background,
        "icons": [
            {"src": base + assets.icon_192, "sizes": "192x192", "type": "image/png"},
            {"src": base + assets.icon_512, "sizes": "512x512", "type": "image/png"},
            {
                "src": base + assets.icon_maskable,
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return Response(json.dumps(described), media_type="application/manifest+json")


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


def wallet_home(branding: Branding) -> str:
    return wallet_path(branding.code)


def offline_path(branding: Branding) -> str:
    return wallet_path(branding.code, "offline")


def manifest_path(branding: Branding) -> str:
    return wallet_path(branding.code, "manifest.webmanifest")


def worker_path(branding: Branding) -> str:
    return wallet_path(branding.code, "sw.js")


def asset_base(branding: Branding) -> str:
    """Where the currency's files are served (server/app.py's /branding/ route)."""
    return f"/branding/{branding.folder.name}/"


_WEIGHTS = {"regular": 400, "bold": 700}


def font_files(branding: Branding) -> list[tuple[int, str]]:
    """(CSS weight, file path inside the branding folder) of the theme's fonts, if any:
    the paths the server serves (Branding.font_files)."""
    return [(_WEIGHTS[weight], path) for weight, path in branding.font_files().items()]


def font_faces(branding: Branding) -> list[dict[str, Any]]:
    """The @font-face rules of the theme's fonts: family, url, weight and format."""
    fonts = getattr(branding.theme, "fonts", None)
    if fonts is None or not _FONT_FAMILY.match(str(fonts.family)):
        return []
    return [
        {
            "family": str(fonts.family),
            "url": asset_base(branding) + quote(path),
            "weight": weight,
            "format": _FONT_FORMATS.get(Path(path).suffix.lower(), ""),
        }
        for weight, path in font_files(branding)
    ]


def page_context(branding: Branding) -> dict[str, Any]:
    """What the wallet's shells (pwa/templates/) draw with: the theme, its files, its
    fonts, and this currency's own addresses."""
    faces = font_faces(branding)
    return {
        "theme": branding.theme,
        "asset_base": asset_base(branding),
        "font_faces": faces,
        "font_family": faces[0]["family"] if faces else "",
        "wallet_home": wallet_home(branding),
        "manifest_url": manifest_path(branding),
        "worker_url": worker_path(branding),
        "offline_url": offline_path(branding),
    }


@dataclass(frozen=True)
class Shell:
    """What a currency's service worker precaches: files that change only with a new
    version (cache first), and the pages it keeps for when the network is down (network
    first), in a cache named after the currency."""

    code: str
    version: str
    assets: dict[str, Path]
    pages: list[str]

    @property
    def cache_prefix(self) -> str:
        return f"{CACHE_PREFIX}{self.code.lower()}-"

    @property
    def offline_page(self) -> str:
        return self.pages[0]

    def worker_config(self) -> str:
        config = {
            "version": self.version,
            "prefix": self.cache_prefix,
            "offline": self.offline_page,
            "assets": list(self.assets),
            "pages": self.pages,
        }
        return f"self.REC_SW = {json.dumps(config)};\n"


def shell_of(branding: Branding) -> Shell:
    base = asset_base(branding)
    assets = {f"/static/{name}": STATIC_DIR / name for name in WALLET_STATIC}
    assets.update(reactpy_client())
    for name in REQUIRED_ASSETS:
        filename = getattr(branding.theme.assets, name)
        assets[base + filename] = branding.folder / filename
    for _, font in font_files(branding):
        assets[base + quote(font)] = branding.folder / font
    digest = hashlib.sha256(SERVICE_WORKER.read_bytes())
    digest.update(branding.theme.model_dump_json().encode())  # the manifest and the pages
    digest.update(_render_offline(branding).encode())
    for url, path in sorted(assets.items()):
        digest.update(url.encode() + b"\0" + path.read_bytes())
    digest.update(lean_client.client())  # served in place of the client's index.js
    pages = [offline_path(branding), manifest_path(branding)]
    return Shell(branding.code, digest.hexdigest()[:16], assets, pages)


def _render_offline(branding: Branding) -> str:
    return _templates.get_template("offline.html").render(
        **page_context(branding), texts=offline_texts(branding.theme.default_language)
    )


async def service_worker(branding: Branding) -> Response:
    """A currency's worker: its code behind its configuration, never kept by the HTTP
    cache, so that the browser sees each new version at once."""
    shell = await run_in_threadpool(shell_of, branding)
    code = SERVICE_WORKER.read_text(encoding="utf-8")
    return Response(
        shell.worker_config() + code, media_type="text/javascript", headers=_ALWAYS_REVALIDATE
    )


async def offline_page(branding: Branding) -> HTMLResponse:
    """What a currency's wallet shows without a network: the last known balance this
    device saved for that currency."""
    return HTMLResponse(_render_offline(branding), headers=_ALWAYS_REVALIDATE)


LEGAL_TITLES = {
    "terms": {"ca": "Condicions d'ús", "es": "Condiciones de uso", "en": "Terms of use"},
    "privacy": {"ca": "Avís de privacitat", "es": "Aviso de privacidad", "en": "Privacy notice"},
}
_STRONG = re.compile(r"\*\*(.+?)\*\*")


def legal_html(text: str) -> Markup:
    """A legal text's Markdown, as the little of it these texts use: `#`/`##` headings,
    paragraphs between blank lines and **bold**; everything else is shown as written."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip()
        heading = re.match(r"^(#{1,3})\s+(.*)$", lines)
        if heading and "\n" not in lines:
            level = len(heading.group(1)) + 1  # the page's own title is the h1
            blocks.append(f"<h{level}>{escape(heading.group(2))}</h{level}>")
            continue
        inner = _STRONG.sub(lambda found: f"<strong>{found.group(1)}</strong>", str(escape(lines)))
        blocks.append(f"<p>{inner}</p>")
    return Markup("\n".join(blocks))


def legal_page(branding: Branding, name: str, asked: str) -> HTMLResponse:
    """A currency's terms of use or privacy notice, in the language asked for when the
    currency offers it, else in its default language."""
    theme = branding.theme
    language = asked if asked in theme.languages else theme.default_language
    text = branding.legal_text(name, language)
    title = LEGAL_TITLES[name].get(language, LEGAL_TITLES[name]["en"])
    if text.lstrip().startswith("# "):  # the text's own title heads the page
        title, _, text = text.lstrip()[2:].partition("\n")
    html = _templates.get_template("legal.html").render(
        **page_context(branding),
        name=name,
        language=language,
        title=title.strip(),
        body=legal_html(text),
        back=not_found_texts(language)["go"].format(name=theme.name),
    )
    return HTMLResponse(html, headers={"cache-control": "public, max-age=600"})
