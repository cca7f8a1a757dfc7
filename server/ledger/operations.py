"""Money-moving operations: each one MongoDB multi-document transaction.

Every operation writes, together or not at all: the journal entry, both balances, the
outbox events and its idempotency record. Balances change only through conditional
updates. Transactions that meet a write conflict (a hot wallet: the issuer, a busy shop)
are retried with jittered exponential backoff.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError, PyMongoError

from server import clock, metrics
from server.events.models import Event
from server.ledger.errors import LedgerError
from server.ledger.models import EntryKind, IdempotencyRecord, JournalEntry, Wallet

log = logging.getLogger("rec.ledger")
TRANSACTION_ATTEMPTS_MAX = 200
RETRY_DELAY_S_FIRST = 0.002
RETRY_DELAY_S_MAX = 0.25
AMOUNT_CENTS_MAX = 10**13  # a hundred billion in a two-decimal currency: far past any use
IN_PROGRESS_STALE_S = 60  # a request that died this long ago no longer holds its key


@dataclass(frozen=True)
class Limits:
    """What the payer's KYC tier allows; None means no limit."""

    can_send: bool = True
    per_payment_cents: int | None = None
    monthly_cents: int | None = None


@dataclass(frozen=True)
class Transfer:
    kind: EntryKind
    currency: str
    from_account_id: int
    to_account_id: int
    amount_cents: int
    memo: str = ""
    reason: str = ""
    refund_of: ObjectId | None = None
    corrects: ObjectId | None = None
    created_by_user_id: int | None = None
    payer_limits: Limits = Limits()
    payee_max_balance_cents: int | None = None
    # What the client asked, when it differs from amount_cents ("all that remains").
    requested_amount: str | None = None

    def request_hash(self) -> str:
        """What identifies the request behind an idempotency key: same key, same request."""
        fields = {
            "kind": self.kind.value,
            "currency": self.currency,
            "from": self.from_account_id,
            "to": self.to_account_id,
            "amount": self.requested_amount or self.amount_cents,
            "memo": self.memo,
            "reason": self.reason,
            "refund_of": str(self.refund_of or ""),
            "corrects": str(self.corrects or ""),
        }
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _collections() -> tuple[Any, Any, Any, Any]:
    return (
        Wallet.get_pymongo_collection(),
        JournalEntry.get_pymongo_collection(),
        Event.get_pymongo_collection(),
        IdempotencyRecord.get_pymongo_collection(),
    )


async def in_transaction(body: Callable[[AsyncClientSession], Awaitable[Any]]) -> Any:
    """Runs body in a transaction, retrying on transient errors with jittered backoff."""
    client: AsyncMongoClient = Wallet.get_pymongo_collection().database.client
    delay_s = RETRY_DELAY_S_FIRST
    for attempt in range(TRANSACTION_ATTEMPTS_MAX):
        async with client.start_session() as session:
            try:
                async with await session.start_transaction():
                    return await body(session)
            except PyMongoError as error:
                retryable = error.has_error_label(
                    "TransientTransactionError"
                ) or error.has_error_label("UnknownTransactionCommitResult")
                if not retryable or attempt == TRANSACTION_ATTEMPTS_MAX - 1:
                    raise
        await asyncio.sleep(random.uniform(0, delay_s))
        delay_s = min(delay_s * 2, RETRY_DELAY_S_MAX)
    raise AssertionError("unreachable")


async def _claim_key(key: str, request_hash: str) -> dict[str, Any] | None:
    """Claims an idempotency key for this request, or returns the first answer kept for it."""
    records = IdempotencyRecord.get_pymongo_collection()
    now = clock.now()
    try:
        await records.insert_one(
            {"_id": key, "request_hash": request_hash, "state": "in_progress", "created_at": now}
        )
        return None
    except DuplicateKeyError:
        pass
    record = await records.find_one({"_id": key})
    if record is None:  # expired between the two calls: try once more
        return await _claim_key(key, request_hash)
    if record["request_hash"] != request_hash:
        raise LedgerError(
            "IDEMPOTENCY_KEY_REUSED", "idempotencyKey", "this key was used for a different request"
        )
    if record["state"] == "done":
        return record["result"]
    age_s = (now - record["created_at"].replace(tzinfo=now.tzinfo)).total_seconds()
    if age_s > IN_PROGRESS_STALE_S:  # its request died: take the key over, once
        taken = await records.find_one_and_update(
            {"_id": key, "state": "in_progress", "created_at": record["created_at"]},
            {"$set": {"created_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if taken is not None:
            return None
    raise LedgerError(
        "IDEMPOTENCY_IN_PROGRESS",
        "idempotencyKey",
        "a request with this key is still being processed",
    )


async def _release_key(key: str) -> None:
    """A request refused by validation keeps nothing: the key may be used again."""
    await IdempotencyRecord.get_pymongo_collection().delete_one(
        {"_id": key, "state": "in_progress"}
    )


def entry_summary(entry: dict[str, Any]) -> dict[str, Any]:
    """What an operation answers, and what its idempotency record keeps."""
    return {
        "entry_id": str(entry["_id"]),
        "kind": entry["kind"],
        "currency": entry["currency"],
        "amount_cents": entry["amount_cents"],
        "from_account_id": entry["from_account_id"],
        "to_account_id": entry["to_account_id"],
        "created_at": entry["created_at"].isoformat(),
    }


async def _debit(wallets: Any, transfer: Transfer, session: AsyncClientSession) -> int:
    """Takes the amount from the payer; returns the payer's new balance."""
    amount, month = transfer.amount_cents, clock.now().strftime("%Y-%m")
    payer = await wallets.find_one(
        {"account_id": transfer.from_account_id, "currency": transfer.currency}, session=session
    )
    if payer is None:
        raise LedgerError("INSUFFICIENT_FUNDS", "amount", "there is no money in this wallet")
    sent = payer["sent_month_cents"] if payer.get("sent_month") == month else 0
    if transfer.kind == EntryKind.PAYMENT:  # the monthly limit counts what people pay
        counted = sent + amount
    else:
        counted = sent
    limits = transfer.payer_limits
    if limits.monthly_cents is not None and counted > limits.monthly_cents:
        raise LedgerError("LIMIT_EXCEEDED", "amount", "over this month's limit for your tier")
    # By _id, and the account: the collection's recommended shard key (docs/scaling.md).
    condition: dict[str, Any] = {"_id": payer["_id"], "account_id": payer["account_id"]}
    if not payer.get("is_issuer"):
        condition["balance_cents"] = {"$gte": amount}  # never below zero, checked atomically
    # update_one by _id, not find_one_and_update: the embedded document server scans the
    # whole collection for the latter. The new balance is the one read in this transaction
    # less the amount: a concurrent change to the wallet aborts the transaction (a write
    # conflict, retried), so the read is the balance the $inc applies to.
    updated = await wallets.update_one(
        condition,
        {
            "$inc": {"balance_cents": -amount},
            "$set": {"sent_month": month, "sent_month_cents": counted},
        },
        session=session,
    )
    if updated.matched_count != 1:
        raise LedgerError("INSUFFICIENT_FUNDS", "amount", "not enough money in the wallet")
    balance = int(payer["balance_cents"]) - amount
    assert payer.get("is_issuer") or balance >= 0
    return balance


async def _credit(wallets: Any, transfer: Transfer, session: AsyncClientSession) -> int:
    """Gives the amount to the payee, opening their wallet if need be; returns the new balance."""
    amount = transfer.amount_cents
    key = {"account_id": transfer.to_account_id, "currency": transfer.currency}
    payee = await wallets.find_one(key, session=session)
    balance = int(payee["balance_cents"]) if payee else 0
    if (
        transfer.payee_max_balance_cents is not None
        and balance + amount > transfer.payee_max_balance_cents
    ):
        raise LedgerError(
            "LIMIT_EXCEEDED", "to", "the recipient's wallet cannot hold that much for their tier"
        )
    # As in _debit: by _id with update_one, and the balance read in this transaction.
    await wallets.update_one(
        {"_id": payee["_id"], "account_id": payee["account_id"]} if payee else key,
        {
            "$inc": {"balance_cents": amount},
            "$setOnInsert": {
                "is_issuer": False,
                "sent_month": "",
                "sent_month_cents": 0,
                "created_at": clock.now(),
            },
        },
        upsert=payee is None,
        session=session,
    )
    return balance + amount


async def _mark_refunded(journal: Any, transfer: Transfer, session: AsyncClientSession) -> None:
    original = await journal.find_one({"_id": transfer.refund_of}, session=session)
    if original is None or original["kind"] != EntryKind.PAYMENT.value:
        raise LedgerError("NOT_FOUND", "id", "only a payment can be refunded")
    if (
        original["currency"] != transfer.currency
        or original["to_account_id"] != transfer.from_account_id
        or original["from_account_id"] != transfer.to_account_id
    ):
        raise LedgerError("NOT_FOUND", "id", "a refund goes back the way the payment came")
    remaining = original["amount_cents"] - original.get("refunded_cents", 0)
    changed = await journal.update_one(
        {
            "_id": original["_id"],
            "refunded_cents": {"$lte": original["amount_cents"] - transfer.amount_cents},
        },
        {"$inc": {"refunded_cents": transfer.amount_cents}},
        session=session,
    )
    if changed.modified_count != 1:
        raise LedgerError(
            "REFUND_EXCEEDS_REMAINING", "amount", f"only {remaining} minor units remain to refund"
        )


def check_amount(amount_cents: int) -> None:
    """INVALID_AMOUNT unless the amount is positive and within what one movement may move."""
    if amount_cents <= 0:
        raise LedgerError("INVALID_AMOUNT", "amount", "the amount must be positive")
    if amount_cents > AMOUNT_CENTS_MAX:
        raise LedgerError(
            "INVALID_AMOUNT", "amount", "the amount is over what one payment may move"
        )


def _validate(transfer: Transfer) -> None:
    check_amount(transfer.amount_cents)
    if transfer.from_account_id == transfer.to_account_id:
        raise LedgerError("INVALID_INPUT", "to", "payer and recipient are the same account")
    limits = transfer.payer_limits
    if not limits.can_send:
        raise LedgerError("KYC_REQUIRED", "amount", "verify your identity to send money")
    if limits.per_payment_cents is not None and transfer.amount_cents > limits.per_payment_cents:
        raise LedgerError("LIMIT_EXCEEDED", "amount", "over the per-payment limit of your tier")
    if len(transfer.memo) > 140:
        raise LedgerError("INVALID_INPUT", "memo", "140 characters at most")


def _key(transfer: Transfer, idempotency_key: str) -> str:
    if not 1 <= len(idempotency_key) <= 255:
        raise LedgerError("INVALID_INPUT", "idempotencyKey", "1 to 255 characters")
    return f"{transfer.kind.value}:{transfer.from_account_id}:{idempotency_key}"


async def replay(transfer: Transfer, idempotency_key: str) -> dict[str, Any] | None:
    """The first answer to this very request, if it went through: a retry gets it whatever
    changed since (limits, balances, what remains to refund)."""
    earlier = await IdempotencyRecord.get_pymongo_collection().find_one(
        {"_id": _key(transfer, idempotency_key)}
    )
    if (
        earlier
        and earlier["state"] == "done"
        and earlier["request_hash"] == transfer.request_hash()
    ):
        return dict(earlier["result"])
    return None


# What another domain writes in the same transaction as a movement (a payment order moving
# to SUCCEEDED, a refund recorded on it): called with the session and the entry's summary.
AlsoWrite = Callable[[AsyncClientSession, dict[str, Any]], Awaitable[None]]


async def transfer_money(
    transfer: Transfer, idempotency_key: str, also: AlsoWrite | None = None
) -> dict[str, Any]:
    """Moves money once per idempotency key; answers the same summary to every retry.
    `also` writes in the same transaction, or raises LedgerError to undo everything."""
    key = _key(transfer, idempotency_key)
    earlier = await replay(transfer, idempotency_key)
    if earlier is not None:
        return earlier
    _validate(transfer)
    kept = await _claim_key(key, transfer.request_hash())
    if kept is not None:
        return kept
    wallets, journal, events, records = _collections()

    async def body(session: AsyncClientSession) -> dict[str, Any]:
        if transfer.refund_of is not None:  # first: "more than remains" is the clearer answer
            await _mark_refunded(journal, transfer, session)
        payer_balance = await _debit(wallets, transfer, session)
        payee_balance = await _credit(wallets, transfer, session)
        entry = JournalEntry(
            currency=transfer.currency,
            kind=transfer.kind,
            legs=[
                {"account_id": transfer.from_account_id, "amount_cents": -transfer.amount_cents},
                {"account_id": transfer.to_account_id, "amount_cents": transfer.amount_cents},
            ],
            amount_cents=transfer.amount_cents,
            from_account_id=transfer.from_account_id,
            to_account_id=transfer.to_account_id,
            memo=transfer.memo,
            reason=transfer.reason,
            refund_of=transfer.refund_of,
            corrects=transfer.corrects,
            created_by_user_id=transfer.created_by_user_id,
        )
        document = entry.model_dump(by_alias=True, exclude={"id", "revision_id"})
        assert sum(leg["amount_cents"] for leg in document["legs"]) == 0  # double entry
        document["_id"] = ObjectId()
        await journal.insert_one(document, session=session)
        summary = entry_summary(document)
        for account_id, balance, direction in (
            (transfer.from_account_id, payer_balance, "out"),
            (transfer.to_account_id, payee_balance, "in"),
        ):
            await events.insert_one(
                {
                    "type": f"wallet.{transfer.kind.value.lower()}",
                    "account_ids": [account_id],
                    "data": {**summary, "direction": direction, "balance_cents": balance},
                    "created_at": clock.now(),
                },
                session=session,
            )
        if also is not None:
            await also(session, summary)
        done = await records.update_one(
            {"_id": key, "state": "in_progress"},
            {"$set": {"state": "done", "result": summary}},
            session=session,
        )
        if done.modified_count != 1:  # an earlier attempt committed after all
            raise _AlreadyDone()
        return summary

    try:
        summary = await in_transaction(body)
        metrics.LEDGER_MOVEMENTS.inc(transfer.currency, transfer.kind.value.lower())
        return summary
    except _AlreadyDone:
        record = await records.find_one({"_id": key})
        return record["result"]
    except LedgerError:
        await _release_key(key)
        raise
    except BaseException:
        await _release_key(key)  # nothing was written: the client may retry with the key
        raise


class _AlreadyDone(Exception):
    pass
