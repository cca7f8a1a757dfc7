"""The composition root: `create_app(settings)` builds the whole ASGI application.

RecASGI (runtime on the scope, request id, one log line per request)
  └─ ReactPyMiddleware (the wallet's and the admin's live components, over WebSocket)
       └─ Starlette (GraphQL, pages, health, assets)
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from reactpy.config import REACTPY_PATH_PREFIX
from reactpy.executors.asgi.middleware import ReactPyMiddleware
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from admin_ui import reports_export as admin_reports_export
from admin_ui import session as admin_session
from pwa import session as wallet_session
from pwa import statement as wallet_statement
from pwa.paths import APP_FILES, PAGES, PAGES_WITH_ID, SIGN_IN, SIGN_OUT, STATEMENT, wallet_path
from pwa.texts import placeholder_problems, unknown_text_keys
from schema.context import Context, build_context, credentials, runtime_from_scope
from schema.persisted import registry_of
from schema.schema import build_schema
from schema.sse import EventStream
from schema.ws import KeepAliveTransportWS
from server import metrics, pwa_assets, reactpy_client, reactpy_layout
from server.accounts.sign_in import authenticate
from server.branding import LEGAL_TEXTS, Branding, BrandingError, load_all
from server.directory.photos import content_type_of, photo_path
from server.kyc.models import KycDocument as KycDocumentRow
from server.kyc.services import document_path, may_read
from server.logs import request_id_var
from server.pos.services import get_order, payment_url, qr_png, qr_svg
from server.runtime import Runtime
from server.settings import PROJECT_ROOT, Settings, SettingsError
from server.topup import http as topup_http
from server.topup import sandbox_processor
from server.topup.sandbox import sandbox_key

log = logging.getLogger("rec.http")
STATIC_DIR = Path(__file__).parent / "static"
# The official apps' operations: the persisted queries.
OPERATION_FOLDERS = [PROJECT_ROOT / "pwa" / "operations", PROJECT_ROOT / "admin_ui" / "operations"]
ROOT_COMPONENTS = ["pwa.wallet.Wallet", "admin_ui.panel.AdminPanel"]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The largest request body: a 10 MB KYC document and its multipart envelope.
REQUEST_BODY_MAX = 10 * 1024 * 1024 + 64 * 1024


class RecGraphQL(GraphQL[Context, None]):
    """Strawberry over HTTP and graphql-transport-ws, with our context and a local GraphiQL."""

    async def get_context(self, request: Any, response: Any = None) -> Context:
        runtime = runtime_from_scope(request.scope)
        return await build_context(runtime, request.scope, request, response)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if not await context.authenticate_connection():
            raise ConnectionRejectionError()  # closes with 4403
        return UNSET

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN; ours serves the same files locally.
        return HTMLResponse((STATIC_DIR / "graphiql.html").read_text(encoding="utf-8"))


def create_app(settings: Settings) -> RecASGI:
    brandings = {branding.code: branding for branding in load_all(settings.branding_dir)}
    check_texts(brandings.values())  # server/ cannot see the wallet's texts: checked here
    unknown = sorted({code for _, code in settings.wallet_hosts} - brandings.keys())
    if unknown:
        raise SettingsError(
            f"REC_WALLET_HOSTS names {', '.join(unknown)}: no such currency in "
            f"{settings.branding_dir.name}/ (one folder per currency, named by its code)"
        )
    runtime = Runtime(
        settings=settings,
        brandings=brandings,
        schema=build_schema(
            settings.introspection, registry_of(OPERATION_FOLDERS), settings.persisted_only
        ),
    )
    graphql = RecGraphQL(
        runtime.schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=10),
        keep_alive=True,  # a graphql-transport-ws ping this often, by KeepAliveTransportWS
        keep_alive_interval=settings.keep_alive_s,
        multipart_uploads_enabled=True,  # KYC documents, shop photos; CSRF-safe: docs/api-access.md
    )
    graphql.graphql_transport_ws_handler_class = KeepAliveTransportWS
    pages = _Pages(runtime)

    async def notify_route(request: Request) -> Response:
        return await topup_http.notify(request, runtime.payments)

    async def go_route(request: Request) -> Response:
        return await topup_http.go(
            request, runtime.payments, settings.secret_key, settings.public_url
        )

    # The pretend card processor, in development and tests only (refused in production).
    sandbox_routes = (
        sandbox_processor.routes(sandbox_key(settings.secret_key), settings.sandbox_notify_delay_s)
        if settings.payment_provider == "sandbox"
        else []
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    starlette = Starlette(
        routes=[
            Route("/", pages.front_door),
            Route("/healthz", _healthz),
            Route("/readyz", _readyz),
            Route("/metrics", _metrics),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/graphql/stream", EventStream(), methods=["GET", "POST"]),
            # One session and one statement for every currency's wallet.
            Route(STATEMENT, wallet_statement.statement),
            Route(SIGN_IN, wallet_session.sign_in, methods=["POST"]),
            Route(SIGN_OUT, wallet_session.sign_out, methods=["POST"]),
            # Each currency's wallet under /wallet/<code>/; the old addresses redirect.
            Route("/wallet/{rest:path}", pages.wallet),
            Route("/admin/", pages.admin),
            Route("/admin/sign-in", admin_session.sign_in, methods=["POST"]),
            Route("/admin/sign-out", admin_session.sign_out, methods=["POST"]),
            Route("/admin/reports/{report}.{format}", admin_reports_export.export),
            Route("/admin/{section:path}", pages.admin),  # admin_ui/sections.py
            # {filename:path}: a theme's font files sit in a subfolder (fonts/x.woff2), and
            # each wallet's service worker precaches them. Changed by the wallet-per-currency
            # work; branding_asset decides what is served (the theme's files only).
            Route("/branding/{folder}/{filename:path}", pages.branding_asset),
            Route("/kyc/documents/{document_id:int}", _kyc_document),
            Route("/directory/photos/{name}", _merchant_photo),
            Route("/pay/{order_id}", pages.payment_link),
            Route("/pay/{order_id}/qr.{kind}", _order_qr),
            Route("/topup/notify/{provider}", notify_route, methods=["POST"]),
            Route("/topup/{top_up_id}/go", go_route),
            Route(reactpy_client.client_path(), reactpy_client.serve),
            *sandbox_routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
    reactpy_client.client()  # a ReactPy whose client we cannot make lean stops the start here
    reactpy_layout.install()  # each event sees the renders its earlier events asked for
    return RecASGI(LeanEventsReactPy(starlette, root_components=ROOT_COMPONENTS), runtime)


def check_texts(brandings: Iterable[Branding]) -> None:
    """Stops the start when a folder's texts/<language>.toml names a text the wallet does
    not have, or changes the {placeholders} the wallet fills in."""
    problems = []
    for branding in brandings:
        problems += branding.text_key_problems(unknown_text_keys(branding.texts))
        problems += [
            f"{branding.folder.name}/texts/{line}" for line in placeholder_problems(branding.texts)
        ]
    if problems:
        raise BrandingError("\n".join(problems))


class LeanEventsReactPy(ReactPyMiddleware):
    """ReactPy, except that its client module comes from Starlette's route, made lean
    (server/reactpy_client.py)."""

    def match_static_path(self, scope: Any) -> bool:
        return super().match_static_path(scope) and scope["path"] != reactpy_client.client_path()


class RecASGI:
    """Outermost layer: puts the runtime on every scope, tags and logs each request."""

    def __init__(self, app: Any, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["rec.runtime"] = self.runtime
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status = {"code": 101 if scope["type"] == "websocket" else 500}
        live_view = scope["type"] == "websocket" and scope.get("path", "").startswith(
            REACTPY_PATH_PREFIX.current
        )
        started = time.perf_counter()

        async def tagged_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            elif message["type"] == "websocket.close":
                status["code"] = message.get("code", 1000)
            elif message["type"] == "websocket.send" and live_view:
                # A page closed or left while ReactPy was sending it an update: nobody is
                # there to read it, and ReactPy would log the send's failure as an error.
                # Its receiving side sees the disconnect and ends the session.
                try:
                    await send(message)
                except OSError:  # uvicorn's ClientDisconnected
                    log.debug("a live page left during an update")
                return
            await send(message)

        if scope["type"] == "http":
            declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
            if not declared.isdigit() or int(declared) > REQUEST_BODY_MAX:
                await _too_large(tagged_send)
                request_id_var.reset(token)
                return
            receive = _capped(receive)
        try:
            await self.app(scope, receive, tagged_send)
        finally:
            metrics.record_request(
                scope.get("method", "WS"),
                scope["path"],
                status["code"],
                time.perf_counter() - started,
            )
            log.info(
                "request",
                extra={
                    "method": scope.get("method", "WS"),
                    "path": scope["path"],  # never the query string: it may carry tokens
                    "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)


async def _too_large(send: Any) -> None:
    body = json.dumps({"error": "REQUEST_TOO_LARGE", "limit_bytes": REQUEST_BODY_MAX}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _capped(receive: Any) -> Any:
    """A body sent without its length is cut off past the limit: the app sees a disconnect."""
    received = 0

    async def capped_receive() -> dict[str, Any]:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > REQUEST_BODY_MAX:
                return {"type": "http.disconnect"}
        return message

    return capped_receive


_ID = re.compile(r"^[^/]{1,200}$")  # an order's or a top-up's ID, in a page's address


def _page_shape(page: list[str]) -> bool:
    """A wallet page: `history`, or `till/<id>` and `top-up/<id>`."""
    if len(page) == 1:
        return page[0] in PAGES
    return len(page) == 2 and page[0] in PAGES_WITH_ID and bool(_ID.match(page[1]))


def _legacy_page(parts: list[str]) -> bool:
    """An address of the wallet from before each currency had its own: /wallet/ and
    /wallet/<page>, its manifest, service worker and offline page."""
    if len(parts) > 1 and parts[-1] == "":  # /wallet/history/
        parts = parts[:-1]
    return parts == [""] or _page_shape(parts) or (len(parts) == 1 and parts[0] in APP_FILES)


async def _healthz(request: Request) -> JSONResponse:
    subscribers = runtime_from_scope(request.scope).events.subscriber_count
    return JSONResponse({"status": "ok", "subscribers": subscribers})


async def _metrics(request: Request) -> Response:
    """Prometheus's text format (server/metrics.py); with REC_METRICS_TOKEN, only for
    `Authorization: Bearer <token>`."""
    runtime = runtime_from_scope(request.scope)
    token = runtime.settings.metrics_token
    given = request.headers.get("authorization", "")
    if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return JSONResponse({"error": "UNAUTHENTICATED"}, status_code=401)
    body = await metrics.exposition(runtime.events.subscriber_count)
    return Response(body, media_type=metrics.CONTENT_TYPE, headers={"cache-control": "no-store"})


async def _readyz(request: Request) -> JSONResponse:
    stores = await runtime_from_scope(request.scope).readiness()
    ready = all(stores.values())
    body = {
        "status": "ready" if ready else "unavailable",
        "stores": {name: "up" if up else "down" for name, up in stores.items()},
    }
    return JSONResponse(body, status_code=200 if ready else 503)


async def _kyc_document(request: Request) -> Response:
    """A KYC file, for its account's holder or owners, its uploader and KYC officers."""
    runtime = runtime_from_scope(request.scope)
    bearer, cookie = credentials(request.scope)
    principal = await authenticate(bearer, cookie)
    document = await KycDocumentRow.get_or_none(id=request.path_params["document_id"])
    if principal.is_anonymous:
        return JSONResponse({"error": "UNAUTHENTICATED"}, status_code=401)
    if document is None or not may_read(principal, document):
        return JSONResponse({"error": "NOT_FOUND"}, status_code=404)  # no hint it exists
    return FileResponse(
        document_path(document, runtime.settings.kyc_dir),
        media_type=document.content_type,
        filename=f"{document.kind}-{document.id}",
        headers={"cache-control": "private, no-store", "x-content-type-options": "nosniff"},
    )


# A photo's name is its content's hash: whatever is at an address stays there for ever.
_PHOTO_HEADERS = {
    "cache-control": "public, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
}


async def _merchant_photo(request: Request) -> Response:
    """A shop's photo on the map: public, like the map itself."""
    runtime = runtime_from_scope(request.scope)
    name = request.path_params["name"]
    path = photo_path(runtime.settings.photos_dir, name)
    if path is None or not path.is_file():
        return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
    return FileResponse(path, media_type=content_type_of(name), headers=_PHOTO_HEADERS)


async def _order_qr(request: Request) -> Response:
    """The QR code of an order's payment link, for a screen (SVG) or paper (PNG)."""
    runtime = runtime_from_scope(request.scope)
    order = await get_order(request.path_params["order_id"])
    kind = request.path_params["kind"]
    if order is None or kind not in ("svg", "png"):
        return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
    url = payment_url(runtime.settings.public_url, order)
    if kind == "svg":
        return Response(qr_svg(url), media_type="image/svg+xml")
    return Response(qr_png(url), media_type="image/png")


class _Pages:
    """The HTML shells; the live content inside them is rendered by ReactPy components.

    Each currency's wallet lives under /wallet/<code>/ (code in lower case): its pages,
    its manifest, its service worker and its offline page, all drawn from its branding
    folder. The addresses of the wallet before that (/wallet/, /wallet/<page>, in links
    already mailed and in bookmarks) redirect to the wallet of the host's currency
    (REC_WALLET_HOSTS) or of the deployment's default currency, keeping the query."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.templates = Environment(
            loader=FileSystemLoader(
                [
                    str(PROJECT_ROOT / "pwa" / "templates"),
                    str(PROJECT_ROOT / "admin_ui" / "templates"),
                ]
            ),
            autoescape=select_autoescape(["html"]),
            extensions=["reactpy.templatetags.ReactPyJinja"],
        )

    def _render(self, template: str, branding: Branding, status_code: int = 200) -> HTMLResponse:
        html = self.templates.get_template(template).render(**pwa_assets.page_context(branding))
        return HTMLResponse(html, status_code=status_code)

    def _entry_branding(self, request: Request) -> Branding:
        """The currency whose wallet this host name opens, or the deployment's default."""
        code = self.runtime.settings.wallet_host_currency(request.url.hostname)
        return self.runtime.brandings.get(code or "") or self.runtime.default_branding

    async def front_door(self, request: Request) -> Response:
        return RedirectResponse(wallet_path(self._entry_branding(request).code), 307)

    async def wallet(self, request: Request) -> Response:
        """Everything under /wallet/ but the shared sign-in, sign-out and statement."""
        parts = request.path_params["rest"].split("/")
        branding = self.runtime.brandings.get(parts[0].upper()) if len(parts) > 1 else None
        if branding is not None:
            if parts[0] != parts[0].lower():  # /wallet/REC/... is /wallet/rec/...
                page = "/".join(parts[1:])
                return RedirectResponse(wallet_path(branding.code, page, request.url.query), 307)
            answer = await self._currency_page(branding, parts[1:], request)
            if answer is not None:
                return answer
        if len(parts) == 1 and parts[0].upper() in self.runtime.brandings:  # /wallet/rec
            return RedirectResponse(wallet_path(parts[0], "", request.url.query), 307)
        if _legacy_page(parts):
            code = self._entry_branding(request).code
            return RedirectResponse(wallet_path(code, "/".join(parts), request.url.query), 307)
        return self._not_found(request)

    async def _currency_page(
        self, branding: Branding, page: list[str], request: Request
    ) -> Response | None:
        """A page of this currency's wallet, or its app's files; None: no such page."""
        if len(page) > 1 and page[-1] == "":  # /wallet/rec/history/ is /wallet/rec/history
            page = page[:-1]
        if len(page) == 1 and page[0] in LEGAL_TEXTS:  # /wallet/rec/terms?lang=es
            return pwa_assets.legal_page(branding, page[0], request.query_params.get("lang", ""))
        if page == [""] or _page_shape(page):
            return self._render("wallet.html", branding)
        if page == ["manifest.webmanifest"]:
            return pwa_assets.manifest(branding)
        if page == ["sw.js"]:
            return await pwa_assets.service_worker(branding)
        if page == ["offline"]:
            return await pwa_assets.offline_page(branding)
        return None

    def _not_found(self, request: Request) -> HTMLResponse:
        """No wallet here (an unknown currency, a page that does not exist): a page that
        says so, in the default currency's look, with the way to its wallet."""
        branding = self._entry_branding(request)
        html = self.templates.get_template("not_found.html").render(
            **pwa_assets.page_context(branding),
            texts=pwa_assets.not_found_texts(branding.theme.default_language),
        )
        return HTMLResponse(html, status_code=404)

    async def payment_link(self, request: Request) -> HTMLResponse:
        """A shop's payment link: the wallet, in the look of the order's currency."""
        order = await get_order(request.path_params["order_id"])
        branding = self.runtime.brandings.get(order.currency) if order is not None else None
        return self._render("wallet.html", branding or self._entry_branding(request))

    async def admin(self, request: Request) -> HTMLResponse:
        """The panel, in the look of the currency it shows (?currency=; the default one
        when none or an unknown one is asked for). Which currencies an administrator may
        see is the panel's and the API's business, not the look's."""
        code = request.query_params.get("currency", "").strip().upper()
        return self._render(
            "admin.html", self.runtime.brandings.get(code) or self.runtime.default_branding
        )

    async def branding_asset(self, request: Request) -> Response:
        folder, filename = request.path_params["folder"], request.path_params["filename"]
        branding = self.runtime.brandings.get(folder.upper())
        # Only the files a theme names are served: nothing else in the folder leaks.
        if branding is None or filename not in branding.public_files():
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        return FileResponse(
            branding.folder / filename, headers={"cache-control": "public, max-age=3600"}
        )
