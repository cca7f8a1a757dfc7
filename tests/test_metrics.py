"""/metrics in Prometheus's text format: what a process served and committed, and what the
stores say of the background jobs' lag (server/metrics.py)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx

from server import metrics
from server.app import create_app
from server.settings import Settings
from server.webhooks import delivery
from server.webhooks import services as webhooks
from tests.conftest import LiveServer
from tests.helpers.graphql import demo_admin, make_admin
from tests.helpers.receiver import receiving
from tests.test_ledger import _fund, _person
from tests.test_ledger_api import _handle, _issue, _pay
from tests.test_ledger_api import _person as _api_person
from tests.test_pos import _order, _shop

# name{labels} value, as the format has it (labels optional)
SAMPLE = re.compile(r'^[a-z_:][a-z0-9_:]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? \S+$')


PROCESS = re.compile(r'process="(?:[^"\\]|\\.)*",?')


def _samples(text: str) -> dict[str, float]:
    """Every sample line by its name and labels, summed over the processes (the `process`
    label left out); every line checked against the format."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        name = PROCESS.sub("", name, count=1).replace("{}", "")
        found[name] = found.get(name, 0) + float(value)
    return found


def _scrape(url: str) -> dict[str, float]:
    answer = httpx.get(url + "/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return _samples(answer.text)


def test_requests_payments_and_the_jobs_lag_are_counted(live_server: LiveServer) -> None:
    before = _scrape(live_server.url)
    treasurer = demo_admin(live_server.url, live_server.data_dir, "treasurer")
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    officer = make_admin(live_server.url, superadmin, "KYC_OFFICER")
    payer = _api_person(live_server.url, officer)
    payee = _api_person(live_server.url)
    _issue(treasurer, payer, "20.00")
    assert _pay(payer, _handle(payee), "5.00")["errors"] == []

    after = _scrape(live_server.url)
    graphql = 'rec_http_requests_total{method="POST",route="/graphql",status="200"}'
    assert after[graphql] >= before.get(graphql, 0) + 5
    payments = 'rec_ledger_movements_total{currency="REC",kind="payment"}'
    assert after[payments] == before.get(payments, 0) + 1
    issued = 'rec_ledger_movements_total{currency="REC",kind="topup"}'
    assert after[issued] == before.get(issued, 0) + 1
    right_pins = 'rec_payment_pin_checks_total{outcome="right"}'
    assert after[right_pins] == before.get(right_pins, 0) + 1
    count = 'rec_http_request_duration_seconds_count{route="/graphql"}'
    inf = 'rec_http_request_duration_seconds_bucket{route="/graphql",le="+Inf"}'
    assert after[count] == after[inf] >= after[graphql]
    for code in ("REC", "GRA"):  # every installed currency, lag figures of the stores
        for gauge in ("rec_journal_unsealed_entries", "rec_sealer_lag_seconds"):
            assert after[f'{gauge}{{currency="{code}"}}'] >= 0
        assert after[f'rec_stats_lag_entries{{currency="{code}"}}'] >= 0
    assert after["rec_subscriptions"] >= 0 and after["rec_webhook_deliveries_due"] >= 0
    assert 'rec_http_requests_total{method="GET",route="/metrics",status="200"}' in after


async def test_webhook_attempts_are_counted_by_outcome(stores: Settings) -> None:
    before = metrics.WEBHOOK_ATTEMPTS.value("succeeded"), metrics.WEBHOOK_ATTEMPTS.value("failed")
    shop = await _shop()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 10_00)
    with receiving() as receiver:
        await webhooks.add_endpoint(
            shop, receiver.url, ["payment_order.created"], stores.secret_key, development=True
        )
        receiver.answers = [200, 400]
        await _order(shop)
        await _order(shop)
        await delivery.enqueue_new_events()
        await delivery.deliver_due(stores.secret_key)
        await delivery.deliver_due(stores.secret_key)
    after = metrics.WEBHOOK_ATTEMPTS.value("succeeded"), metrics.WEBHOOK_ATTEMPTS.value("failed")
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    lines = "\n".join(metrics.WEBHOOK_ATTEMPTS.lines())
    assert 'rec_webhook_delivery_attempts_total{outcome="succeeded"}' in lines


async def test_a_metrics_token_keeps_the_figures_to_who_has_it(tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    settings = Settings.from_env({"REC_DATA_DIR": str(tmp_path), "REC_METRICS_TOKEN": token})
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for given in ({}, {"authorization": "Bearer wrong"}, {"authorization": token}):
            refused = await client.get("/metrics", headers=given)
            assert refused.status_code == 401
            assert refused.json() == {"error": "UNAUTHENTICATED"}


def test_the_text_format_escapes_labels_and_sums_histogram_buckets() -> None:
    counter = metrics.Counter("t_total", "test", ("what",))
    counter.inc('a "quoted"\nvalue\\')
    counter.inc('a "quoted"\nvalue\\', by=2)
    assert counter.lines()[-1] == 't_total{what="a \\"quoted\\"\\nvalue\\\\"} 3'
    histogram = metrics.Histogram("t_seconds", "test", ("route",), (0.1, 1.0))
    for seconds in (0.05, 0.1, 0.5, 3.0):
        histogram.observe(seconds, "/x")
    assert histogram.lines()[2:] == [
        't_seconds_bucket{route="/x",le="0.1"} 2',
        't_seconds_bucket{route="/x",le="1"} 3',
        't_seconds_bucket{route="/x",le="+Inf"} 4',
        't_seconds_sum{route="/x"} 3.65',
        't_seconds_count{route="/x"} 4',
    ]
    assert [metrics.route_of(p) for p in ("/", "/graphql", "/wallet/rec/pay", "/x/y")] == [
        "/",
        "/graphql",
        "/wallet",
        "other",
    ]
    for line in counter.lines() + histogram.lines():
        assert line.startswith("#") or SAMPLE.match(line), line
