"""`/metrics` in Prometheus's text format (version 0.0.4), for one process.

Each app worker counts what it served; Prometheus scrapes each worker and sums them. What
the stores know (entries not sealed yet, deliveries waiting) is read at each scrape, so
every worker reports the same figures for those: take their maximum, not their sum.

    rec_http_requests_total{method, route, status}       counter
    rec_http_request_duration_seconds{route}             histogram
    rec_ledger_movements_total{currency, kind}           counter (committed here)
    rec_webhook_delivery_attempts_total{outcome}         counter (made here)
    rec_subscriptions                                    gauge (live here)
    rec_journal_unsealed_entries{currency}               gauge (store)
    rec_sealer_lag_seconds{currency}                     gauge (store)
    rec_stats_lag_entries{currency}                      gauge (store)
    rec_webhook_deliveries_due                           gauge (store)
    rec_webhook_delivery_lag_seconds                     gauge (store)

No counter has an unbounded label: routes are the first part of the path (`/graphql`,
`/wallet`, `/admin`, ...), statuses are numbers, currencies and kinds are few. Served by
server/app.py, behind a bearer token when REC_METRICS_TOKEN is set.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Iterable
from typing import Any

from server import clock

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
        head = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            items = sorted(self._values.items())
        return head + [f"{self.name}{_labels(self.label_names, k)} {_number(v)}" for k, v in items]


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
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            items = sorted((k, (list(c), t[0])) for k, (c, t) in self._values.items())
        for labels, (counts, total) in items:
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                names = (*self.label_names, "le")
                out.append(
                    f"{self.name}_bucket{_labels(names, (*labels, _number(bound)))} {running}"
                )
            tag = _labels(self.label_names, labels)
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


async def exposition(subscriptions: int) -> str:
    """Everything above, as Prometheus reads it."""
    from server.currencies.models import Currency

    codes = [row.code for row in await Currency.all().order_by("code")]
    lines = [
        *HTTP_REQUESTS.lines(),
        *HTTP_DURATION.lines(),
        *LEDGER_MOVEMENTS.lines(),
        *WEBHOOK_ATTEMPTS.lines(),
        *_gauge(
            "rec_subscriptions",
            "GraphQL subscriptions live on this process.",
            [((), subscriptions)],
        ),
        *await store_gauges(codes),
    ]
    return "\n".join(lines) + "\n"
