"""The `rec` command: run, serve, migrate, demo, currency add, admin create."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pymongo.errors import PyMongoError
from tortoise.exceptions import DBConnectionError

from server.accounts import passwords
from server.accounts.admin_currencies import (
    describe_currencies,
    limit_admin_role,
    unknown_currencies,
)
from server.accounts.models import AdminRole
from server.accounts.services import (
    AccountsError,
    create_user,
    find_user_by_email,
    grant_admin_role,
)
from server.branding import THEME_FILE, BrandingError, load_all, load_branding
from server.currencies.models import Currency
from server.currencies.services import CurrencyError, install_currency
from server.demo import format_sign_ins, load_demo, saved_sign_ins
from server.ledger.verify import verify_ledger
from server.logs import configure_logging, redact
from server.registry import DOCUMENT_MODELS
from server.reports import stats
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


WORKERS_MAX = 64
CURRENCY_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]{1,9}")


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
    serve = commands.add_parser(
        "serve", help="serve the app on REC_DATABASE_URL and REC_MONGODB_URL"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=f"app processes sharing REC_HOST:REC_PORT (1 to {WORKERS_MAX}; default 1)",
    )
    serve.add_argument(
        "--no-jobs",
        action="store_true",
        help="run no background jobs here: `rec worker` processes run them (as REC_JOBS=off)",
    )
    commands.add_parser(
        "worker",
        help="run the background jobs (sealer, webhooks, expiries, reconciliation), no HTTP; "
        "any number may run, each job under a lease",
    )
    commands.add_parser("migrate", help="bring both stores up to date and install currencies")
    commands.add_parser("demo", help="load the demo data (once; later calls change nothing)")
    ledger = commands.add_parser("ledger", help="the journal")
    ledger_commands = ledger.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    verify = ledger_commands.add_parser(
        "verify", help="recompute the chain, signatures and balances; exit 0 only if all hold"
    )
    verify.add_argument("--currency", default=None, help="one currency (default: all)")
    figures = commands.add_parser("stats", help="the admin dashboard's and reports' buckets")
    figures_commands = figures.add_subparsers(dest="stats_command", metavar="ACTION", required=True)
    rebuild = figures_commands.add_parser(
        "rebuild",
        help="sum the sealed journal afresh into the buckets (after a currency's time zone "
        "changes, or journal entries were repaired)",
    )
    rebuild.add_argument("--currency", default=None, help="one currency (default: all)")
    currency = commands.add_parser("currency", help="currencies")
    currency_commands = currency.add_subparsers(
        dest="currency_command", metavar="ACTION", required=True
    )
    add = currency_commands.add_parser(
        "add",
        help="check branding/<code>/, bring both stores up to date and install that one "
        "currency (again: changes nothing)",
    )
    add.add_argument("code", help="the currency's code, such as GRA (its folder: branding/gra/)")
    admin = commands.add_parser("admin", help="administrators")
    admin_commands = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    create = admin_commands.add_parser("create", help="create an administrator or grant a role")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=[role.value for role in AdminRole])
    create.add_argument("--name", default="", help="full name (default: from the email)")
    create.add_argument(
        "--currency",
        action="append",
        default=[],
        metavar="CODE",
        help="a currency the role applies to; repeat for more (default: every currency). "
        "Given again for a role already held, the role's currencies become these",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # unknown arguments: usage and exit status 2
    try:
        settings = _configured(Settings.from_env())
        if args.command == "run":
            if settings.is_production:
                raise UsageError("`rec run` is for development; use `rec migrate` and `rec serve`")
            return _run(settings)
        if args.command == "serve":
            if not 1 <= args.workers <= WORKERS_MAX:
                raise UsageError(f"--workers must be 1 to {WORKERS_MAX}; got {args.workers}")
            if args.no_jobs:
                settings = replace(settings, run_jobs=False)
                os.environ["REC_JOBS"] = "off"  # for the app processes --workers starts
            return _serve(_require_stores(settings), workers=args.workers)
        if args.command == "worker":
            return asyncio.run(_work(_require_stores(settings)))
        return asyncio.run(_one_shot(args, settings))
    except (SettingsError, BrandingError, CurrencyError, EmbeddedServerError, UsageError) as error:
        print(f"rec {args.command}: {error}", file=sys.stderr)
        return 2
    except (PyMongoError, DBConnectionError, OSError) as error:
        print(f"rec {args.command}: a store is unreachable: {redact(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _configured(settings: Settings) -> Settings:
    passwords.configure(settings.password_hashing)
    configure_logging(
        settings.log_level,
        settings.log_format,
        [settings.secret_key, settings.smtp_password, settings.redsys_secret_key],
    )
    return settings


def app_from_env() -> Any:
    """The app of one of the processes `rec serve --workers N` starts: each builds its own
    from the environment, as the command that started it did."""
    from server.app import create_app

    return create_app(_configured(Settings.from_env()))


async def _work(settings: Settings) -> int:
    """`rec worker`: the background jobs until SIGTERM or SIGINT, then the leases given back."""
    from server import metrics
    from server.jobs import JobRunner, jobs_for
    from server.topup import provider_for

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    async with _open_stores(settings):
        runner = JobRunner(jobs_for(settings, provider_for(settings)), settings.job_lease_s)
        runner.start()
        figures = asyncio.create_task(metrics.publishing("worker"), name="figures")
        print(
            f"Worker {runner.holder} running: {', '.join(job.name for job in runner.jobs)}",
            flush=True,
        )
        await stopping.wait()
        await runner.stop()
        figures.cancel()
        await asyncio.gather(figures, return_exceptions=True)
    print("Worker stopped; its leases given back.", flush=True)
    return 0


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
    elif args.command == "currency":
        return await _currency_add(args, settings)
    elif args.command == "ledger":
        return await _ledger_verify(args, settings)
    elif args.command == "stats":
        return await _stats_rebuild(args, settings)
    return 0


async def _currency_add(args: argparse.Namespace, settings: Settings) -> int:
    """One currency from its folder: checked, the stores migrated, then installed."""
    code = args.code
    if not CURRENCY_CODE.fullmatch(code):
        raise UsageError(
            f"{code!r} is not a currency code (2 to 10 letters or digits, starting with a letter)"
        )
    folder = settings.branding_dir / code.lower()
    if not (folder / THEME_FILE).is_file():
        found = (
            sorted(
                p.name.upper()
                for p in settings.branding_dir.iterdir()
                if (p / THEME_FILE).is_file()
            )
            if settings.branding_dir.is_dir()
            else []
        )
        raise UsageError(
            f"no {settings.branding_dir.name}/{code.lower()}/{THEME_FILE}: copy a currency's "
            f"folder there first (folders found: {', '.join(found) or 'none'})"
        )
    branding = load_branding(folder)  # a bad folder stops us before any change
    assert settings.database_url
    await apply_migrations(settings.database_url)
    async with _open_stores(settings):
        _, created = await install_currency(branding, settings.secret_key)
    print(f"{branding.code}: {'created' if created else 'up to date'}")
    if created:
        print(
            f"Restart the server to open its wallet at /wallet/{code.lower()}/. "
            "Make an administrator with `rec admin create`."
        )
    return 0


async def _stats_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    async with _open_stores(settings):
        currencies = await Currency.all().order_by("code")
        wanted = (args.currency or "").upper()
        chosen = [row for row in currencies if not wanted or row.code == wanted]
        if not chosen:
            known = ", ".join(row.code for row in currencies) or "none installed"
            raise UsageError(f"no currency {args.currency!r} (known: {known})")
        for currency in chosen:
            upto = await stats.rebuild(currency)
            print(f"{currency.code}: buckets rebuilt from the journal up to entry {upto}")
    return 0


async def _admin_create(args: argparse.Namespace, settings: Settings) -> int:
    role = AdminRole(args.role)
    codes = frozenset(code.strip().upper() for code in args.currency) or None
    async with _open_stores(settings):
        unknown, known = await unknown_currencies(codes or ())
        if unknown:  # checked before anything changes
            print(
                f"rec admin create: --currency: no currency {', '.join(unknown)} "
                f"(installed: {', '.join(known) or 'none'})",
                file=sys.stderr,
            )
            return 2
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
        why, who = "rec admin create", "command line"
        granted = await grant_admin_role(user, role, reason=why, actor_label=who)
        changed = await limit_admin_role(user, role, codes, reason=why, actor_label=who)
    scope = describe_currencies(codes)
    if granted:
        state = f"granted ({scope})"
    elif changed:
        state = f"already held; its currencies updated to {scope}"
    else:
        state = f"already held ({scope})"
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


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        "ws": "websockets-sansio",
        # Compression would cost about 40 KB per open subscription (bench/subscriptions.py).
        "ws_per_message_deflate": False,
        "server_header": False,
    }


def _serve(settings: Settings, banner: str = "", workers: int = 1) -> int:
    import uvicorn

    _check_port_free(settings)
    if workers > 1:
        return _serve_processes(settings, workers)

    from server.app import create_app

    app = create_app(settings)
    config = uvicorn.Config(app, **_uvicorn_options(settings))
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


def _serve_processes(settings: Settings, workers: int) -> int:
    """`rec serve --workers N`: N app processes accept on one socket; uvicorn's supervisor
    replaces one that dies and stops them all on SIGTERM or SIGINT. Each builds its app from
    the environment (`app_from_env`), so they share nothing but the stores."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    load_all(settings.branding_dir)  # a bad theme stops us here, not in every process
    config = uvicorn.Config(
        "server.cli:app_from_env",
        factory=True,
        workers=workers,
        # Subscriptions over server-sent events never end by themselves: a process asked to
        # stop closes what is still open after this long (clients resume with their cursor).
        timeout_graceful_shutdown=5,
        **_uvicorn_options(settings),
    )
    socket_ = config.bind_socket()
    jobs = "with the background jobs" if settings.run_jobs else "no background jobs"
    print(f"Serving on {settings.public_url} with {workers} app processes, {jobs}", flush=True)
    Multiprocess(config, sockets=[socket_]).run()
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
    # Each currency's wallet is its own app (docs/pwa.md); the default currency's first.
    codes = [entry.split()[0] for entry in currencies]  # "REC (new)"
    ordered = sorted(codes, key=lambda code: code != settings.default_currency)
    wallets = [
        f"{'  Wallet' if index == 0 else ''}".ljust(14) + f"{url}/wallet/{code.lower()}/  ({code})"
        for index, code in enumerate(ordered)
    ]
    main = (ordered or [settings.default_currency])[0].lower()
    log_format = "JSON lines" if settings.log_format == "json" else "text"
    return "\n".join(
        [
            "",
            f"REC platform running ({settings.mode} mode). Currencies: {', '.join(currencies)}",
            *wallets,
            f"  Admin       {url}/admin/",
            f"  GraphQL     {url}/graphql{graphiql}",
            f"  Health      {url}/healthz   {url}/readyz",
            f"  Buy         {url}/wallet/{main}/top-up"
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
