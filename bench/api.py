"""One wallet's balance, two ways: a plain Starlette JSON endpoint against the GraphQL API.

Needs no running platform: in a temporary folder it starts the embedded document server
and a SQLite file, runs `rec migrate` and `rec demo` as an operator would, then serves two
apps on 127.0.0.1, each with uvicorn in its own process, on the same stores:

  (a) plain: a tiny Starlette app defined below, `GET /balance/<account id>`, which reads
      the balance with server.ledger.services.balance_cents (what the API's Wallet field
      calls) and answers `{"currency": "REC", "amount": "100.00"}`; no sign-in, no log line;
  (b) graphql: the platform itself, `rec serve`, asked
      `{ viewer { activeAccount { wallet(currency: "REC") { balance { amount } } } } }`
      with the bearer token of a demo resident signed in through the `login` mutation.

Both are sent the same number of requests from the same number of concurrent clients
(httpx.AsyncClient, keep-alive), after uncounted warm-up requests, in halves run plain,
graphql, graphql, plain. It prints requests per second, p50/p99 latency, the CPU each
process spent per request, and the ratio b/a (target 0.3). It measures and prints; it
never asserts. Everything it starts, it stops.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --requests 10000 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from graphql_http import _bounded_int, percentile  # the sibling script in bench/

from server.accounts import totp
from server.settings import PROJECT_ROOT, Settings
from server.stores.embedded import EmbeddedDocumentServer, _die_with_parent, free_port

CURRENCY = "REC"
HOST = "127.0.0.1"
QUERY = '{ viewer { activeAccount { wallet(currency: "REC") { balance { amount } } } } }'
LOGIN = """mutation($input: LoginInput!) { login(input: $input) {
  token errors { code message } viewer { activeAccount { id } } } }"""
REQUESTS_DEFAULT, REQUESTS_MAX = 4000, 100_000
CONCURRENCY_DEFAULT, CONCURRENCY_MAX = 16, 256
WARMUP_DEFAULT, WARMUP_MAX = 500, 10_000
REQUEST_TIMEOUT_S = 10.0
START_TIMEOUT_S = 60.0
ERROR_EXAMPLES_MAX = 5
BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """The benchmark cannot run as asked; the message says what went wrong."""


# -- processes: what both api.py and subscriptions.py start ---------------------------------


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in KiB, from /proc."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(
                f"{url} exited with status {process.returncode} while starting; see its log:\n{log.read_text(errors='replace')[-2000:]}"
            )
        try:
            if httpx.get(url, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer within {START_TIMEOUT_S:.0f} s; see {log}")


class Platform:
    """The stores and servers of one run, in a temporary folder; stop() ends them all."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.documents = EmbeddedDocumentServer(folder / "documents", folder / "documents.log")
        self.processes: list[subprocess.Popen[bytes]] = []
        self.settings: Settings | None = None

    def start_stores(self) -> Settings:
        url = self.documents.start()
        self.settings = Settings(
            mode="development",
            host=HOST,
            port=free_port(),
            data_dir=self.folder / "var",
            database_url=f"sqlite://{self.folder / 'rec.sqlite3'}",
            mongodb_url=url,
            mongodb_database="bench",
            secret_key=secrets.token_urlsafe(32),
        )
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return self.settings

    @property
    def documents_pid(self) -> int:
        assert self.documents.pid is not None
        return self.documents.pid

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of the `rec` command on this run's stores, as an operator sets it."""
        settings = self.settings
        assert settings is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("REC_")}
        env.update(
            REC_MODE=settings.mode,
            REC_HOST=settings.host,
            REC_PORT=str(settings.port),
            REC_DATA_DIR=str(settings.data_dir),
            REC_DATABASE_URL=settings.database_url or "",
            REC_MONGODB_URL=settings.mongodb_url or "",
            REC_MONGODB_DATABASE=settings.mongodb_database,
            REC_SECRET_KEY=settings.secret_key,
            REC_LOG_LEVEL="INFO",
            # One signed-in caller sends thousands of requests here, and a thousand people
            # sign in from one address: the per-caller rate limit would refuse most of them.
            REC_RATE_LIMIT_PER_MINUTE="0",
        )
        env.update(extra)
        return env

    def rec(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "rec"), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=PROJECT_ROOT,
        )
        if done.returncode != 0:
            raise BenchError(f"`rec {' '.join(args)}` failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def spawn(self, name: str, command: list[str], port: int, health: str) -> Served:
        """Starts a server process on HOST:port, its output in a log, and waits for it."""
        log_path = self.folder / f"{name}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command,
                env=self.env(REC_PORT=str(port)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - setsid and pdeathsig only
            )
        self.processes.append(process)
        url = f"http://{HOST}:{port}"
        wait_for_http(url + health, process, log_path)
        return Served(url=url, pid=process.pid, log=log_path)

    def serve(self) -> Served:
        """`rec serve`, the platform as it runs in production, on this run's stores."""
        assert self.settings is not None
        return self.spawn("rec-serve", [str(BIN / "rec"), "serve"], self.settings.port, "/healthz")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self.processes.clear()
        self.documents.stop()


@dataclass(frozen=True)
class Served:
    url: str
    pid: int
    log: Path


@contextmanager
def platform_in_temporary_folder(
    prefix: str, make: Callable[[Path], Platform] = Platform
) -> Iterator[Platform]:
    """A Platform (or what `make` makes of the folder) whose processes stop, and whose
    folder goes, however the block ends; Ctrl-C and kill end the block like an error does."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        running = make(Path(folder))
        try:
            yield running
        finally:
            running.stop()


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def demo_sign_in(settings: Settings, role: str) -> dict[str, str]:
    """The first demo sign-in of that role, as `rec demo` saved it."""
    saved = json.loads((settings.data_dir / "demo-credentials.json").read_text())
    return next(entry for entry in saved if entry["role"] == role)


async def login(
    client: httpx.AsyncClient, url: str, email: str, password: str, totp_secret: str = ""
) -> tuple[str, str]:
    """Signs in through the `login` mutation; the bearer token and the active account's ID."""
    for step in (0, 1):  # a two-factor code is accepted once: the next step if this one is used
        code = totp.code_at(totp_secret, totp.current_step() + step) if totp_secret else None
        variables = {"input": {"email": email, "password": password, "totp": code}}
        response = await client.post(
            f"{url}/graphql", json={"query": LOGIN, "variables": variables}
        )
        payload = response.json()["data"]["login"]
        if not payload["errors"]:
            return payload["token"], payload["viewer"]["activeAccount"]["id"]
        if payload["errors"][0]["code"] != "WRONG_TOTP":
            break
    raise BenchError(f"cannot sign in as {email}: {payload['errors']}")


# -- (a) the plain endpoint, run as `api.py --plain-server` in its own process ----------------


def plain_app(settings: Settings) -> Any:
    """A Starlette app with one JSON endpoint: a wallet's balance, read as the API reads it."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from schema.money import format_minor_units
    from server.ledger.services import balance_cents
    from server.registry import DOCUMENT_MODELS
    from server.stores.documents import DocumentStore

    assert settings.mongodb_url
    store = DocumentStore(
        settings.mongodb_url, settings.mongodb_database, DOCUMENT_MODELS, settings.store_timeout_s
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        await store.open()
        try:
            yield
        finally:
            await store.close()

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def balance(request: Request) -> JSONResponse:
        cents = await balance_cents(request.path_params["account_id"], CURRENCY)
        return JSONResponse({"currency": CURRENCY, "amount": format_minor_units(cents, 2)})

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/balance/{account_id:int}", balance)],
        lifespan=lifespan,
    )


def serve_plain() -> int:
    """Serves plain_app with uvicorn as `rec serve` configures it (one process, no access
    log, httptools when installed), on the stores and port the environment names."""
    import uvicorn

    settings = Settings.from_env()
    uvicorn.run(
        plain_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    return 0


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    method: str
    url: str
    pid: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    read_amount: Callable[[Any], str] = lambda body: body["amount"]


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)  # per process, while measuring
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_examples) < ERROR_EXAMPLES_MAX:
            self.error_examples.append(reason[:200])

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def per_second(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


async def _one(client: httpx.AsyncClient, target: Target, expected: str, results: Results) -> None:
    started = time.perf_counter()
    try:
        response = await client.request(
            target.method, target.url, headers=target.headers, json=target.body
        )
    except httpx.HTTPError as error:
        results.fail(f"{type(error).__name__}: {error}")
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    try:
        amount = target.read_amount(response.json()) if response.status_code == 200 else None
    except (ValueError, KeyError, TypeError):
        amount = None
    if amount != expected:
        results.fail(f"HTTP {response.status_code}: {response.text[:200]}")
    else:
        results.latencies_ms.append(elapsed_ms)


async def run_requests(
    client: httpx.AsyncClient,
    target: Target,
    expected: str,
    count: int,
    concurrency: int,
    results: Results,
    pids: dict[str, int],
) -> None:
    """`count` requests from `concurrency` workers, each sending its next as soon as the
    last is answered; adds the elapsed time and each process's CPU time to `results`."""
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1  # no await between the check and this: no race
            await _one(client, target, expected, results)

    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    process_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    results.elapsed_s += time.perf_counter() - started
    for name, pid in pids.items():
        results.cpu_s[name] = results.cpu_s.get(name, 0.0) + cpu_seconds(pid) - cpu_before[name]
    results.cpu_s["this client"] = (
        results.cpu_s.get("this client", 0.0) + time.process_time() - process_before
    )


async def measure(
    plain: Target,
    graphql: Target,
    expected: str,
    requests: int,
    concurrency: int,
    warmup: int,
    documents_pid: int,
) -> tuple[Results, Results]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # trust_env=False: a proxy from the environment must not sit between us and the servers.
    async with httpx.AsyncClient(
        limits=limits, timeout=REQUEST_TIMEOUT_S, trust_env=False
    ) as client:
        for target in (plain, graphql):  # one request first: a clear message, not thousands
            check = Results()
            await _one(client, target, expected, check)
            if check.errors:
                raise BenchError(
                    f"{target.name} does not answer {expected}: {check.error_examples}"
                )
        results = {plain.name: Results(), graphql.name: Results()}
        for target in (plain, graphql):  # warm both up; nothing of this is counted
            pids = {"server": target.pid, "document server": documents_pid}
            await run_requests(client, target, expected, warmup, concurrency, Results(), pids)
        # A-B-B-A halves: whatever drifts during the run weighs on both ways alike.
        first, second = (requests + 1) // 2, requests // 2
        for target, count in ((plain, first), (graphql, first), (graphql, second), (plain, second)):
            if count:
                pids = {"server": target.pid, "document server": documents_pid}
                await run_requests(
                    client, target, expected, count, concurrency, results[target.name], pids
                )
    return results[plain.name], results[graphql.name]


def _section(title: str, target: Target, results: Results) -> list[str]:
    lines = [title, f"  {target.method} {target.url}"]
    lines.append(f"  requests      {results.requests} in {results.elapsed_s:.2f} s")
    lines.append(f"  throughput    {results.per_second:.1f} requests/s")
    latencies = sorted(results.latencies_ms)
    if latencies:
        lines.append(
            f"  latency ms    p50 {percentile(latencies, 50):.1f}  "
            f"p99 {percentile(latencies, 99):.1f}  (max {latencies[-1]:.1f}, "
            "successful requests only)"
        )
    if results.requests:
        per_request = "  ".join(
            f"{name} {seconds / results.requests * 1000:.2f}"
            for name, seconds in results.cpu_s.items()
        )
        lines.append(f"  CPU ms/req    {per_request}")
    lines.append(f"  errors        {results.errors}")
    lines.extend(f"    e.g. {example}" for example in results.error_examples)
    return lines


def report(
    args: argparse.Namespace,
    plain: Target,
    graphql: Target,
    plain_results: Results,
    graphql_results: Results,
) -> str:
    lines = [
        f"machine       {machine()}",
        f"parameters    {args.requests} requests per endpoint from {args.concurrency} "
        f"concurrent clients (httpx.AsyncClient, keep-alive), after {args.warmup} uncounted "
        "warm-up requests each; halves run plain, graphql, graphql, plain; each server is "
        "uvicorn, one process, on 127.0.0.1, on the same stores (embedded document server, "
        "SQLite)",
        "",
        *_section("(a) plain Starlette endpoint (balance_cents, no sign-in)", plain, plain_results),
        "",
        *_section(
            "(b) GraphQL on `rec serve` (bearer token of a signed-in resident)",
            graphql,
            graphql_results,
        ),
        "",
    ]
    if plain_results.per_second:
        ratio = graphql_results.per_second / plain_results.per_second
        lines.append(f"ratio b/a     {ratio:.2f} (requests/s of GraphQL over plain; target 0.3)")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/s and p99 of a wallet's balance: plain Starlette against GraphQL."
    )
    parser.add_argument(
        "--requests",
        type=_bounded_int(1, REQUESTS_MAX),
        default=REQUESTS_DEFAULT,
        help=f"requests measured per endpoint (default {REQUESTS_DEFAULT}, at most {REQUESTS_MAX})",
    )
    parser.add_argument(
        "--concurrency",
        type=_bounded_int(1, CONCURRENCY_MAX),
        default=CONCURRENCY_DEFAULT,
        help=f"requests in flight at once (default {CONCURRENCY_DEFAULT}, at most "
        f"{CONCURRENCY_MAX})",
    )
    parser.add_argument(
        "--warmup",
        type=_bounded_int(0, WARMUP_MAX),
        default=WARMUP_DEFAULT,
        help=f"uncounted requests per endpoint first (default {WARMUP_DEFAULT})",
    )
    # Internal: how the benchmark starts the plain endpoint in a process of its own.
    parser.add_argument("--plain-server", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


async def _sign_in_resident(url: str, settings: Settings) -> tuple[str, int]:
    from strawberry import relay

    resident = demo_sign_in(settings, "resident")
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
        token, account = await login(client, url, resident["email"], resident["password"])
    return token, int(relay.from_base64(account)[1])


def run(args: argparse.Namespace, running: Platform) -> str:
    print("starting the embedded document server ...", file=sys.stderr, flush=True)
    settings = running.start_stores()
    print("rec migrate, rec demo ...", file=sys.stderr, flush=True)
    running.rec("migrate")
    running.rec("demo")
    print("starting rec serve and the plain endpoint ...", file=sys.stderr, flush=True)
    platform_server = running.serve()
    plain_server = running.spawn(
        "plain",
        [sys.executable, str(Path(__file__).resolve()), "--plain-server"],
        free_port(),
        "/healthz",
    )
    token, account_id = asyncio.run(_sign_in_resident(platform_server.url, settings))
    plain = Target(
        name="plain",
        method="GET",
        url=f"{plain_server.url}/balance/{account_id}",
        pid=plain_server.pid,
    )
    graphql = Target(
        name="graphql",
        method="POST",
        url=f"{platform_server.url}/graphql",
        pid=platform_server.pid,
        headers={"authorization": f"Bearer {token}"},
        body={"query": QUERY},
        read_amount=lambda body: body["data"]["viewer"]["activeAccount"]["wallet"]["balance"][
            "amount"
        ],
    )
    expected = "100.00"  # what `rec demo` gives each resident
    print("measuring ...", file=sys.stderr, flush=True)
    plain_results, graphql_results = asyncio.run(
        measure(
            plain,
            graphql,
            expected,
            args.requests,
            args.concurrency,
            args.warmup,
            running.documents_pid,
        )
    )
    return report(args, plain, graphql, plain_results, graphql_results)


def run_on_a_platform(
    name: str,
    measure: Callable[[Any], str],
    on: AbstractContextManager[Platform] | None = None,
) -> int:
    """Runs a benchmark on a platform of its own (`on`, or a plain one), prints its
    report, stops everything."""
    try:
        with on or platform_in_temporary_folder(f"rec-bench-{name}-") as running:
            print(measure(running))
    except BenchError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: stopped everything it started", file=sys.stderr)
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.plain_server:
        return serve_plain()
    return run_on_a_platform("api", lambda running: run(args, running))


if __name__ == "__main__":
    raise SystemExit(main())
