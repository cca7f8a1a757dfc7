"""The `rec` command: run, serve, migrate, demo, admin create."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pymongo.errors import PyMongoError
from tortoise.exceptions import DBConnectionError

from server.accounts.models import AdminRole
from server.accounts.services import (
    AccountsError,
    create_user,
    find_user_by_email,
    grant_admin_role,
)
from server.branding import BrandingError, load_all
from server.currencies.services import CurrencyError, install_currency
from server.demo import format_sign_ins, load_demo, saved_sign_ins
from server.ledger.verify import verify_ledger
from server.logs import configure_logging, redact
from server.registry import DOCUMENT_MODELS
from server.settings import Settings, SettingsError
from server.stores.documents import DocumentStore
from server.stores.embedded import EmbeddedDocumentServer, EmbeddedServerError
from server.stores.relational import (
    apply_migrations,
    close_relational,
    open_relational,
    sqlite_url,
)

if TYPE_CHECKING:
    from server.runtime import Runtime

log = logging.getLogger("rec.cli")


class UsageError(Exception):
    """The command cannot run as asked; the message says what to change."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rec", description="The REC platform: a community currency, end to end."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "run", help="start everything on embedded stores with demo data (development)"
    )
    commands.add_parser("serve", help="serve the app on REC_DATABASE_URL and REC_MONGODB_URL")
    commands.add_parser("migrate", help="bring both stores up to date and install currencies")
    commands.add_parser("demo", help="load the demo data (once; later calls change nothing)")
    ledger = commands.add_parser("ledger", help="the journal")
    ledger_commands = ledger.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    verify = ledger_commands.add_parser(
        "verify", help="recompute the chain, signatures and balances; exit 0 only if all hold"
    )
    verify.add_argument("--currency", default=None, help="one currency (default: all)")
    admin = commands.add_parser("admin", help="administrators")
    admin_commands = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    create = admin_commands.add_parser("create", help="create an administrator or grant a role")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=[role.value for role in AdminRole])
    create.add_argument("--name", default="", help="full name (default: from the email)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # unknown arguments: usage and exit status 2
    try:
        settings = Settings.from_env()
        configure_logging(
            settings.log_level,
            settings.log_format,
            [settings.secret_key, settings.smtp_password, settings.redsys_secret_key],
        )
        if args.command == "run":
            if settings.is_production:
                raise UsageError("`rec run` is for development; use `rec migrate` and `rec serve`")
            return _run(settings)
        if args.command == "serve":
            return _serve(_require_stores(settings))
        return asyncio.run(_one_shot(args, settings))
    except (SettingsError, BrandingError, CurrencyError, EmbeddedServerError, UsageError) as error:
        print(f"rec {args.command}: {error}", file=sys.stderr)
        return 2
    except (PyMongoError, DBConnectionError, OSError) as error:
        print(f"rec {args.command}: a store is unreachable: {redact(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _require_stores(settings: Settings) -> Settings:
    missing = [
        name
        for name, value in (
            ("REC_DATABASE_URL", settings.database_url),
            ("REC_MONGODB_URL", settings.mongodb_url),
        )
        if not value
    ]
    if missing:
        raise UsageError(f"set {' and '.join(missing)} (or use `rec run` for embedded stores)")
    return settings


@asynccontextmanager
async def _open_stores(settings: Settings) -> AsyncIterator[None]:
    assert settings.database_url and settings.mongodb_url
    await open_relational(settings.database_url)
    documents = DocumentStore(
        settings.mongodb_url, settings.mongodb_database, DOCUMENT_MODELS, settings.store_timeout_s
    )
    try:
        await documents.open()
        yield
    finally:
        await documents.close()
        await close_relational()


async def _prepare(settings: Settings) -> list[str]:
    """Migrations, then every currency of branding/: safe to run on every start."""
    brandings = load_all(settings.branding_dir)  # a bad theme stops us before any change
    assert settings.database_url
    await apply_migrations(settings.database_url)
    installed = []
    async with _open_stores(settings):
        for branding in brandings:
            _, created = await install_currency(branding, settings.secret_key)
            installed.append(f"{branding.code} ({'new' if created else 'up to date'})")
    return installed


async def _demo(settings: Settings) -> str:
    async with _open_stores(settings):
        sign_ins = await load_demo(settings.data_dir)
    if sign_ins is None:
        saved = saved_sign_ins(settings.data_dir)
        note = "Demo data already loaded; its sign-ins:"
        return f"{note}\n{format_sign_ins(saved)}" if saved else "Demo data already loaded."
    return f"Demo data loaded. Sign in with:\n{format_sign_ins(sign_ins)}"


async def _one_shot(args: argparse.Namespace, settings: Settings) -> int:
    settings = _require_stores(settings)
    if args.command == "migrate":
        print("Migrated. Currencies: " + ", ".join(await _prepare(settings)))
    elif args.command == "demo":
        print(await _demo(settings))
    elif args.command == "admin":
        return await _admin_create(args, settings)
    elif args.command == "ledger":
        return await _ledger_verify(args, settings)
    return 0


async def _admin_create(args: argparse.Namespace, settings: Settings) -> int:
    async with _open_stores(settings):
        user = await find_user_by_email(args.email)
        if user is None:
            name = args.name or args.email.split("@")[0]
            try:
                user = await create_user(args.email, args.password, name)
            except AccountsError as error:
                print(f"rec admin create: {error.field}: {error.message}", file=sys.stderr)
                return 2
            note = ""
        else:
            note = " (existing user: password unchanged)"
        granted = await grant_admin_role(
            user, AdminRole(args.role), reason="rec admin create", actor_label="command line"
        )
    state = "granted" if granted else "already held"
    print(f"{user.email}: role {args.role} {state}{note}")
    return 0


async def _ledger_verify(args: argparse.Namespace, settings: Settings) -> int:
    async with _open_stores(settings):
        report = await verify_ledger(args.currency)
    for line in report.checked:
        print(f"checked  {line}")
    for line in report.problems:
        print(f"FAILED   {line}")
    print(
        "ledger verified: everything holds"
        if report.ok
        else f"ledger verification failed: {len(report.problems)} problem(s)"
    )
    return 0 if report.ok else 1


def _embedded_settings(settings: Settings) -> tuple[Settings, EmbeddedDocumentServer | None]:
    """Starts what `rec run` must embed: the document server unless REC_MONGODB_URL is set."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "logs").mkdir(exist_ok=True)
    database_url = settings.database_url or sqlite_url(settings.sqlite_path)
    embedded = None
    mongodb_url = settings.mongodb_url
    if not mongodb_url:
        embedded = EmbeddedDocumentServer(
            settings.embedded_documents_dir, settings.data_dir / "logs" / "documents.log"
        )
        mongodb_url = embedded.start()
    return settings.with_stores(database_url=database_url, mongodb_url=mongodb_url), embedded


def _check_port_free(settings: Settings) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as error:
            raise UsageError(
                f"cannot serve on {settings.host}:{settings.port} ({error.strerror}); "
                "is the platform already running? Set REC_PORT to use another port"
            ) from None


def _run(settings: Settings) -> int:
    load_all(settings.branding_dir)  # a bad theme or a busy port stops us before anything starts
    _check_port_free(settings)
    given = {"relational": settings.database_url, "documents": settings.mongodb_url}
    embedded = None
    try:
        settings, embedded = _embedded_settings(settings)
        currencies = asyncio.run(_prepare(settings))
        demo = asyncio.run(_demo(settings))
        banner = _banner(settings, given, embedded, currencies, demo)
        return _serve(settings, banner)
    finally:
        if embedded is not None:
            embedded.stop()
            print("Document server stopped.", flush=True)


def _serve(settings: Settings, banner: str = "") -> int:
    import uvicorn

    _check_port_free(settings)

    from server.app import create_app

    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        ws="websockets-sansio",
        # Compression would cost about 40 KB per open subscription (bench/subscriptions.py).
        ws_per_message_deflate=False,
        server_header=False,
    )
    server = uvicorn.Server(config)

    async def serve() -> bool:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.05)
        if server.started:
            print(banner or f"Serving on {settings.public_url}", flush=True)
        ending = asyncio.create_task(_end_subscriptions_on_exit(server, app.runtime))
        await task
        ending.cancel()
        return server.started

    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again for the
    # previous handler; ours ignores it so that `rec run` can stop its children in order.
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        started = asyncio.run(serve())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not started:
        print(
            f"rec: could not serve on {settings.host}:{settings.port} (see the log above)",
            file=sys.stderr,
        )
        return 1
    return 0


async def _end_subscriptions_on_exit(server: Any, runtime: Runtime) -> None:
    """uvicorn lets open responses finish before it stops, and a subscription over
    server-sent events never finishes by itself: once asked to stop, end them all."""
    while not server.should_exit:  # noqa: ASYNC110 (uvicorn has no event)
        await asyncio.sleep(0.1)
    runtime.events.end_all()


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def _banner(
    settings: Settings,
    given: dict[str, str | None],
    embedded: EmbeddedDocumentServer | None,
    currencies: list[str],
    demo: str,
) -> str:
    url = settings.public_url
    if embedded:
        documents = (
            f"embedded, {embedded.url} (pid {embedded.pid}), "
            f"data in {_shown(settings.embedded_documents_dir)}"
        )
    else:
        documents = f"REC_MONGODB_URL {redact(given['documents'] or '')}"
    relational = (
        f"REC_DATABASE_URL {redact(given['relational'])}"
        if given["relational"]
        else f"embedded SQLite, {_shown(settings.sqlite_path)}"
    )
    graphiql = "  (GraphiQL in a browser)" if settings.graphiql else ""
    log_format = "JSON lines" if settings.log_format == "json" else "text"
    return "\n".join(
        [
            "",
            f"REC platform running ({settings.mode} mode). Currencies: {', '.join(currencies)}",
            f"  Wallet      {url}/wallet/",
            f"  Admin       {url}/admin/",
            f"  GraphQL     {url}/graphql{graphiql}",
            f"  Health      {url}/healthz   {url}/readyz",
            f"  Buy         {url}/wallet/top-up"
            + (
                "  (sandbox card processor: card 4242 4242 4242 4242 succeeds)"
                if settings.payment_provider == "sandbox"
                else ""
            ),
            f"  Relational  {relational}",
            f"  Documents   {documents}",
            f"  Logs        this terminal ({log_format}); document server: "
            f"{_shown(settings.data_dir / 'logs' / 'documents.log')}",
            "",
            demo,
            "",
            "Press Ctrl-C to stop.",
            "",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
