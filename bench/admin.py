"""The admin dashboard's figures and the monthly B2B report on a big journal: how long
`server.reports.stats.figures` and `server.reports.b2b.b2b_report` take for one currency.

Starts its own embedded document server (its own process) and SQLite file in a temporary
folder, migrates and installs REC as `rec migrate` does, creates 5,000 people and 200 shops
(with directory profiles in 10 neighbourhoods) in the relational store, then writes
`--entries` sealed journal entries of REC (default 1,000,000: one top-up per person first,
then 90 % payments, of which 70 % to shops, and 10 % more top-ups) spread over the last 30
days straight into the journal with `insert_many`, not through payments, with the wallets
and the chain's head that match them. It builds the dashboard's buckets from the journal
(`stats.rebuild`), then times the figures several times and prints the median; then again
with 100 entries not yet sealed (the state between two rounds of the sealer), which the
figures read straight from the journal; then the B2B report of the last 30 days (one payment
in twenty is a shop paying a shop). It measures and prints; it never asserts.

    .venv/bin/python bench/admin.py
    .venv/bin/python bench/admin.py --entries 100000 --runs 9
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from graphql_http import _bounded_int  # the sibling script in bench/

from server import clock
from server.accounts.models import Account, AccountKind
from server.cli import _open_stores, _prepare
from server.currencies.models import Currency
from server.directory.models import MerchantProfile
from server.ledger.models import JournalEntry, LedgerHead, Wallet
from server.reports import b2b, stats
from server.settings import Settings
from server.stores.embedded import EmbeddedDocumentServer

CURRENCY = "REC"
PEOPLE, SHOPS = 5000, 200
NEIGHBOURHOODS = [f"Barri {n}" for n in range(1, 11)]
ENTRIES_DEFAULT, ENTRIES_MAX = 1_000_000, 5_000_000
RUNS_DEFAULT = 7
INSERT_BATCH = 10_000
UNSEALED = 100
DAYS = 30


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time of the admin dashboard's figures.")
    parser.add_argument(
        "--entries",
        type=_bounded_int(PEOPLE + 1, ENTRIES_MAX),
        default=ENTRIES_DEFAULT,
        help=f"journal entries loaded (default {ENTRIES_DEFAULT:,}, at most {ENTRIES_MAX:,})",
    )
    parser.add_argument(
        "--runs",
        type=_bounded_int(1, 100),
        default=RUNS_DEFAULT,
        help=f"timed runs of the figures, each way (default {RUNS_DEFAULT})",
    )
    return parser.parse_args(argv)


async def _accounts() -> tuple[list[int], list[int]]:
    """People and shops in the relational store; their ids."""
    await Account.bulk_create(
        [
            Account(kind=AccountKind.PERSONAL, name=f"Person {n}", handle=f"p{n}")
            for n in range(PEOPLE)
        ],
        batch_size=1000,
    )
    await Account.bulk_create(
        [
            Account(kind=AccountKind.BUSINESS, name=f"Shop {n}", handle=f"s{n}")
            for n in range(SHOPS)
        ],
        batch_size=1000,
    )
    people = [a.id for a in await Account.filter(kind=AccountKind.PERSONAL).order_by("id")]
    shops = [a.id for a in await Account.filter(kind=AccountKind.BUSINESS).order_by("id")]
    await MerchantProfile.bulk_create(
        [
            MerchantProfile(
                account_id=account_id,
                category="shop",
                address="Carrer Gran, 1",
                neighbourhood=NEIGHBOURHOODS[n % len(NEIGHBOURHOODS)],
                latitude_e6=41_400_000,
                longitude_e6=2_160_000,
            )
            for n, account_id in enumerate(shops)
        ],
        batch_size=1000,
    )
    return people, shops


def _entry(kind: str, payer: int, payee: int, cents: int, at: Any, sequence: int | None) -> dict:
    return {
        "currency": CURRENCY,
        "kind": kind,
        "legs": [
            {"account_id": payer, "amount_cents": -cents},
            {"account_id": payee, "amount_cents": cents},
        ],
        "amount_cents": cents,
        "from_account_id": payer,
        "to_account_id": payee,
        "memo": "",
        "reason": "",
        "refund_of": None,
        "corrects": None,
        "refunded_cents": 0,
        "created_by_user_id": None,
        "created_at": at,
        "sequence": sequence,
        "hash": "0" * 64 if sequence else None,
    }


async def load(entries: int) -> float:
    """Accounts, wallets, journal and chain head; returns the seconds the journal took."""
    rng = random.Random(7)
    currency = await Currency.get(code=CURRENCY)
    issuer = currency.issuer_account_id  # type: ignore[attr-defined]
    people, shops = await _accounts()
    balances: dict[int, int] = dict.fromkeys([*people, *shops], 0)
    balances[issuer] = 0
    now = clock.now()
    start = now - timedelta(days=DAYS)
    span_s = DAYS * 24 * 3600 - 60
    journal = JournalEntry.get_pymongo_collection()
    began = time.perf_counter()
    batch: list[dict] = []
    times = sorted(rng.uniform(0, span_s) for _ in range(entries))
    for sequence, offset in enumerate(times, start=1):
        at = start + timedelta(seconds=offset)
        if sequence <= len(people):  # everyone gets money first
            payer, payee, kind, cents = issuer, people[sequence - 1], "TOPUP", 500_00
        elif rng.random() < 0.1:
            payer, payee, kind, cents = issuer, rng.choice(people), "TOPUP", 100_00
        else:
            # One payment in twenty is a shop paying a shop (the B2B report's).
            b2b = rng.random() < 0.05
            payer = rng.choice(shops) if b2b else rng.choice(people)
            payee = rng.choice(shops) if b2b or rng.random() < 0.7 else rng.choice(people)
            kind, cents = "PAYMENT", rng.randint(1, 50_00)
            if payee == payer or balances[payer] < cents:
                payer, kind, cents = issuer, "TOPUP", 100_00
        balances[payer] -= cents
        balances[payee] += cents
        batch.append(_entry(kind, payer, payee, cents, at, sequence))
        if len(batch) == INSERT_BATCH:
            await journal.insert_many(batch, ordered=False)
            batch = []
            if sequence % 100_000 == 0:
                print(f"  {sequence:,} entries", file=sys.stderr, flush=True)
    if batch:
        await journal.insert_many(batch, ordered=False)
    elapsed = time.perf_counter() - began
    await Wallet.get_pymongo_collection().delete_many({"currency": CURRENCY})
    await Wallet.get_pymongo_collection().insert_many(
        [
            {
                "account_id": account_id,
                "currency": CURRENCY,
                "balance_cents": cents,
                "is_issuer": account_id == issuer,
                "sent_month": "",
                "sent_month_cents": 0,
                "created_at": start,
            }
            for account_id, cents in balances.items()
        ]
    )
    await LedgerHead.get_pymongo_collection().update_one(
        {"_id": CURRENCY}, {"$set": {"sequence": entries, "hash": "0" * 64}}, upsert=True
    )
    return elapsed


async def _timed(currency: Currency, runs: int) -> tuple[float, float, stats.Figures]:
    """Seconds of the figures read past every cache (as after a start or at midnight),
    then the median of `runs` more (what the dashboard and its subscription pay)."""
    began = time.perf_counter()
    figures = await stats.figures(currency, fresh=True)
    cold = time.perf_counter() - began
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        figures = await stats.figures(currency)
        times.append(time.perf_counter() - began)
    return cold, statistics.median(times), figures


async def _timed_b2b(currency: Currency, runs: int) -> tuple[float, b2b.B2bReport]:
    """The median seconds of the B2B report of the last 30 days (the screen's month)."""
    today = clock.now().astimezone(ZoneInfo(currency.timezone)).date()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        report = await b2b.b2b_report(currency, today - timedelta(days=DAYS - 1), today)
        times.append(time.perf_counter() - began)
    return statistics.median(times), report


async def measure(settings: Settings, entries: int, runs: int) -> list[str]:
    await _prepare(settings)
    async with _open_stores(settings):
        print(f"loading {entries:,} journal entries ...", file=sys.stderr, flush=True)
        loaded_s = await load(entries)
        currency = await Currency.get(code=CURRENCY)
        print("building the buckets ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        await stats.rebuild(currency, transactional=False)
        built_s = time.perf_counter() - began
        sealed_cold_s, sealed_s, figures = await _timed(currency, runs)
        # Payments committed but not sealed yet: a resident pays the top shop 0.01.
        payer = await Account.filter(kind=AccountKind.PERSONAL).order_by("id").first()
        assert payer is not None and figures.top_shops
        shop = figures.top_shops[0].account_id
        tail = [_entry("PAYMENT", payer.id, shop, 1, clock.now(), None) for _ in range(UNSEALED)]
        await JournalEntry.get_pymongo_collection().insert_many(tail)
        tail_cold_s, tail_s, _ = await _timed(currency, runs)
        began = time.perf_counter()
        for _ in range(runs):
            await stats.version(CURRENCY)
        version_ms = (time.perf_counter() - began) / runs * 1000
        b2b_s, report = await _timed_b2b(currency, runs)
    hour = sum(p.payments for p in figures.per_minute)
    month = sum(p.payments for p in figures.per_day)
    return [
        f"{entries:,} sealed journal entries of {CURRENCY} over {DAYS} days, "
        f"{PEOPLE:,} people, {SHOPS} shops in {len(NEIGHBOURHOODS)} neighbourhoods",
        f"loading the journal    {loaded_s:.1f} s (insert_many, {INSERT_BATCH:,} a batch)",
        f"building the buckets   {built_s:.1f} s (stats.rebuild, once)",
        "",
        f"figures, all sealed    median {sealed_s * 1000:.0f} ms of {runs} runs "
        f"(first, past every cache: {sealed_cold_s * 1000:.0f} ms)",
        f"figures, {UNSEALED} unsealed   median {tail_s * 1000:.0f} ms of {runs} runs "
        f"(first, past every cache: {tail_cold_s * 1000:.0f} ms)",
        f"change check           {version_ms:.1f} ms (stats.version, what the subscription "
        "asks every 500 ms)",
        f"B2B report, one month  median {b2b_s * 1000:.0f} ms of {runs} runs "
        f"({report.payments:,} payments between {len(report.shops)} shops, "
        f"{len(report.pairs):,} pairs)",
        "",
        f"(payments in the last hour {hour:,}, in 30 days {month:,}; active wallets "
        f"{figures.active_wallets:,} of {figures.total_wallets:,})",
    ]


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="rec-bench-admin-") as folder:
        data_dir = Path(folder)
        documents = EmbeddedDocumentServer(data_dir / "documents", data_dir / "documents.log")
        try:
            print("starting the embedded document server ...", file=sys.stderr, flush=True)
            url = documents.start()
            settings = Settings(
                mode="test",
                data_dir=data_dir,
                database_url=f"sqlite://{data_dir / 'rec.sqlite3'}",
                mongodb_url=url,
                mongodb_database="bench",
                secret_key="x" * 40,
                # The embedded server answers one request at a time: while it reads a
                # million entries for the first buckets it cannot answer the driver's
                # heartbeat, which, after the default 2 s, drops the connection.
                store_timeout_s=120.0,
            )
            lines = asyncio.run(measure(settings, args.entries, args.runs))
        except KeyboardInterrupt:
            print("interrupted: stopping the document server", file=sys.stderr)
            return 130
        finally:
            documents.stop()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
