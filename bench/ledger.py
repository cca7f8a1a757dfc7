"""Payments per second: the ledger's transfer_money against the same writes in raw PyMongo.

Starts its own embedded document server and SQLite file in a temporary folder, migrates and
installs REC as `rec migrate` does, puts 1,000 funded wallets straight into the wallets
collection, then makes payments of 0.01 REC between random pairs of them from 8 concurrent
payers, two ways, on the same client:

  (a) raw: one PyMongo transaction with the shape of writes of a ledger payment
      (conditional debit, credit upsert, journal entry, two events, idempotency insert and
      update), retried on TransientTransactionError;
  (b) ledger: server.ledger.operations.transfer_money, the ledger's payment operation
      without the relational reads that `pay` does first (PIN, KYC tier).

It prints payments per second, p50/p99 latency, the ratio b/a and the transaction retries.
It measures and prints; it never asserts. Everything it starts, it stops.

    .venv/bin/python bench/ledger.py
    .venv/bin/python bench/ledger.py --payments 10000
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bson import ObjectId
from graphql_http import _bounded_int, percentile  # the sibling script in bench/
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from server import clock
from server.cli import _open_stores, _prepare
from server.currencies.models import Currency
from server.events.models import Event
from server.ledger import operations
from server.ledger.models import EntryKind, IdempotencyRecord, JournalEntry, Wallet
from server.ledger.operations import Limits, Transfer, transfer_money
from server.settings import Settings
from server.stores.embedded import EmbeddedDocumentServer

CURRENCY = "REC"
WALLETS = 1000
WALLET_BALANCE_CENTS = 10**9  # no payer runs dry, whatever --payments asks
AMOUNT_CENTS = 1
PAYERS = 8
PAYMENTS_DEFAULT, PAYMENTS_MAX = 2000, 100_000
WARMUP_PAYMENTS = 200  # per way, not counted
ERROR_EXAMPLES_MAX = 5
# The same retry shape as server/ledger/operations.py, so the two ways compare fairly.
ATTEMPTS_MAX = operations.TRANSACTION_ATTEMPTS_MAX
RETRY_DELAY_S_FIRST = operations.RETRY_DELAY_S_FIRST
RETRY_DELAY_S_MAX = operations.RETRY_DELAY_S_MAX


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time: the client's share of the work
    attempts: int = 0  # transaction bodies run: one per payment, plus one per retry
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    @property
    def payments(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.payments / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def retries(self) -> int:
        return self.attempts - self.payments - self.errors


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Payments/s of the ledger's transfer_money against raw PyMongo."
    )
    parser.add_argument(
        "--payments",
        type=_bounded_int(1, PAYMENTS_MAX),
        default=PAYMENTS_DEFAULT,
        help=f"payments measured per way (default {PAYMENTS_DEFAULT}, at most {PAYMENTS_MAX})",
    )
    return parser.parse_args(argv)


# -- (a) raw PyMongo ----------------------------------------------------------------------


def _raw_body(
    a: int, b: int, key: str, results: Results
) -> Callable[[AsyncClientSession], Awaitable[None]]:
    wallets = Wallet.get_pymongo_collection()
    journal = JournalEntry.get_pymongo_collection()
    events = Event.get_pymongo_collection()
    records = IdempotencyRecord.get_pymongo_collection()

    async def body(session: AsyncClientSession) -> None:
        results.attempts += 1
        now = clock.now()
        month = now.strftime("%Y-%m")
        await records.insert_one(
            {"_id": key, "request_hash": "-", "state": "in_progress", "created_at": now},
            session=session,
        )
        payer = await wallets.find_one_and_update(
            {"account_id": a, "currency": CURRENCY, "balance_cents": {"$gte": AMOUNT_CENTS}},
            {
                "$inc": {"balance_cents": -AMOUNT_CENTS, "sent_month_cents": AMOUNT_CENTS},
                "$set": {"sent_month": month},
            },
            session=session,
            return_document=ReturnDocument.AFTER,
        )
        if payer is None:
            raise RuntimeError(f"wallet {a} has no money left")
        payee = await wallets.find_one_and_update(
            {"account_id": b, "currency": CURRENCY},
            {
                "$inc": {"balance_cents": AMOUNT_CENTS},
                "$setOnInsert": {"is_issuer": False, "sent_month": "", "created_at": now},
            },
            upsert=True,
            session=session,
            return_document=ReturnDocument.AFTER,
        )
        assert payee is not None  # an upsert answers the document it wrote
        entry = {
            "_id": ObjectId(),
            "currency": CURRENCY,
            "kind": EntryKind.PAYMENT.value,
            "legs": [
                {"account_id": a, "amount_cents": -AMOUNT_CENTS},
                {"account_id": b, "amount_cents": AMOUNT_CENTS},
            ],
            "amount_cents": AMOUNT_CENTS,
            "from_account_id": a,
            "to_account_id": b,
            "memo": "",
            "reason": "",
            "refund_of": None,
            "corrects": None,
            "refunded_cents": 0,
            "created_by_user_id": None,
            "created_at": now,
            "sequence": None,
            "hash": None,
        }
        await journal.insert_one(entry, session=session)
        summary = operations.entry_summary(entry)
        for account_id, balance, direction in (
            (a, payer["balance_cents"], "out"),
            (b, payee["balance_cents"], "in"),
        ):
            await events.insert_one(
                {
                    "type": "wallet.payment",
                    "account_ids": [account_id],
                    "data": {**summary, "direction": direction, "balance_cents": balance},
                    "created_at": now,
                },
                session=session,
            )
        await records.update_one(
            {"_id": key, "state": "in_progress"},
            {"$set": {"state": "done", "result": summary}},
            session=session,
        )

    return body


async def raw_payment(a: int, b: int, results: Results) -> None:
    client = Wallet.get_pymongo_collection().database.client
    body = _raw_body(a, b, f"PAYMENT:{a}:{uuid.uuid4().hex}", results)
    delay_s = RETRY_DELAY_S_FIRST
    for attempt in range(ATTEMPTS_MAX):
        async with client.start_session() as session:
            try:
                async with await session.start_transaction():
                    await body(session)
                return
            except PyMongoError as error:
                if (
                    not error.has_error_label("TransientTransactionError")
                    or attempt == ATTEMPTS_MAX - 1
                ):
                    raise
        await asyncio.sleep(random.uniform(0, delay_s))
        delay_s = min(delay_s * 2, RETRY_DELAY_S_MAX)


# -- (b) the ledger -----------------------------------------------------------------------


def count_ledger_attempts(results: Results) -> None:
    """Counts the bodies operations.in_transaction runs, so its retries show.

    transfer_money looks in_transaction up in its module at each call: wrapping it there
    changes no behaviour, it only counts."""
    original = operations.in_transaction

    async def counted(body: Callable[[AsyncClientSession], Awaitable[Any]]) -> Any:
        async def counting_body(session: AsyncClientSession) -> Any:
            results.attempts += 1
            return await body(session)

        return await original(counting_body)

    operations.in_transaction = counted  # type: ignore[assignment]


async def ledger_payment(a: int, b: int, results: Results) -> None:
    transfer = Transfer(
        kind=EntryKind.PAYMENT,
        currency=CURRENCY,
        from_account_id=a,
        to_account_id=b,
        amount_cents=AMOUNT_CENTS,
        payer_limits=Limits(),
    )
    await transfer_money(transfer, uuid.uuid4().hex)


# -- running ------------------------------------------------------------------------------


async def run_payments(
    pay: Callable[[int, int, Results], Awaitable[None]],
    account_ids: list[int],
    count: int,
    results: Results,
) -> None:
    """`count` payments from PAYERS concurrent tasks, each between two random wallets."""
    remaining = count

    async def payer() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1  # no await between the check and this: no race
            a, b = random.sample(account_ids, 2)
            started = time.perf_counter()
            try:
                await pay(a, b, results)
            except Exception as error:  # a benchmark counts failures; it does not stop
                results.errors += 1
                if len(results.error_examples) < ERROR_EXAMPLES_MAX:
                    results.error_examples.append(f"{type(error).__name__}: {error}"[:200])
                continue
            results.latencies_ms.append((time.perf_counter() - started) * 1000)

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(payer() for _ in range(min(PAYERS, count))))
    results.elapsed_s += time.perf_counter() - started
    results.cpu_s += time.process_time() - cpu_started


async def create_wallets() -> list[int]:
    """WALLETS funded wallets with account ids 1..; the issuer's id, if among them, is
    skipped (its wallet exists already and may go below zero)."""
    currency = await Currency.get(code=CURRENCY)
    issuer_id = currency.issuer_account_id  # type: ignore[attr-defined]
    account_ids = [i for i in range(1, WALLETS + 2) if i != issuer_id][:WALLETS]
    now = clock.now()
    await Wallet.get_pymongo_collection().insert_many(
        [
            {
                "account_id": account_id,
                "currency": CURRENCY,
                "balance_cents": WALLET_BALANCE_CENTS,
                "is_issuer": False,
                "sent_month": "",
                "sent_month_cents": 0,
                "created_at": now,
            }
            for account_id in account_ids
        ]
    )
    return account_ids


async def measure(payments: int) -> tuple[Results, Results, list[int]]:
    raw, ledger = Results(), Results()
    count_ledger_attempts(ledger)
    account_ids = await create_wallets()
    for pay in (raw_payment, ledger_payment):  # warm both up; nothing of this is counted
        await run_payments(pay, account_ids, WARMUP_PAYMENTS, Results())
    ledger.attempts = 0
    # A-B-B-A halves: whatever drifts as the collections grow weighs on both ways alike.
    first, second = (payments + 1) // 2, payments // 2
    for pay, results, count in (
        (raw_payment, raw, first),
        (ledger_payment, ledger, first),
        (ledger_payment, ledger, second),
        (raw_payment, raw, second),
    ):
        if count:
            await run_payments(pay, account_ids, count, results)
    return raw, ledger, account_ids


def _line(name: str, results: Results) -> list[str]:
    lines = [f"{name}", f"  payments      {results.payments} in {results.elapsed_s:.2f} s"]
    lines.append(f"  throughput    {results.per_second:.1f} payments/s")
    latencies = sorted(results.latencies_ms)
    if latencies:
        lines.append(
            f"  latency ms    p50 {percentile(latencies, 50):.1f}  "
            f"p99 {percentile(latencies, 99):.1f}  (max {latencies[-1]:.1f})"
        )
    if results.payments:
        lines.append(
            f"  client CPU    {results.cpu_s / results.payments * 1000:.2f} ms per payment "
            "(this process; the rest is the document server)"
        )
    lines.append(f"  retries       {results.retries} transaction retries")
    lines.append(f"  errors        {results.errors}")
    lines.extend(f"    e.g. {example}" for example in results.error_examples)
    return lines


def report(payments: int, raw: Results, ledger: Results) -> str:
    lines = [
        f"{payments} payments of 0.01 {CURRENCY} per way, between random pairs of "
        f"{WALLETS} wallets, {PAYERS} concurrent payers, after {WARMUP_PAYMENTS} "
        "uncounted warm-up payments per way; halves run raw, ledger, ledger, raw",
        "",
        *_line("(a) raw PyMongo: one transaction with a payment's writes", raw),
        "",
        *_line(
            "(b) ledger: operations.transfer_money (the payment operation without the "
            "relational PIN and KYC reads of services.pay)",
            ledger,
        ),
        "",
    ]
    if raw.per_second:
        ratio = ledger.per_second / raw.per_second
        lines.append(f"ratio b/a       {ratio:.2f} (payments/s of the ledger over raw)")
    return "\n".join(lines)


async def prepare_and_measure(settings: Settings, payments: int) -> tuple[Results, Results]:
    await _prepare(settings)
    async with _open_stores(settings):
        raw, ledger, _ = await measure(payments)
    return raw, ledger


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and kill stop the run the same way: through the finally that stops the server.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="rec-bench-ledger-") as folder:
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
            )
            print("measuring ...", file=sys.stderr, flush=True)
            raw, ledger = asyncio.run(prepare_and_measure(settings, args.payments))
        except KeyboardInterrupt:
            print("interrupted: stopping the document server", file=sys.stderr)
            return 130
        finally:
            documents.stop()
    print(report(args.payments, raw, ledger))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
