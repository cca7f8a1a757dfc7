"""Beyond one machine: two app processes (`rec serve --no-jobs`) and a background worker
(`rec worker`) on one pair of stores, PostgreSQL when the machine has one (CI) and the
embedded document server, as separate processes that share nothing else."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from server import metrics
from server.settings import PROJECT_ROOT, Settings
from server.stores.embedded import EmbeddedDocumentServer, free_port
from tests.conftest import (
    BIN,
    POSTGRES_URL,
    _postgres,
    rec_env,
    run_rec,
    server_settings,
    wait_for_http,
)
from tests.helpers.graphql import GraphQLClient, api_key, business_account, demo_admin, make_admin
from tests.helpers.graphql import register as register_person
from tests.helpers.live import next_message, subscription
from tests.helpers.receiver import receiving, verifies
from tests.helpers.waiting import until
from tests.test_ledger_api import _handle, _issue, _pay, _person
from tests.test_metrics import _scrape

LEASE_S = 3  # a dead worker's jobs are taken over after this long
VIEWER_EVENTS = """subscription { viewerEvents { id cursor type data } }"""
ADD_ENDPOINT = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input)
  { secret webhookEndpoint { id } errors { field code message } } }"""
CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input)
  { paymentOrder { id } errors { field code message } } }"""
ME = "{ viewer { user { email } activeAccount { wallet { balance { amount } } } } }"


@dataclass
class Cluster:
    settings: Settings
    env: dict[str, str]
    folder: Path
    app_a: str = ""
    app_b: str = ""
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    worker: subprocess.Popen[str] | None = None

    def start(self, name: str, *command: str, **extra: str) -> subprocess.Popen[str]:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [str(BIN / "rec"), *command],
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=PROJECT_ROOT,
        )
        log.close()
        self.processes.append(process)
        return process

    def serve(self, name: str) -> str:
        port = free_port()
        process = self.start(name, "serve", "--no-jobs", REC_PORT=str(port))
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/healthz", process)
        return url

    def start_worker(self, name: str) -> subprocess.Popen[str]:
        self.worker = self.start(name, "worker")
        until(lambda: "running:" in self.log(name), f"{name} to start")
        return self.worker

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def cluster(
    document_server: EmbeddedDocumentServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("cluster")
    database = f"rec_cluster_{uuid.uuid4().hex[:12]}"
    if POSTGRES_URL:
        asyncio.run(_postgres(f'CREATE DATABASE "{database}"'))
        relational = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{database}"
    else:  # `make test` without PostgreSQL: the same processes on one SQLite file
        relational = f"sqlite://{folder / 'rec.sqlite3'}"
    settings = server_settings(folder, relational, document_server.url)
    env = rec_env(settings, REC_JOBS="off", REC_JOB_LEASE_S=str(LEASE_S))
    for command in ("migrate", "demo"):
        done = run_rec(command, env=env)
        assert done.returncode == 0, done.stderr
    cluster = Cluster(settings, env, folder)
    try:
        cluster.app_a = cluster.serve("app-a")
        cluster.app_b = cluster.serve("app-b")
        cluster.start_worker("worker-1")
        yield cluster
    finally:
        for process in cluster.processes:
            if process.poll() is None:
                process.terminate()
        for process in cluster.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        client: MongoClient = MongoClient(document_server.url)
        client.drop_database(settings.mongodb_database)
        client.close()
        if POSTGRES_URL:
            asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _series(url: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Each sample of that metric on the app's /metrics: its labels and value."""
    found = []
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels, value = line.rsplit(" ", 1)
            found.append((dict(LABEL.findall(labels)), float(value)))
    return found


def _pid_of(labels: dict[str, str]) -> int:
    return int(labels["process"].split(":")[-2])  # host:pid:tag


def _on(url: str, client: GraphQLClient) -> GraphQLClient:
    """The same signed-in person, talking to another app process."""
    other = GraphQLClient(url)
    other.http.cookies.set("rec_session", client.http.cookies["rec_session"])
    return other


def test_a_subscriber_on_one_app_process_hears_a_payment_made_through_the_other(
    cluster: Cluster,
) -> None:
    a, b, data_dir = cluster.app_a, cluster.app_b, cluster.settings.data_dir
    treasurer = demo_admin(a, data_dir, "treasurer")
    officer = make_admin(a, demo_admin(a, data_dir, "superadmin"), "KYC_OFFICER")
    payer = _person(a, officer)  # signs in through A
    payee = _person(b)  # signs in through B
    _issue(treasurer, payer, "20.00")
    with subscription(b, VIEWER_EVENTS, cookie=payee.http.cookies["rec_session"]) as socket:
        time.sleep(1)  # the subscription is registered on B before the payment
        paid = _pay(payer, _handle(payee), "7.25", memo="across processes")
        assert paid["errors"] == []
        message = next_message(socket, timeout_s=15)
    assert message["type"] == "next", message
    event = message["payload"]["data"]["viewerEvents"]
    assert event["type"] == "wallet.payment", event
    heard = json.loads(event["data"]) if isinstance(event["data"], str) else event["data"]
    assert (heard["direction"], heard["balance_cents"]) == ("in", 725), heard
    # One session, whichever process answers: the payee's cookie from B works on A.
    seen_on_a = _on(a, payee).data(ME)["viewer"]
    assert seen_on_a["activeAccount"]["wallet"]["balance"]["amount"] == "7.25"
    # The worker, not the app processes (REC_JOBS=off), seals what both committed.
    until(
        lambda: _scrape(a)['rec_journal_unsealed_entries{currency="REC"}'] == 0,
        "the worker to seal the journal",
    )
    assert "jobs running" not in cluster.log("app-a") + cluster.log("app-b")


def test_pin_guesses_sent_to_both_app_processes_at_once_get_three_tries_in_all(
    cluster: Cluster,
) -> None:
    a, b, data_dir = cluster.app_a, cluster.app_b, cluster.settings.data_dir
    officer = make_admin(a, demo_admin(a, data_dir, "superadmin"), "KYC_OFFICER")
    payer, payee = _person(a, officer), _person(b)
    _issue(demo_admin(a, data_dir, "treasurer"), payer, "20.00")
    to = _handle(payee)
    # Twelve wrong PINs at once, half through each process, each from a client of its own.
    clients = [_on(a if n % 2 else b, payer) for n in range(12)]
    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(lambda c: _pay(c, to, "1.00", pin="9999"), clients))
    codes = Counter(answer["errors"][0]["code"] for answer in answers)
    assert codes == {"WRONG_PIN": 2, "PIN_LOCKED": 10}, codes

    def wrong_pins_checked() -> float:
        checks = _series(a, "rec_payment_pin_checks_total")
        return sum(value for labels, value in checks if labels["outcome"] == "wrong")

    # Three guesses were checked in all, not three in each process: the rest were refused
    # unchecked. Both processes publish their figures within PUBLISH_EVERY_S.
    until(lambda: wrong_pins_checked() >= 3, "the PIN checks on /metrics")
    time.sleep(metrics.PUBLISH_EVERY_S + 1)
    assert wrong_pins_checked() == 3
    assert _pay(payer, to, "1.00")["errors"][0]["code"] == "PIN_LOCKED"
    assert payer.data(ME)["viewer"]["activeAccount"]["wallet"]["balance"]["amount"] == "20.00"


def test_a_worker_killed_mid_delivery_loses_no_webhook(cluster: Cluster) -> None:
    owner = register_person(
        cluster.app_a, f"o{uuid.uuid4().hex[:10]}@example.org", "a long enough passphrase", "Oriol"
    )
    shop = business_account(owner, f"Botiga {uuid.uuid4().hex[:6]}")
    secret = api_key(owner, shop["id"], "payment_orders:write", "payment_orders:read")
    with receiving() as receiver:
        receiver.hold_first = True
        added = _on(cluster.app_b, owner).mutate(
            "addWebhookEndpoint",
            ADD_ENDPOINT,
            {"accountId": shop["id"], "url": receiver.url, "events": ["payment_order.created"]},
        )
        charger = GraphQLClient(cluster.app_a, token=secret)
        orders = [
            charger.mutate(
                "createPaymentOrder",
                CREATE_ORDER,
                {"amount": f"{n}.00", "currency": "REC", "idempotencyKey": uuid.uuid4().hex},
            )["paymentOrder"]["id"]
            for n in range(1, 6)
        ]
        assert receiver.first_arrived.wait(timeout=30), "the worker never delivered"
        old = cluster.worker
        assert old is not None
        os.kill(old.pid, signal.SIGKILL)  # mid-delivery: the receiver has not answered
        old.wait(timeout=10)
        receiver.release.set()
        cluster.start_worker("worker-2")  # takes the lease once the dead one's expires

        def everything_arrived() -> bool:
            ids = {headers["webhook-id"] for headers, _ in receiver.received}
            return len(ids) == len(orders)

        until(everything_arrived, "every webhook to arrive", timeout_s=60)
        time.sleep(LEASE_S)  # anything sent twice would have come by now
        received = list(receiver.received)
    ids = Counter(headers["webhook-id"] for headers, _ in received)
    first = received[0][0]["webhook-id"]
    # At least once: the delivery cut off mid-send came again; every other came once.
    assert ids[first] == 2, ids
    assert all(count == 1 for webhook_id, count in ids.items() if webhook_id != first), ids
    assert all(verifies(added["secret"], headers, body) for headers, body in received)
    sent_for = {json.loads(body)["data"]["paymentOrderId"] for _, body in received}
    assert sent_for == set(orders), (sent_for, orders)
    # The worker serves no HTTP: its attempts are on the app processes' /metrics.
    worker = cluster.worker
    assert worker is not None

    def worker_attempts() -> float:
        return sum(
            value
            for labels, value in _series(cluster.app_a, "rec_webhook_delivery_attempts_total")
            if _pid_of(labels) == worker.pid and labels["outcome"] == "succeeded"
        )

    until(lambda: worker_attempts() >= len(orders), "the worker's attempts on /metrics")
    roles = {
        _pid_of(labels): labels["role"] for labels, _ in _series(cluster.app_b, "rec_process_up")
    }
    assert roles[worker.pid] == "worker"


def test_serve_with_two_workers_runs_two_app_processes(cluster: Cluster) -> None:
    port = free_port()
    process = cluster.start("app-pair", "serve", "--workers", "2", "--no-jobs", REC_PORT=str(port))
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/healthz", process)
    until(lambda: cluster.log("app-pair").count("Application startup complete") == 2, "both")
    for _ in range(10):
        assert httpx.get(url + "/readyz", timeout=5).status_code == 200
    assert "with 2 app processes, no background jobs" in cluster.log("app-pair")
    # Whichever of the two answers, /metrics counts both.
    pids = {
        int(p) for p in re.findall(r"Started server process \[(\d+)\]", cluster.log("app-pair"))
    }
    assert len(pids) == 2

    def served_by_both() -> bool:
        requests = _series(url, "rec_http_requests_total")
        return pids <= {_pid_of(labels) for labels, value in requests if value > 0}

    until(served_by_both, "both processes' figures on /metrics")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert cluster.log("app-pair").count("Finished server process") == 2
