"""Payments per second with 1 and with 2 app processes under the same load, and the ratio.

Needs no running platform: like bench/api.py, it starts the embedded document server and a
SQLite file (or a throwaway database on the PostgreSQL server `--database-url` names) in a
temporary folder, runs `rec migrate` and `rec demo`, and starts one `rec worker` (the
background jobs: the sealer and the rest) that runs throughout. Then:

  1. setup, over GraphQL, on a `rec serve` of its own that hashes passwords at argon2's
     smallest cost (setup only, nothing of it is measured): a KYC officer is made as an
     operator makes one (registered, two-factor on, granted the role by the demo
     superadmin); `--pairs` payers and as many payees register and sign in (bearer
     tokens); the officer raises each payer to KYC2 and the demo treasurer issues each
     payer enough REC for every payment it may make. That server then stops;
  2. the measured servers, each `rec serve --workers N --no-jobs` on a new port, each
     hashing at the `--hashing` cost: first 1 app process, which also sets each payer's
     payment PIN (so the PIN's hash has that cost: it is written in the hash, and each
     payment verifies the PIN with it), then 2, then 1 again. After each start,
     `--warmup` payments are not counted; the 1-process server makes the first half of
     its `--payments` before the 2-process one and the second half after, so that what
     drifts as the journal grows weighs on both alike;
  3. each payment is the public `pay` mutation, 0.01 REC from a payer to its own payee,
     with the PIN and a fresh idempotencyKey, sent by `--concurrency` clients
     (httpx.AsyncClient, keep-alive), each its next as soon as the last is answered. A
     client keeps to its own pairs, so no two payments in flight share a wallet unless
     there are more clients than pairs.

For each configuration it prints payments committed, elapsed time, payments per second,
p50/p95/p99 latency, errors (any refusal, with up to 5 examples), and the CPU time per
payment of the app processes (the `rec serve` process and its children, from /proc), the
document server, `rec worker` and this client; then the ratio 2/1 of payments per second
and the machine's CPU count. At the end it counts the journal's payments of each
configuration with PyMongo and checks them, and the payees' balances, against what it
reported committed. It measures and prints; it never asserts. Everything it starts, it
stops, and a PostgreSQL database it made, it drops.

    .venv/bin/python bench/scale.py
    .venv/bin/python bench/scale.py --hashing fast --payments 2000
    .venv/bin/python bench/scale.py --database-url postgres://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from api import (  # the sibling script in bench/
    BIN,
    HOST,
    BenchError,
    Platform,
    Served,
    cpu_seconds,
    demo_sign_in,
    login,
    machine,
    platform_in_temporary_folder,
    run_on_a_platform,
    wait_for_http,
)
from graphql_http import _bounded_int, percentile

from server.accounts import totp
from server.settings import PROJECT_ROOT
from server.stores.embedded import _die_with_parent, free_port

CURRENCY = "REC"
AMOUNT_CENTS = 1  # each payment: 0.01 REC
PASSWORD = "bench passphrase 7d1c"
PIN = "4071"
PAIRS_DEFAULT, PAIRS_MAX = 32, 1000
CONCURRENCY_DEFAULT, CONCURRENCY_MAX = 32, 256
PAYMENTS_DEFAULT = {"standard": 150, "fast": 600}  # about 25 s each on 2 CPUs
PAYMENTS_MAX = 100_000
WARMUP_DEFAULT, WARMUP_MAX = 32, 10_000
SETUP_AT_ONCE = 8  # the per-address sign-in throttle lets 20 attempts be in flight
REQUEST_TIMEOUT_S = 60.0  # standard hashing queues payments for seconds behind argon2
WORKER_START_S = 60.0
ERROR_EXAMPLES_MAX = 5
MEMO = {1: "bench scale: 1 app process", 2: "bench scale: 2 app processes"}
WARMUP_MEMO = "bench scale: warm-up"

PAY = """mutation($input: PayInput!) { pay(input: $input) {
  transaction { id } errors { field code message } } }"""
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id } errors { field code message } } }"""
REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  user { id } errors { field code message } } }"""
ME = "{ viewer { user { id } activeAccount { id handle } } }"
SET_PIN = """mutation($input: SetPaymentPinInput!) { setPaymentPin(input: $input) {
  ok errors { field code message } } }"""
SET_TIER = """mutation($input: SetAccountKycTierInput!) { setAccountKycTier(input: $input) {
  tier errors { field code message } } }"""
START_TWO_FACTOR = "mutation { startTwoFactorSetup { secret errors { field code message } } }"
CONFIRM_TWO_FACTOR = """mutation($input: TwoFactorCodeInput!) { confirmTwoFactor(input: $input) {
  ok errors { field code message } } }"""
GRANT_ROLE = """mutation($input: AdminRoleInput!) { grantAdminRole(input: $input) {
  user { id } errors { field code message } } }"""


# -- the platform: api.py's, with `rec serve --workers N`, `rec worker` and PostgreSQL ------


class Cluster(Platform):
    """api.py's Platform, with this benchmark's environment, app servers of N processes, a
    `rec worker`, and a throwaway PostgreSQL database when asked; stop() ends them all."""

    def __init__(self, folder: Path, hashing: str, postgres_url: str) -> None:
        super().__init__(folder)
        self.hashing = hashing
        self.postgres_url = postgres_url  # a server to make a database on, or ""
        self.database = ""  # the database made there, dropped by stop()

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(
            **{
                "REC_LOG_LEVEL": "WARNING",
                # One payer sends hundreds of payments a minute: the limiter (which stays
                # on, in the document store, as in production) must not refuse them.
                "REC_RATE_LIMIT_PER_MINUTE": "1000000",
                "REC_MAP_TILE_URL": "none",
                "REC_PASSWORD_HASHING": self.hashing,
                **extra,
            }
        )

    def use_postgres(self) -> str:
        """Makes a database on the PostgreSQL server and points the settings at it."""
        assert self.settings is not None
        self.database = f"rec_bench_scale_{uuid.uuid4().hex[:12]}"
        asyncio.run(_postgres(self.postgres_url, f'CREATE DATABASE "{self.database}"'))
        parts = urlsplit(self.postgres_url)
        url = urlunsplit(("postgres", parts.netloc, f"/{self.database}", parts.query, ""))
        self.settings = replace(self.settings, database_url=url)
        return url

    def start(self, name: str, args: list[str], **extra: str) -> subprocess.Popen[bytes]:
        with open(self.folder / f"{name}.log", "wb") as log:
            process = subprocess.Popen(
                [str(BIN / "rec"), *args],
                env=self.env(**extra),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - setsid and pdeathsig only
            )
        self.processes.append(process)
        return process

    def serve_app(self, name: str, workers: int, hashing: str) -> Served:
        """`rec serve --workers N --no-jobs` on a new port, once it answers /healthz."""
        port = free_port()
        args = ["serve", "--workers", str(workers), "--no-jobs"]
        process = self.start(name, args, REC_PORT=str(port), REC_PASSWORD_HASHING=hashing)
        url = f"http://{HOST}:{port}"
        wait_for_http(url + "/healthz", process, self.folder / f"{name}.log")
        return Served(url=url, pid=process.pid, log=self.folder / f"{name}.log")

    def start_worker(self) -> int:
        """`rec worker`, once it says its jobs are running."""
        process = self.start("rec-worker", ["worker"])
        log = self.folder / "rec-worker.log"
        deadline = time.monotonic() + WORKER_START_S
        while "running:" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(
                    f"`rec worker` did not start; its log:\n{log.read_text(errors='replace')[-2000:]}"
                )
            time.sleep(0.1)
        return process.pid

    def end(self, pid: int) -> None:
        """Stops one process that start() started (SIGTERM, then SIGKILL after 20 s)."""
        process = next(process for process in self.processes if process.pid == pid)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        self.processes.remove(process)

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self.database:
                database, self.database = self.database, ""
                asyncio.run(
                    _postgres(
                        self.postgres_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
                    )
                )


async def _postgres(url: str, statement: str) -> None:
    import asyncpg

    try:
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    except (OSError, asyncpg.PostgresError) as error:
        raise BenchError(f"cannot reach PostgreSQL at --database-url: {error}") from None
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def process_tree(root: int) -> list[int]:
    """The process and all its descendants, from the parent IDs in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            children.setdefault(parent, []).append(int(entry))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def app_processes(serve_pid: int, workers: int) -> int:
    """How many app processes answer: `rec serve` itself with one, else the children its
    supervisor spawned (not the supervisor nor multiprocessing's resource tracker)."""
    if workers == 1:
        return 1
    found = 0
    for pid in process_tree(serve_pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                found += b"multiprocessing.spawn" in cmdline.read()
        except OSError:
            pass  # ended meanwhile
    return found


def tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of each process in the tree."""
    seconds = {}
    for pid in process_tree(root):
        try:
            seconds[pid] = cpu_seconds(pid)
        except OSError:
            pass  # ended meanwhile
    return seconds


# -- GraphQL --------------------------------------------------------------------------------


async def call(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str = "",
    name: str = "",
) -> dict[str, Any]:
    """The data of a query that must succeed; with `name`, that mutation's payload, which
    must come back without errors."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        f"{url}/graphql", headers=headers, json={"query": query, "variables": variables or {}}
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or body.get("errors") or not body.get("data"):
        raise BenchError(
            f"HTTP {response.status_code} to {query.split('(')[0]}: {response.text[:300]}"
        )
    data: dict[str, Any] = body["data"]
    if name:
        if data[name]["errors"]:
            raise BenchError(f"{name} refused: {data[name]['errors']}")
        return data[name]  # type: ignore[no-any-return]
    return data


def _account_number(relay_id: str) -> int:
    from strawberry import relay

    return int(relay.from_base64(relay_id)[1])


@dataclass
class Person:
    email: str
    token: str = ""
    account: str = ""  # its active account's global ID
    account_number: int = 0
    handle: str = ""


@dataclass(frozen=True)
class Pair:
    payer: Person
    payee: Person


async def _at_most(at_once: int, jobs: list[Callable[[], Awaitable[None]]]) -> None:
    queue = list(reversed(jobs))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    await asyncio.gather(*(worker() for _ in range(min(at_once, len(jobs)))))


async def register_and_sign_in(client: httpx.AsyncClient, url: str, person: Person) -> None:
    name = person.email.split("@")[0].replace("-", " ").title()
    await call(
        client,
        url,
        REGISTER,
        {"input": {"email": person.email, "password": PASSWORD, "name": name}},
        name="register",
    )
    person.token, person.account = await login(client, url, person.email, PASSWORD)
    viewer = (await call(client, url, ME, token=person.token))["viewer"]
    person.handle = viewer["activeAccount"]["handle"]
    person.account_number = _account_number(person.account)


async def make_kyc_officer(
    client: httpx.AsyncClient, url: str, superadmin_token: str, run_id: str
) -> str:
    """A new person given the KYC_OFFICER role, as an operator makes one; their token."""
    officer = Person(f"kyc-officer-{run_id}@bench.example.org")
    await register_and_sign_in(client, url, officer)
    secret = (
        await call(client, url, START_TWO_FACTOR, token=officer.token, name="startTwoFactorSetup")
    )["secret"]
    # The step before the current one, so that signing in can use the current one; when
    # the clock crosses into the next step meanwhile, that code is too old: once more.
    for attempt in (1, 2):
        code = totp.code_at(secret, totp.current_step() - 1)
        payload = (
            await call(client, url, CONFIRM_TWO_FACTOR, {"input": {"code": code}}, officer.token)
        )["confirmTwoFactor"]
        if not payload["errors"]:
            break
        if attempt == 2 or payload["errors"][0]["code"] != "WRONG_TOTP":
            raise BenchError(f"confirmTwoFactor refused: {payload['errors']}")
    user_id = (await call(client, url, ME, token=officer.token))["viewer"]["user"]["id"]
    grant = {"userId": user_id, "role": "KYC_OFFICER", "reason": "bench/scale.py"}
    await call(client, url, GRANT_ROLE, {"input": grant}, superadmin_token, "grantAdminRole")
    token, _ = await login(client, url, officer.email, PASSWORD, secret)
    return token


async def set_up(url: str, running: Cluster, pairs: int, cents_each: int) -> list[Pair]:
    """Payers at KYC2 with money, and payees, each signed in; no PINs yet."""
    settings = running.settings
    assert settings is not None
    run_id = uuid.uuid4().hex[:8]
    people = [
        Pair(
            Person(f"payer-{i}-{run_id}@bench.example.org"),
            Person(f"payee-{i}-{run_id}@bench.example.org"),
        )
        for i in range(pairs)
    ]
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
        superadmin, treasurer = (
            demo_sign_in(settings, role) for role in ("superadmin", "treasurer")
        )
        superadmin_token, _ = await login(
            client, url, superadmin["email"], superadmin["password"], superadmin["totp_secret"]
        )
        treasurer_token, _ = await login(
            client, url, treasurer["email"], treasurer["password"], treasurer["totp_secret"]
        )
        officer_token = await make_kyc_officer(client, url, superadmin_token, run_id)

        def joining(person: Person) -> Callable[[], Awaitable[None]]:
            return lambda: register_and_sign_in(client, url, person)

        everyone = [person for pair in people for person in (pair.payer, pair.payee)]
        await _at_most(SETUP_AT_ONCE, [joining(person) for person in everyone])
        for pair in people:
            tier = {"accountId": pair.payer.account, "tier": 2, "reason": "bench/scale.py"}
            await call(client, url, SET_TIER, {"input": tier}, officer_token, "setAccountKycTier")
            # One at a time: every issuance debits the issuer's one wallet.
            issue = {
                "to": pair.payer.handle,
                "amount": f"{cents_each // 100}.{cents_each % 100:02d}",
                "currency": CURRENCY,
                "reason": "bench/scale.py: money to pay with",
                "idempotencyKey": uuid.uuid4().hex,
            }
            await call(client, url, ISSUE, {"input": issue}, treasurer_token, "issueFunds")
    return people


async def set_pins(url: str, people: list[Pair]) -> None:
    """Each payer's PIN, hashed by the server at its own cost."""
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:

        def setting(payer: Person) -> Callable[[], Awaitable[None]]:
            variables = {"input": {"pin": PIN, "currentPassword": PASSWORD}}
            return lambda: _set_pin(client, url, payer, variables)

        await _at_most(SETUP_AT_ONCE, [setting(pair.payer) for pair in people])


async def _set_pin(
    client: httpx.AsyncClient, url: str, payer: Person, variables: dict[str, Any]
) -> None:
    await call(client, url, SET_PIN, variables, payer.token, "setPaymentPin")


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)  # one per committed payment
    elapsed_s: float = 0.0
    run_rates: list[float] = field(default_factory=list)  # payments/s of each run
    cpu_s: dict[str, float] = field(default_factory=dict)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    app_processes: set[int] = field(default_factory=set)  # how many, in each run
    notes: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_examples) < ERROR_EXAMPLES_MAX:
            self.error_examples.append(reason[:240])

    @property
    def committed(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.committed / self.elapsed_s if self.elapsed_s else 0.0


async def pay(client: httpx.AsyncClient, url: str, pair: Pair, memo: str, results: Results) -> None:
    variables = {
        "input": {
            "to": pair.payee.handle,
            "amount": "0.01",
            "currency": CURRENCY,
            "memo": memo,
            "pin": PIN,
            "idempotencyKey": uuid.uuid4().hex,
        }
    }
    headers = {"authorization": f"Bearer {pair.payer.token}"}
    started = time.perf_counter()
    try:
        response = await client.post(
            f"{url}/graphql", headers=headers, json={"query": PAY, "variables": variables}
        )
    except httpx.HTTPError as error:
        results.fail(f"{type(error).__name__} after {time.perf_counter() - started:.1f} s: {error}")
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    try:
        body = response.json()
        payload = body["data"]["pay"] if response.status_code == 200 else None
    except (ValueError, KeyError, TypeError):
        payload = None
    if payload is None or body.get("errors") or payload["errors"] or not payload["transaction"]:
        results.fail(f"HTTP {response.status_code}: {response.text[:200]}")
    else:
        results.latencies_ms.append(elapsed_ms)


async def run_payments(
    client: httpx.AsyncClient,
    url: str,
    people: list[Pair],
    count: int,
    concurrency: int,
    memo: str,
    results: Results,
    pids: dict[str, int],
    serve_pid: int,
) -> None:
    """`count` payments from `concurrency` clients, each sending its next as soon as the
    last is answered, each keeping to its own pairs; adds the elapsed time and each
    process's CPU time to `results`."""
    remaining = count

    async def one_client(number: int) -> None:
        nonlocal remaining
        mine = people[number::concurrency] or [people[number % len(people)]]
        sent = 0
        while remaining > 0:
            remaining -= 1  # no await between the check and this: no race
            await pay(client, url, mine[sent % len(mine)], memo, results)
            sent += 1

    app_before = tree_cpu(serve_pid)
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    process_before = time.process_time()
    started = time.perf_counter()
    committed_before = results.committed
    await asyncio.gather(*(one_client(number) for number in range(min(concurrency, count))))
    elapsed_s = time.perf_counter() - started
    results.elapsed_s += elapsed_s
    results.run_rates.append((results.committed - committed_before) / elapsed_s)
    app_after = tree_cpu(serve_pid)
    spent = {
        "app processes": sum(cpu - app_before.get(pid, 0.0) for pid, cpu in app_after.items()),
        **{name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()},
        "this client": time.process_time() - process_before,
    }
    for name, seconds in spent.items():
        results.cpu_s[name] = results.cpu_s.get(name, 0.0) + seconds
    if set(app_before) - set(app_after):
        results.notes.append(
            "an app process ended during a run: its CPU time is missing (see the serve log)"
        )


@dataclass
class Plan:
    payments: int
    warmup: int
    concurrency: int
    hashing: str


@dataclass
class Measured:
    configurations: dict[int, Results] = field(default_factory=lambda: {1: Results(), 2: Results()})
    warmup: Results = field(default_factory=Results)


async def measure_on(
    served: Served,
    workers: int,
    people: list[Pair],
    count: int,
    plan: Plan,
    measured: Measured,
    pids: dict[str, int],
) -> None:
    """Uncounted warm-up payments, then `count` counted ones, on one started server."""
    limits = httpx.Limits(
        max_connections=plan.concurrency, max_keepalive_connections=plan.concurrency
    )
    # trust_env=False: a proxy from the environment must not sit between us and the server.
    async with httpx.AsyncClient(
        limits=limits, timeout=REQUEST_TIMEOUT_S, trust_env=False
    ) as client:
        check = Results()  # one payment first: a clear message, not thousands
        await pay(client, served.url, people[0], WARMUP_MEMO, check)
        measured.warmup.latencies_ms.extend(check.latencies_ms)
        if check.errors:
            raise BenchError(f"the first payment was refused: {check.error_examples[0]}")
        await run_payments(
            client,
            served.url,
            people,
            plan.warmup,
            plan.concurrency,
            WARMUP_MEMO,
            measured.warmup,
            pids,
            served.pid,
        )
        results = measured.configurations[workers]
        results.app_processes.add(app_processes(served.pid, workers))
        await run_payments(
            client,
            served.url,
            people,
            count,
            plan.concurrency,
            MEMO[workers],
            results,
            pids,
            served.pid,
        )


def measure(running: Cluster, people: list[Pair], plan: Plan, worker_pid: int) -> Measured:
    """1 app process (first half), 2 (all), 1 (second half), each server started anew."""
    measured = Measured()
    pids = {"document server": running.documents_pid, "rec worker": worker_pid}
    first, second = (plan.payments + 1) // 2, plan.payments // 2
    for step, (workers, count) in enumerate(((1, first), (2, plan.payments), (1, second))):
        if not count:
            continue
        name = f"rec-serve-{workers}-{step}"
        print(f"rec serve --workers {workers}: {count} payments ...", file=sys.stderr, flush=True)
        served = running.serve_app(name, workers, plan.hashing)
        if step == 0:
            print("setting the payers' PINs ...", file=sys.stderr, flush=True)
            asyncio.run(set_pins(served.url, people))
        asyncio.run(measure_on(served, workers, people, count, plan, measured, pids))
        running.end(served.pid)
    return measured


# -- checking and reporting -----------------------------------------------------------------


def check_journal(running: Cluster, people: list[Pair], measured: Measured) -> list[str]:
    """What the journal holds against what was reported committed."""
    from pymongo import MongoClient

    settings = running.settings
    assert settings is not None and settings.mongodb_url
    client: MongoClient[dict[str, Any]] = MongoClient(settings.mongodb_url)
    try:
        database = client[settings.mongodb_database]
        lines, agree = [], True
        counted = {MEMO[workers]: results for workers, results in measured.configurations.items()}
        for memo, results in (*counted.items(), (WARMUP_MEMO, measured.warmup)):
            found = database["journal"].count_documents(
                {"kind": "PAYMENT", "currency": CURRENCY, "memo": memo}
            )
            agree = agree and found == results.committed
            lines.append(
                f"  {memo!r}: {found} PAYMENT entries in the journal, {results.committed} "
                "reported committed"
            )
        payees = [pair.payee.account_number for pair in people]
        received = sum(
            wallet["balance_cents"]
            for wallet in database["wallets"].find(
                {"account_id": {"$in": payees}, "currency": CURRENCY}
            )
        )
        committed = sum(results.committed for results in counted.values())
        committed += measured.warmup.committed
        agree = agree and received == committed * AMOUNT_CENTS
        lines.append(
            f"  payees' wallets: {received} cents received, {committed} payments of "
            f"{AMOUNT_CENTS} cent reported committed"
        )
        unsealed = database["journal"].count_documents({"currency": CURRENCY, "sequence": None})
        lines.append(f"  journal entries not yet sealed by `rec worker` at the end: {unsealed}")
    finally:
        client.close()
    verdict = "agrees" if agree else "DISAGREES: the counts above are not to be trusted"
    return [f"journal check  {verdict}", *lines]


def _section(title: str, results: Results) -> list[str]:
    lines = [title]
    counts = "/".join(str(n) for n in sorted(results.app_processes)) or "?"
    lines.append(
        f"  app processes {counts} answering (CPU below: `rec serve` and all its children)"
    )
    lines.append(f"  payments      {results.committed} committed in {results.elapsed_s:.2f} s")
    runs = ""
    if len(results.run_rates) > 1:
        runs = " (runs: " + ", ".join(f"{rate:.1f}" for rate in results.run_rates) + ")"
    lines.append(f"  throughput    {results.per_second:.1f} payments/s{runs}")
    latencies = sorted(results.latencies_ms)
    if latencies:
        lines.append(
            f"  latency ms    p50 {percentile(latencies, 50):.1f}  "
            f"p95 {percentile(latencies, 95):.1f}  p99 {percentile(latencies, 99):.1f}  "
            f"(max {latencies[-1]:.1f}, committed payments only)"
        )
    if results.committed:
        per_payment = "  ".join(
            f"{name} {seconds / results.committed * 1000:.1f}"
            for name, seconds in results.cpu_s.items()
        )
        lines.append(f"  CPU ms/pay    {per_payment}")
    lines.append(f"  errors        {results.errors}")
    lines.extend(f"    e.g. {example}" for example in results.error_examples)
    if len(results.run_rates) > 1 and max(results.run_rates) > 1.5 * min(results.run_rates):
        results.notes.append(
            "its runs differ by more than half: something besides the number of app "
            "processes changed between them, so the ratio below is not to be trusted"
        )
    lines.extend(f"  note          {note}" for note in dict.fromkeys(results.notes))
    return lines


def report(
    args: argparse.Namespace,
    running: Cluster,
    measured: Measured,
    journal: list[str],
    load_average: float,
) -> str:
    settings = running.settings
    assert settings is not None
    relational = "PostgreSQL (a database of its own)" if running.database else "SQLite file"
    hashing = {
        "standard": "standard: each payment verifies its PIN with argon2id at the platform's "
        "cost (64 MiB, 3 passes, 4 lanes)",
        "fast": "fast: each payment verifies its PIN with argon2id at its smallest cost "
        "(REC_PASSWORD_HASHING=fast, refused in production)",
    }[args.hashing]
    one, two = measured.configurations[1], measured.configurations[2]
    shared = " (clients share payers)" if args.concurrency > args.pairs else ""
    lines = [
        f"machine        {machine()}; load average {load_average:.2f} at the start",
        f"stores         embedded document server (one process), {relational}",
        f"hashing        {hashing}",
        f"load           {args.pairs} payer->payee pairs, {args.concurrency} concurrent clients"
        f"{shared} (httpx.AsyncClient, keep-alive, bearer tokens), `pay` of 0.01 REC with "
        "a PIN and a fresh idempotencyKey",
        f"plan           {args.payments} payments per configuration, after {args.warmup} "
        "uncounted warm-up payments at each start; 1 app process (first half), 2 app "
        "processes, 1 app process (second half); `rec worker` throughout; rate limiter "
        "on at 1,000,000 a minute",
        f"warm-up        {measured.warmup.committed} committed, {measured.warmup.errors} errors",
        "",
        *_section("1 app process: rec serve --workers 1 --no-jobs", one),
        "",
        *_section("2 app processes: rec serve --workers 2 --no-jobs", two),
        "",
    ]
    if one.per_second:
        lines.append(
            f"ratio 2/1      {two.per_second / one.per_second:.2f} (payments/s with 2 app "
            "processes over 1)"
        )
    lines.append(
        f"CPUs           {os.cpu_count()}: on a machine with few CPUs the document server, "
        "`rec worker` and this client compete with the app processes for them"
    )
    lines.extend(["", *journal])
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Payments/s with 1 and with 2 app processes under the same load."
    )
    parser.add_argument(
        "--pairs",
        type=_bounded_int(1, PAIRS_MAX),
        default=PAIRS_DEFAULT,
        help=f"payer->payee pairs, each two wallets of their own (default {PAIRS_DEFAULT})",
    )
    parser.add_argument(
        "--concurrency",
        type=_bounded_int(1, CONCURRENCY_MAX),
        default=CONCURRENCY_DEFAULT,
        help=f"payments in flight at once (default {CONCURRENCY_DEFAULT})",
    )
    parser.add_argument(
        "--payments",
        type=_bounded_int(1, PAYMENTS_MAX),
        default=None,
        help="payments counted per configuration (default "
        f"{PAYMENTS_DEFAULT['standard']} with standard hashing, {PAYMENTS_DEFAULT['fast']} "
        f"with fast; at most {PAYMENTS_MAX})",
    )
    parser.add_argument(
        "--warmup",
        type=_bounded_int(0, WARMUP_MAX),
        default=WARMUP_DEFAULT,
        help=f"uncounted payments after each server start (default {WARMUP_DEFAULT})",
    )
    parser.add_argument(
        "--database-url",
        default="",
        metavar="postgres://USER@HOST:PORT/DB",
        help="a PostgreSQL server to make a throwaway database on (dropped at the end); "
        "default: a SQLite file",
    )
    parser.add_argument(
        "--hashing",
        choices=("standard", "fast"),
        default="standard",
        help="the PIN's argon2id cost, which each payment pays: standard (production's, the "
        "default) or fast (the smallest, as the tests use)",
    )
    args = parser.parse_args(argv)
    if args.payments is None:
        args.payments = PAYMENTS_DEFAULT[args.hashing]
    if args.database_url and urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a postgres:// URL (the default is a SQLite file)")
    return args


def run(args: argparse.Namespace, running: Cluster) -> str:
    load_average = os.getloadavg()[0]  # later, argon2's threads raise it themselves
    print("starting the embedded document server ...", file=sys.stderr, flush=True)
    running.start_stores()
    if args.database_url:
        running.use_postgres()
    print("rec migrate, rec demo, rec worker ...", file=sys.stderr, flush=True)
    running.rec("migrate")
    running.rec("demo")
    worker_pid = running.start_worker()
    print(f"setting up {args.pairs} pairs ...", file=sys.stderr, flush=True)
    setup = running.serve_app("rec-serve-setup", 1, "fast")
    # Every payment any payer could make: the warm-ups of three starts and 2 x payments.
    cents_each = (3 * (args.warmup + 1) + 2 * args.payments) * AMOUNT_CENTS
    people = asyncio.run(set_up(setup.url, running, args.pairs, cents_each))
    running.end(setup.pid)
    plan = Plan(args.payments, args.warmup, args.concurrency, args.hashing)
    measured = measure(running, people, plan, worker_pid)
    journal = check_journal(running, people, measured)
    return report(args, running, measured, journal, load_average)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cluster = platform_in_temporary_folder(
        "rec-bench-scale-", lambda folder: Cluster(folder, args.hashing, args.database_url)
    )
    return run_on_a_platform("scale", lambda running: run(args, running), cluster)


if __name__ == "__main__":
    raise SystemExit(main())
