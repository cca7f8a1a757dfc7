"""`/metrics` in Prometheus's text format (version 0.0.4), for every process at once.

Each process counts what it does (requests served, money movements committed, webhook
attempts made, subscriptions live) and publishes its figures to the document store every
few seconds (`process_figures`, one document per process). Any app process's `/metrics`
answers for all of them, each series labelled with its `process`: the app processes that
share one port under `rec serve --workers N`, and the `rec worker` processes, which serve
no HTTP. Scrape one address; a stopped process's counters stay an hour, then go.

    rec_process_up{process, role}                        gauge (heard from in 30 s)
    rec_http_requests_total{process, method, route, status}   counter
    rec_http_request_duration_seconds{process, route}    histogram
    rec_ledger_movements_total{process, currency, kind}  counter (committed there)
    rec_webhook_delivery_attempts_total{process, outcome}     counter (made there)
    rec_payment_pin_checks_total{process, outcome}       counter (verified there)
    rec_subscriptions{process}                           gauge (live there)
    rec_journal_unsealed_entries{currency}               gauge (store)
    rec_sealer_lag_seconds{currency}                     gauge (store)
    rec_stats_lag_entries{currency}                      gauge (store)
    rec_webhook_deliveries_due                           gauge (store)
    rec_webhook_delivery_lag_seconds                     gauge (store)

No label grows with the traffic: routes are the first part of the path (`/graphql`,
`/wallet`, `/admin`, ...), statuses are numbers, currencies and kinds are few, processes
are the ones that ran in the last hour. Served by server/app.py, behind a bearer token when
REC_METRICS_TOKEN is set.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import math
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from beanie import Document
from pymongo import ASCENDING, IndexModel

from server import clock

log = logging.getLogger("rec.metrics")
PUBLISH_EVERY_S = 5.0
LIVE = timedelta(seconds=30)  # a process heard from within this is up
KEPT = timedelta(hours=1)  # a stopped process's figures are shown this long, then removed

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The first part of a path that names a route; any other path counts as "other".
ROUTES = frozenset(
    {
        "graphql",
        "wallet",
        "admin",
        "static",
        "branding",
        "pay",
        "topup",
        "kyc",
        "directory",
        "healthz",
        "readyz",
        "metrics",
        "_reactpy",
    }
)
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def route_of(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    if first == "":
        return "/"
    return f"/{first}" if first in ROUTES else "other"


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not names:
        return ""
    escaped = (
        str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        for value in values
    )
    return "{" + ",".join(f'{n}="{v}"' for n, v in zip(names, escaped, strict=True)) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.label_names = name, help_text, labels
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, *labels: str, by: float = 1) -> None:
        with self._lock:
            self._values[labels] = self._values.get(labels, 0) + by

    def value(self, *labels: str) -> float:
        return self._values.get(labels, 0)

    def lines(self) -> list[str]:
        """This process's figures alone, without a `process` label."""
        head = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            items = sorted(self._values.items())
        return head + [f"{self.name}{_labels(self.label_names, k)} {_number(v)}" for k, v in items]

    def snapshot(self) -> list[list[Any]]:
        """This process's figures as stored: `[*labels, value]` rows."""
        with self._lock:
            return [[*labels, value] for labels, value in sorted(self._values.items())]

    def render(self, by_process: dict[str, list[list[Any]]]) -> list[str]:
        """Every process's figures, each series labelled with its process."""
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        names = ("process", *self.label_names)
        for process, rows in sorted(by_process.items()):
            for *labels, value in rows:
                out.append(f"{self.name}{_labels(names, (process, *labels))} {_number(value)}")
        return out


class Histogram:
    def __init__(
        self, name: str, help_text: str, labels: tuple[str, ...], buckets: tuple[float, ...]
    ) -> None:
        self.name, self.help, self.label_names, self.buckets = name, help_text, labels, buckets
        # per labels: [count per bucket (not cumulative), +Inf count, sum]
        self._values: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}
        self._lock = threading.Lock()

    def observe(self, seconds: float, *labels: str) -> None:
        with self._lock:
            counts, total = self._values.setdefault(labels, ([0] * (len(self.buckets) + 1), [0.0]))
            counts[bisect.bisect_left(self.buckets, seconds)] += 1
            total[0] += seconds

    def lines(self) -> list[str]:
        """This process's figures alone, without a `process` label."""
        return self._render([((), self.snapshot())], self.label_names)

    def snapshot(self) -> list[list[Any]]:
        """This process's figures as stored: `[*labels, counts per bucket, sum]` rows."""
        with self._lock:
            return [[*k, list(c), t[0]] for k, (c, t) in sorted(self._values.items())]

    def render(self, by_process: dict[str, list[list[Any]]]) -> list[str]:
        """Every process's figures, each series labelled with its process."""
        groups: list[tuple[tuple[str, ...], list[list[Any]]]] = [
            ((process,), rows) for process, rows in sorted(by_process.items())
        ]
        return self._render(groups, ("process", *self.label_names))

    def _render(
        self, groups: list[tuple[tuple[str, ...], list[list[Any]]]], names: tuple[str, ...]
    ) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for prefix, rows in groups:
            for *own, counts, total in rows:
                labels = (*prefix, *own)
                running = 0
                for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                    running += count
                    out.append(
                        f"{self.name}_bucket{_labels((*names, 'le'), (*labels, _number(bound)))}"
                        f" {running}"
                    )
                tag = _labels(names, labels)
                out.append(f"{self.name}_sum{tag} {_number(total)}")
                out.append(f"{self.name}_count{tag} {running}")
        return out


HTTP_REQUESTS = Counter(
    "rec_http_requests_total",
    "HTTP requests and WebSocket sessions this process served, by route and status.",
    ("method", "route", "status"),
)
HTTP_DURATION = Histogram(
    "rec_http_request_duration_seconds",
    "Time to answer an HTTP request (a WebSocket: its whole session), by route.",
    ("route",),
    DURATION_BUCKETS,
)
LEDGER_MOVEMENTS = Counter(
    "rec_ledger_movements_total",
    "Money movements this process committed, by kind: payment, refund, topup (issuance), "
    "redemption, bonus, adjustment.",
    ("currency", "kind"),
)
WEBHOOK_ATTEMPTS = Counter(
    "rec_webhook_delivery_attempts_total",
    "Webhook delivery attempts this process made, by outcome "
    "(succeeded, failed: the receiver refused it, pending: to retry, dead: given up).",
    ("outcome",),
)

PIN_CHECKS = Counter(
    "rec_payment_pin_checks_total",
    "Payment PINs this process verified, by outcome (right, wrong); wrong ones in a row are "
    "someone mistyped or guessing, and the third locks the PIN.",
    ("outcome",),
)


def record_request(method: str, path: str, status: int, seconds: float) -> None:
    route = route_of(path)
    HTTP_REQUESTS.inc(method, route, str(status))
    HTTP_DURATION.observe(seconds, route)


def _gauge(
    name: str,
    help_text: str,
    rows: Iterable[tuple[tuple[str, ...], float]],
    labels: tuple[str, ...] = (),
) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    out += [f"{name}{_labels(labels, key)} {_number(value)}" for key, value in rows]
    return out


async def store_gauges(currencies: list[str]) -> list[str]:
    """What the stores say of the background jobs: the sealer's and the summaries' lag,
    the webhook deliveries waiting. A few small queries per currency."""
    from server.ledger.models import JournalEntry, LedgerHead
    from server.reports.stats import stats_sequence
    from server.webhooks.models import WebhookDelivery

    now = clock.now()
    journal = JournalEntry.get_pymongo_collection()
    heads = LedgerHead.get_pymongo_collection()
    unsealed, sealer_lag, stats_lag = [], [], []
    for code in currencies:
        waiting = {"currency": code, "sequence": None}
        unsealed.append(((code,), await journal.count_documents(waiting)))
        oldest = await journal.find_one(waiting, {"created_at": 1}, sort=[("created_at", 1)])
        age = (now - _aware(oldest["created_at"])).total_seconds() if oldest else 0.0
        sealer_lag.append(((code,), max(age, 0.0)))
        head = await heads.find_one({"_id": code})
        sealed = int(head["sequence"]) if head else 0
        stats_lag.append(((code,), max(sealed - await stats_sequence(code), 0)))
    deliveries = WebhookDelivery.get_pymongo_collection()
    due = {"status": "pending", "next_attempt_at": {"$lte": now}}
    due_count = await deliveries.count_documents(due)
    first_due = await deliveries.find_one(
        due, {"next_attempt_at": 1}, sort=[("next_attempt_at", 1)]
    )
    delivery_lag = (
        (now - _aware(first_due["next_attempt_at"])).total_seconds() if first_due else 0.0
    )
    return [
        *_gauge(
            "rec_journal_unsealed_entries",
            "Journal entries committed and not sealed yet (store).",
            unsealed,
            ("currency",),
        ),
        *_gauge(
            "rec_sealer_lag_seconds",
            "Age of the oldest entry not sealed yet; 0 when none waits (store).",
            sealer_lag,
            ("currency",),
        ),
        *_gauge(
            "rec_stats_lag_entries",
            "Sealed entries the dashboard's summaries have not counted yet (store).",
            stats_lag,
            ("currency",),
        ),
        *_gauge(
            "rec_webhook_deliveries_due",
            "Webhook deliveries whose next attempt is due (store).",
            [((), due_count)],
        ),
        *_gauge(
            "rec_webhook_delivery_lag_seconds",
            "How late the most overdue webhook delivery is; 0 when none is (store).",
            [((), max(delivery_lag, 0.0))],
        ),
    ]


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class ProcessFigures(Document):
    """What one process counted since it started, as it last published it."""

    id: str  # type: ignore[assignment]  # the process: host, pid and a tag (server.leases)
    role: str  # "app" or "worker"
    updated_at: datetime
    expires_at: datetime  # KEPT after its last publication: the TTL removes it then
    counters: dict[str, list[list[Any]]]
    histograms: dict[str, list[list[Any]]]
    subscriptions: int = 0

    class Settings:
        name = "process_figures"
        indexes = [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]


DOCUMENT_MODELS: list[type[Document]] = [ProcessFigures]
COUNTERS = (HTTP_REQUESTS, LEDGER_MOVEMENTS, WEBHOOK_ATTEMPTS, PIN_CHECKS)
HISTOGRAMS = (HTTP_DURATION,)


def _own(role: str, subscriptions: int) -> dict[str, Any]:
    from server.leases import HOLDER

    now = clock.now()
    return {
        "_id": HOLDER,
        "role": role,
        "updated_at": now,
        "expires_at": now + KEPT,
        "counters": {counter.name: counter.snapshot() for counter in COUNTERS},
        "histograms": {histogram.name: histogram.snapshot() for histogram in HISTOGRAMS},
        "subscriptions": subscriptions,
    }


async def publish(role: str, subscriptions: int = 0) -> None:
    """Writes this process's figures for the others' `/metrics`."""
    own = _own(role, subscriptions)
    await ProcessFigures.get_pymongo_collection().replace_one({"_id": own["_id"]}, own, upsert=True)


async def publishing(role: str, subscriptions: Any = lambda: 0) -> None:
    """Publishes every PUBLISH_EVERY_S until cancelled, then once more: what a stopping
    process counted last stays visible for KEPT."""
    try:
        while True:
            try:
                await publish(role, subscriptions())
            except Exception as error:  # the store may be away: the next round tries again
                log.warning("could not publish this process's figures: %s", error)
            await asyncio.sleep(PUBLISH_EVERY_S)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(publish(role, subscriptions()), timeout=2)


async def exposition(subscriptions: int, role: str = "app") -> str:
    """Every process's figures, and what the stores say, as Prometheus reads it."""
    from server.currencies.models import Currency

    codes = [row.code for row in await Currency.all().order_by("code")]
    own = _own(role, subscriptions)
    found = {own["_id"]: own}
    rows = ProcessFigures.get_pymongo_collection().find({"expires_at": {"$gt": clock.now()}})
    async for row in rows:
        found.setdefault(row["_id"], row)
    now = clock.now()
    live = {
        process: row for process, row in found.items() if now - _aware(row["updated_at"]) <= LIVE
    }
    lines = [
        *_gauge(
            "rec_process_up",
            "Processes heard from in the last 30 s, by role (app, worker).",
            [((process, row["role"]), 1) for process, row in sorted(live.items())],
            ("process", "role"),
        ),
    ]
    for counter in COUNTERS:
        lines += counter.render(
            {p: row["counters"].get(counter.name, []) for p, row in found.items()}
        )
    for histogram in HISTOGRAMS:
        lines += histogram.render(
            {p: row["histograms"].get(histogram.name, []) for p, row in found.items()}
        )
    lines += _gauge(
        "rec_subscriptions",
        "GraphQL subscriptions live on each process.",
        [((process,), row.get("subscriptions", 0)) for process, row in sorted(live.items())],
        ("process",),
    )
    lines += await store_gauges(codes)
    return "\n".join(lines) + "\n"
