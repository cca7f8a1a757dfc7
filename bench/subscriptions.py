"""walletEvents to 1,000 subscribers: deliveries per second, delivery latency, server memory.

Needs no running platform: like bench/api.py, it starts the embedded document server and a
SQLite file in a temporary folder, runs `rec migrate` and `rec demo`, adds the people who
will listen, then `rec serve` (uvicorn, one process, on 127.0.0.1). Then:

  1. every subscriber signs in through the `login` mutation (its own session), opens a
     WebSocket to /graphql with graphql-transport-ws, sends its token in connection_init
     and subscribes to `walletEvents(currency: "REC")`. By default each of the 1,000
     subscribers is a different person; `--people 10` spreads them over 10 people, 100
     connections (devices) each, so that each event goes to 100 connections;
  2. the demo treasurer, signed in with two-factor, tops up the listeners' wallets with
     the `issueFunds` mutation, 0.01 REC at a time, `--rate` times a second for
     `--duration` seconds, round robin over the people: the platform's own path from a
     mutation to the ledger's transaction, its event in the `events` collection, the
     change stream every app process tails, and each subscription of that wallet;
  3. each subscriber notes when each event arrives. The latency of a delivery is from the
     event's `createdAt` (stamped by the server when the ledger writes the event, inside
     the transaction) to its arrival here; both clocks are this machine's.

It prints the events sent and answered, deliveries expected and received, deliveries per
second, delivery latency p50/p99/max, the server process's memory (VmRSS and its peak
VmHWM from /proc/<pid>/status) at each stage, and the CPU each process used while all were
subscribed and idle, and while the events flowed. The subscribers offer permessage-deflate,
as browsers do, unless `--compression none`. It measures and prints; it never asserts.
Everything it starts, it stops.

    .venv/bin/python bench/subscriptions.py
    .venv/bin/python bench/subscriptions.py --people 10 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from api import (  # the sibling script in bench/
    HOST,
    BenchError,
    Platform,
    cpu_seconds,
    demo_sign_in,
    login,
    machine,
    rss_kib,
    run_on_a_platform,
)
from graphql_http import _bounded_int, percentile
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.settings import Settings

CURRENCY = "REC"
SUBSCRIPTION = (
    'subscription { walletEvents(currency: "REC") { type direction amount { amount } '
    "balance { amount } transactionId createdAt } }"
)
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id } errors { code message } } }"""
AMOUNT = "0.01"
PASSWORD = "bench passphrase 7d1c"
SUBSCRIBERS_DEFAULT, SUBSCRIBERS_MAX = 1000, 5000
RATE_DEFAULT, RATE_MAX = 10, 200
DURATION_DEFAULT, DURATION_MAX = 30, 600
SIGN_INS_AT_ONCE = 8  # the per-address sign-in throttle lets 20 attempts be in flight
CONNECTS_AT_ONCE = 50
SETTLE_S = 5.0  # after the last subscribe (no message says a subscription is live): idle
DRAIN_S = 15.0  # after the last answered mutation, how long late deliveries are awaited
SAMPLE_EVERY_S = 0.5
REQUEST_TIMEOUT_S = 30.0
ERROR_EXAMPLES_MAX = 5


@dataclass(frozen=True)
class Person:
    email: str
    handle: str


@dataclass
class Delivery:
    connection: int
    transaction_id: str
    received: float  # time.time()
    created_at: str


@dataclass
class Sent:
    person: int
    started: float  # time.time()
    answered: float = 0.0
    transaction_id: str = ""
    error: str = ""


@dataclass
class Run:
    people: list[Person] = field(default_factory=list)
    owner_of: list[int] = field(default_factory=list)  # connection -> person
    deliveries: list[Delivery] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    ended_by_server: int = 0
    problems: list[str] = field(default_factory=list)
    memory: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    rss_samples: list[int] = field(default_factory=list)  # KiB, while events flow
    cpu_s: dict[str, float] = field(default_factory=dict)  # while the events flow
    idle_cpu_s: dict[str, float] = field(default_factory=dict)  # subscribed, before them
    events_s: float = 0.0
    connect_s: float = 0.0
    sign_in_s: float = 0.0
    counting: bool = False

    def problem(self, text: str) -> None:
        if len(self.problems) < ERROR_EXAMPLES_MAX:
            self.problems.append(text[:300])


# -- the people who listen ------------------------------------------------------------------


async def create_people(settings: Settings, count: int) -> list[Person]:
    """People with a personal account and an empty REC wallet, as create_user and
    open_wallet make them, except that their password hash is a cheap argon2id: at the
    platform's cost (about 0.25 s a hash on a small machine) 1,000 people would take
    minutes to create and as long again to sign in. Signing in checks whatever hash is
    stored, with the parameters written in it, so sign-in itself is the real one."""
    from argon2 import PasswordHasher
    from tortoise.transactions import in_transaction

    from server import clock
    from server.accounts.models import AccountKind, MemberRole, Membership, User
    from server.accounts.services import create_account
    from server.cli import _open_stores
    from server.ledger.services import open_wallet

    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    people = [
        Person(f"listener-{i}@bench.example.org", f"bench-listener-{i}") for i in range(count)
    ]
    async with _open_stores(settings):
        account_ids = []
        async with in_transaction():
            for i, person in enumerate(people):
                user = await User.create(
                    email=person.email,
                    password_hash=password_hash,
                    name=f"Listener {i}",
                    email_verified_at=clock.now(),
                )
                account = await create_account(AccountKind.PERSONAL, f"Listener {i}", person.handle)
                await Membership.create(user=user, account=account, role=MemberRole.HOLDER)
                account_ids.append(account.id)
        for account_id in account_ids:
            await open_wallet(account_id, CURRENCY)
    return people


async def sign_in_all(url: str, run: Run) -> list[str]:
    """One session per connection, each through the login mutation."""
    tokens: list[str] = [""] * len(run.owner_of)
    queue = list(enumerate(run.owner_of))
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:

        async def worker() -> None:
            while queue:
                connection, person = queue.pop()
                tokens[connection], _ = await login(client, url, run.people[person].email, PASSWORD)

        await asyncio.gather(*(worker() for _ in range(SIGN_INS_AT_ONCE)))
    return tokens


# -- subscribers ----------------------------------------------------------------------------


async def subscribe(url: str, token: str, compression: str | None) -> ClientConnection:
    """A WebSocket with walletEvents subscribed, as a wallet app opens it."""
    socket = await connect(
        url.replace("http://", "ws://") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        compression=compression,  # browsers offer permessage-deflate, as "deflate" does
        open_timeout=REQUEST_TIMEOUT_S,
        ping_interval=None,  # browsers send no WebSocket pings of their own
        max_queue=None,
    )
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await asyncio.wait_for(socket.recv(), REQUEST_TIMEOUT_S))
    if ack.get("type") != "connection_ack":
        await socket.close()
        raise BenchError(f"the server did not acknowledge a connection: {ack}")
    await socket.send(
        json.dumps({"id": "wallet", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
    )
    return socket


async def listen(connection: int, socket: ClientConnection, run: Run) -> None:
    try:
        async for raw in socket:
            received = time.time()
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "next":
                payload = message["payload"]
                if payload.get("errors"):
                    run.problem(f"subscription error: {payload['errors']}")
                    continue
                event = payload["data"]["walletEvents"]
                run.deliveries.append(
                    Delivery(connection, event["transactionId"], received, event["createdAt"])
                )
            elif kind == "ping":
                await socket.send(json.dumps({"type": "pong"}))
            elif kind in ("complete", "error"):
                run.ended_by_server += 1
                run.problem(f"the server ended a subscription: {message}")
                return
    except ConnectionClosed as closed:
        if run.counting:
            run.ended_by_server += 1
            run.problem(f"a connection closed: {closed}")


async def connect_all(
    url: str, tokens: list[str], compression: str | None
) -> list[ClientConnection]:
    sockets: list[ClientConnection | None] = [None] * len(tokens)
    queue = list(enumerate(tokens))

    async def worker() -> None:
        while queue:
            connection, token = queue.pop()
            sockets[connection] = await subscribe(url, token, compression)

    await asyncio.gather(*(worker() for _ in range(CONNECTS_AT_ONCE)))
    return [socket for socket in sockets if socket is not None]


# -- events ---------------------------------------------------------------------------------


async def issue(
    client: httpx.AsyncClient, url: str, token: str, person: Person, sent: Sent
) -> None:
    variables = {
        "input": {
            "to": person.handle,
            "amount": AMOUNT,
            "currency": CURRENCY,
            "reason": "bench: a top-up at the exchange office",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }
    try:
        response = await client.post(
            f"{url}/graphql",
            headers={"authorization": f"Bearer {token}"},
            json={"query": ISSUE, "variables": variables},
        )
        sent.answered = time.time()
        payload = response.json()["data"]["issueFunds"]
        if payload["errors"]:
            sent.error = str(payload["errors"])
        else:
            sent.transaction_id = payload["transaction"]["id"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        sent.answered = sent.answered or time.time()
        sent.error = f"{type(error).__name__} after {sent.answered - sent.started:.1f} s {error}"


async def send_events(url: str, token: str, rate: int, duration: int, run: Run) -> None:
    """rate x duration top-ups, each started on schedule whether or not the last one was
    answered, round robin over the people."""
    count = rate * duration
    tasks = []
    async with httpx.AsyncClient(
        timeout=REQUEST_TIMEOUT_S,
        trust_env=False,
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=32),
    ) as client:
        started = time.monotonic()
        for number in range(count):
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            person = number % len(run.people)
            sent = Sent(person=person, started=time.time())
            run.sent.append(sent)
            tasks.append(asyncio.create_task(issue(client, url, token, run.people[person], sent)))
        await asyncio.gather(*tasks)


def expected_deliveries(run: Run) -> dict[str, int]:
    """For each top-up that went through: how many connections should hear of it."""
    connections_of = [0] * len(run.people)
    for person in run.owner_of:
        connections_of[person] += 1
    return {s.transaction_id: connections_of[s.person] for s in run.sent if s.transaction_id}


def counted(run: Run) -> list[Delivery]:
    """Deliveries of this run's top-ups, each (connection, top-up) once."""
    wanted = expected_deliveries(run)
    seen: set[tuple[int, str]] = set()
    found = []
    for delivery in run.deliveries:
        key = (delivery.connection, delivery.transaction_id)
        if delivery.transaction_id in wanted and key not in seen:
            seen.add(key)
            found.append(delivery)
    return found


async def drain(run: Run) -> None:
    expected = sum(expected_deliveries(run).values())
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline and len(counted(run)) < expected:  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # polled: counting on each arrival would cost the listeners


# -- memory and CPU -------------------------------------------------------------------------


async def sample_memory(pid: int, run: Run, stop: asyncio.Event) -> None:
    while not stop.is_set():
        run.rss_samples.append(rss_kib(pid)["VmRSS"])
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_S)
        except TimeoutError:
            pass


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()} | {
        "this client": time.process_time()
    }


# -- the run --------------------------------------------------------------------------------


async def measure(
    args: argparse.Namespace, running: Platform, url: str, server_pid: int, run: Run
) -> None:
    def note(stage: str) -> None:
        run.memory.append((stage, rss_kib(server_pid)))
        print(f"  {stage}", file=sys.stderr, flush=True)

    note("started, before any sign-in")
    settings = running.settings
    assert settings is not None
    treasurer = demo_sign_in(settings, "treasurer")
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
        treasurer_token, _ = await login(
            client, url, treasurer["email"], treasurer["password"], treasurer["totp_secret"]
        )
    started = time.perf_counter()
    tokens = await sign_in_all(url, run)
    run.sign_in_s = time.perf_counter() - started
    note(f"{len(tokens)} sessions signed in")
    started = time.perf_counter()
    compression = None if args.compression == "none" else args.compression
    sockets = await connect_all(url, tokens, compression)
    run.connect_s = time.perf_counter() - started
    listeners = [
        asyncio.create_task(listen(number, socket, run)) for number, socket in enumerate(sockets)
    ]
    pids = {"server": server_pid, "document server": running.documents_pid}
    cpu_before = _cpu(pids)
    await asyncio.sleep(SETTLE_S)
    cpu_after = _cpu(pids)
    run.idle_cpu_s = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    note(f"{len(sockets)} subscribed, idle for {SETTLE_S:g} s")

    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(server_pid, run, stop))
    cpu_before = _cpu(pids)
    run.counting = True
    started = time.perf_counter()
    await send_events(url, treasurer_token, args.rate, args.duration, run)
    await drain(run)
    run.events_s = time.perf_counter() - started
    cpu_after = _cpu(pids)
    run.cpu_s = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    stop.set()
    await sampler
    note("events sent and delivered (or given up on)")
    run.counting = False
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
    await asyncio.gather(*listeners, return_exceptions=True)


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def report(args: argparse.Namespace, run: Run) -> str:
    subscribers = len(run.owner_of)
    per_person = subscribers / len(run.people)
    answered = [s for s in run.sent if s.transaction_id]
    refused = [s for s in run.sent if s.error]
    expected = sum(expected_deliveries(run).values())
    deliveries = counted(run)
    lines = [
        f"machine       {machine()}",
        f"parameters    {subscribers} subscribers over graphql-transport-ws, "
        + (
            "each a different signed-in person"
            if len(run.people) == subscribers
            else f"{len(run.people)} people with {per_person:g} connections (sessions) each"
        )
        + f", WebSocket compression offered: {args.compression}"
        + f"; {args.rate} top-ups of {AMOUNT} {CURRENCY} a second for {args.duration} s "
        "(issueFunds by the demo treasurer, round robin over the people); "
        f"rec serve: uvicorn, one process, on {HOST}; embedded document server, SQLite",
        f"setup         {subscribers} sign-ins in {run.sign_in_s:.1f} s; "
        f"{subscribers} connections subscribed in {run.connect_s:.1f} s",
        "",
        f"events        {len(run.sent)} sent, {len(answered)} answered with a transaction, "
        f"{len(refused)} refused or failed",
    ]
    if answered:
        mutation_ms = sorted((s.answered - s.started) * 1000 for s in answered)
        lines.append(
            f"  issueFunds  p50 {percentile(mutation_ms, 50):.1f} ms  "
            f"p99 {percentile(mutation_ms, 99):.1f} ms (request sent to answer)"
        )
    lines.extend(f"    e.g. {s.error[:200]}" for s in refused[:ERROR_EXAMPLES_MAX])
    lines.append(
        f"deliveries    {len(deliveries)} of {expected} expected for the answered top-ups "
        f"({expected - len(deliveries)} missing), {run.ended_by_server} subscriptions ended "
        "by the server"
    )
    unanswered = len({(d.connection, d.transaction_id) for d in run.deliveries}) - len(deliveries)
    if refused:
        lines.append(
            f"  and {unanswered} of top-ups whose request failed (done by the server after "
            "the client gave up, or not at all)"
        )
    if deliveries and run.sent:
        first = min(s.started for s in run.sent)
        last = max(d.received for d in deliveries)
        lines.append(
            f"  rate        {len(deliveries) / (last - first):.1f} deliveries/s "
            f"(offered: {args.rate * per_person:g}/s)"
        )
        latencies = sorted(
            (d.received - datetime.fromisoformat(d.created_at).timestamp()) * 1000
            for d in deliveries
        )
        lines.append(
            f"  latency     p50 {percentile(latencies, 50):.1f} ms  "
            f"p99 {percentile(latencies, 99):.1f} ms  (max {latencies[-1]:.1f} ms; "
            "from the event's createdAt to arrival)"
        )
        started_of = {s.transaction_id: s.started for s in answered}
        end_to_end = sorted((d.received - started_of[d.transaction_id]) * 1000 for d in deliveries)
        lines.append(
            f"  end to end  p50 {percentile(end_to_end, 50):.1f} ms  "
            f"p99 {percentile(end_to_end, 99):.1f} ms  (from sending issueFunds to arrival)"
        )
    lines.extend(f"    e.g. {problem}" for problem in run.problems)
    lines.append("server memory (rec serve)")
    for stage, memory in run.memory:
        lines.append(f"  {_mib(memory['VmRSS']):>10} VmRSS  {stage}")
    if run.rss_samples:
        lines.append(
            f"  {_mib(max(run.rss_samples)):>10} VmRSS  highest sample while events flowed "
            f"(every {SAMPLE_EVERY_S:g} s)"
        )
    if run.memory:
        lines.append(f"  {_mib(run.memory[-1][1]['VmHWM']):>10} VmHWM  peak of the process's life")
    lines.append("CPU, in % of one core")
    for stage, seconds, cpu in (
        (f"subscribed, idle ({SETTLE_S:g} s)", SETTLE_S, run.idle_cpu_s),
        (f"while events flowed ({run.events_s:.1f} s)", run.events_s, run.cpu_s),
    ):
        if seconds and cpu:
            shares = ", ".join(f"{name} {used / seconds * 100:.0f} %" for name, used in cpu.items())
            lines.append(f"  {stage}: {shares}")
    return "\n".join(lines)


def _enough_files(subscribers: int) -> None:
    """Each connection is a file descriptor here and in the server (which inherits our
    limit): raise the soft limit to the hard one when it is too low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = subscribers + 512
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise BenchError(
                f"{subscribers} connections need {needed} open files; the limit is {hard}"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def run_all(args: argparse.Namespace, running: Platform) -> str:
    _enough_files(args.subscribers)
    print("starting the embedded document server ...", file=sys.stderr, flush=True)
    settings = running.start_stores()
    print("rec migrate, rec demo ...", file=sys.stderr, flush=True)
    running.rec("migrate")
    running.rec("demo")
    print(f"creating {args.people} people ...", file=sys.stderr, flush=True)
    run = Run()
    run.people = asyncio.run(create_people(settings, args.people))
    run.owner_of = [number % args.people for number in range(args.subscribers)]
    print("starting rec serve ...", file=sys.stderr, flush=True)
    served = running.serve()
    print("measuring:", file=sys.stderr, flush=True)
    asyncio.run(measure(args, running, served.url, served.pid, run))
    return report(args, run)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="walletEvents: deliveries/s, p99 latency and server memory."
    )
    add: Callable[..., Any] = parser.add_argument
    add(
        "--subscribers",
        type=_bounded_int(1, SUBSCRIBERS_MAX),
        default=SUBSCRIBERS_DEFAULT,
        help=f"WebSocket connections, each subscribed (default {SUBSCRIBERS_DEFAULT})",
    )
    add(
        "--people",
        type=_bounded_int(1, SUBSCRIBERS_MAX),
        default=None,
        help="how many people the subscribers are (default: as many as subscribers, one "
        "connection each); fewer people have several connections each",
    )
    add(
        "--rate",
        type=_bounded_int(1, RATE_MAX),
        default=RATE_DEFAULT,
        help=f"wallet events (top-ups) per second (default {RATE_DEFAULT})",
    )
    add(
        "--duration",
        type=_bounded_int(1, DURATION_MAX),
        default=DURATION_DEFAULT,
        help=f"seconds of events (default {DURATION_DEFAULT})",
    )
    add(
        "--compression",
        choices=("deflate", "none"),
        default="deflate",
        help="what the subscribers offer, as browsers do: permessage-deflate (the default), "
        "or none",
    )
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = args.subscribers
    if args.people > args.subscribers:
        parser.error("--people cannot be more than --subscribers")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_a_platform("subscriptions", lambda running: run_all(args, running))


if __name__ == "__main__":
    raise SystemExit(main())
