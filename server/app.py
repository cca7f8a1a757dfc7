"""The composition root: `create_app(settings)` builds the whole ASGI application.

RecASGI (runtime on the scope, request id, one log line per request)
  └─ ReactPyMiddleware (the wallet's and the admin's live components, over WebSocket)
       └─ Starlette (GraphQL, pages, health, assets)
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
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

from admin_ui import session as admin_session
from pwa import session as wallet_session
from pwa import statement as wallet_statement
from schema.context import Context, build_context, credentials, runtime_from_scope
from schema.persisted import registry_of
from schema.schema import build_schema
from schema.sse import EventStream
from schema.ws import KeepAliveTransportWS
from server import pwa_assets
from server.accounts.sign_in import authenticate
from server.branding import REQUIRED_ASSETS, Branding, load_all
from server.directory.photos import content_type_of, photo_path
from server.kyc.models import KycDocument as KycDocumentRow
from server.kyc.services import document_path, may_read
from server.logs import request_id_var
from server.pos.services import get_order, payment_url, qr_png, qr_svg
from server.runtime import Runtime
from server.settings import PROJECT_ROOT, Settings
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
            Route("/", lambda _: RedirectResponse("/wallet/")),
            Route("/healthz", _healthz),
            Route("/readyz", _readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/graphql/stream", EventStream(), methods=["GET", "POST"]),
            Route("/wallet/", pages.wallet),
            Route("/wallet/verify-email", pages.wallet),
            Route("/wallet/reset-password", pages.wallet),
            Route("/wallet/invitation", pages.wallet),
            Route("/wallet/top-up", pages.wallet),
            Route("/wallet/pay", pages.wallet),
            Route("/wallet/charge", pages.wallet),
            Route("/wallet/map", pages.wallet),
            Route("/wallet/forgot-password", pages.wallet),
            Route("/wallet/history", pages.wallet),
            Route("/wallet/statement.csv", wallet_statement.statement),
            Route("/wallet/profile", pages.wallet),
            Route("/wallet/accounts", pages.wallet),
            Route("/wallet/till", pages.wallet),
            Route("/wallet/till/{order_id}", pages.wallet),
            Route("/wallet/shop", pages.wallet),
            Route("/wallet/top-up/{top_up_id}", pages.wallet),
            Route("/wallet/manifest.webmanifest", pages.manifest),
            Route("/wallet/sw.js", pwa_assets.service_worker),
            Route("/wallet/offline", pwa_assets.offline_page),
            Route("/wallet/sign-in", wallet_session.sign_in, methods=["POST"]),
            Route("/wallet/sign-out", wallet_session.sign_out, methods=["POST"]),
            Route("/admin/", pages.admin),
            Route("/admin/sign-in", admin_session.sign_in, methods=["POST"]),
            Route("/admin/sign-out", admin_session.sign_out, methods=["POST"]),
            Route("/branding/{folder}/{filename}", pages.branding_asset),
            Route("/kyc/documents/{document_id:int}", _kyc_document),
            Route("/directory/photos/{name}", _merchant_photo),
            Route("/pay/{order_id}", pages.wallet),
            Route("/pay/{order_id}/qr.{kind}", _order_qr),
            Route("/topup/notify/{provider}", notify_route, methods=["POST"]),
            Route("/topup/{top_up_id}/go", go_route),
            *sandbox_routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
    return RecASGI(ReactPyMiddleware(starlette, root_components=ROOT_COMPONENTS), runtime)


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


async def _healthz(request: Request) -> JSONResponse:
    subscribers = runtime_from_scope(request.scope).events.subscriber_count
    return JSONResponse({"status": "ok", "subscribers": subscribers})


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
    """The HTML shells; the live content inside them is rendered by ReactPy components."""

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

    def _render(self, template: str, branding: Branding) -> HTMLResponse:
        html = self.templates.get_template(template).render(
            theme=branding.theme, asset_base=f"/branding/{branding.folder.name}/"
        )
        return HTMLResponse(html)

    async def wallet(self, _: Request) -> HTMLResponse:
        return self._render("wallet.html", self.runtime.default_branding)

    async def admin(self, _: Request) -> HTMLResponse:
        return self._render("admin.html", self.runtime.default_branding)

    async def manifest(self, _: Request) -> Response:
        theme = self.runtime.default_branding.theme
        base = f"/branding/{theme.code.lower()}/"
        manifest = {
            "id": "/wallet/",
            "name": theme.full_name,
            "short_name": theme.name,
            "lang": theme.default_language,
            "start_url": "/wallet/",
            "scope": "/wallet/",
            "display": "standalone",
            "theme_color": theme.colours.primary,
            "background_color": theme.colours.background,
            "icons": [
                {"src": base + theme.assets.icon_192, "sizes": "192x192", "type": "image/png"},
                {"src": base + theme.assets.icon_512, "sizes": "512x512", "type": "image/png"},
                {
                    "src": base + theme.assets.icon_maskable,
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
        return Response(json.dumps(manifest), media_type="application/manifest+json")

    async def branding_asset(self, request: Request) -> Response:
        folder, filename = request.path_params["folder"], request.path_params["filename"]
        branding = self.runtime.brandings.get(folder.upper())
        # Only the files a theme names are served: nothing else in the folder leaks.
        if branding is None or filename not in {
            getattr(branding.theme.assets, name) for name in REQUIRED_ASSETS
        }:
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        return FileResponse(
            branding.folder / filename, headers={"cache-control": "public, max-age=3600"}
        )
