"""The sealer: after commit, one process at a time (a lease) gives each journal entry a
gap-free sequence number and its place in the SHA-256 chain, and signs checkpoints.

Sealing after commit keeps payments fast: no payment waits on a global lock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from server import clock
from server.currencies.models import Currency
from server.ledger.chain import GENESIS_HASH, chain_hash
from server.ledger.models import Checkpoint, JournalEntry, LedgerHead
from server.ledger.operations import in_transaction
from server.ledger.signing import checkpoint_message, sign
from server.reports import stats

log = logging.getLogger("rec.sealer")
BATCH_SIZE = 200
# While there is new activity, a checkpoint at least every 10 s (the issue asks a minute).
CHECKPOINT_INTERVAL = timedelta(seconds=10)


async def _seal_batch(currency: str) -> int:
    journal = JournalEntry.get_pymongo_collection()
    heads = LedgerHead.get_pymongo_collection()

    async def body(session: AsyncClientSession) -> int:
        head = await heads.find_one({"_id": currency}, session=session) or {
            "_id": currency,
            "sequence": 0,
            "hash": GENESIS_HASH,
        }
        pending = (
            journal.find({"currency": currency, "sequence": None}, session=session)
            .sort("_id", 1)
            .limit(BATCH_SIZE)
        )
        sequence, previous = head["sequence"], head["hash"]
        count = 0
        async for entry in pending:
            sequence += 1
            entry["sequence"] = sequence
            previous = chain_hash(previous, entry)
            await journal.update_one(
                {"_id": entry["_id"], "sequence": None},
                {"$set": {"sequence": sequence, "hash": previous}},
                session=session,
            )
            count += 1
        if count:
            # The head moves only from where this batch started: a second sealer conflicts.
            await heads.update_one(
                {"_id": currency, "sequence": head["sequence"]},
                {"$set": {"sequence": sequence, "hash": previous}},
                upsert=head["sequence"] == 0,
                session=session,
            )
        return count

    return int(await in_transaction(body))


async def seal_pending(currency: str) -> int:
    """Seals every entry of the currency committed so far; returns how many."""
    total = 0
    while True:
        sealed = await _seal_batch(currency)
        total += sealed
        if sealed < BATCH_SIZE:
            return total


async def checkpoint(currency: Currency, secret_key: str, force: bool = False) -> Checkpoint | None:
    """Signs the chain's head when it moved since the last checkpoint and the interval
    passed (or at once, forced)."""
    head = await LedgerHead.get(currency.code)
    if head is None or head.sequence == 0:
        return None
    last = (
        await Checkpoint.find(Checkpoint.currency == currency.code)
        .sort("-sequence")
        .first_or_none()
    )
    if last is not None:
        if last.sequence >= head.sequence:
            return None
        if not force and clock.now() - datetime.fromisoformat(last.signed_at) < CHECKPOINT_INTERVAL:
            return None
    signed_at = clock.now().isoformat(timespec="milliseconds")
    message = checkpoint_message(currency.code, head.sequence, head.hash, signed_at)
    signature = sign(currency.checkpoint_private_key_sealed, secret_key, message)
    return await Checkpoint(
        currency=currency.code,
        sequence=head.sequence,
        hash=head.hash,
        signed_at=signed_at,
        signature=signature,
        public_key=currency.checkpoint_public_key,
    ).insert()


async def run_once(secret_key: str) -> None:
    """One round of the sealer job: seal, then sign where due. Run by the holder of the
    `sealer` lease (server/jobs.py)."""
    for currency in await Currency.all():
        try:
            sealed = await seal_pending(currency.code)
            if sealed:
                log.info("sealed %d entries of %s", sealed, currency.code)
            await checkpoint(currency, secret_key)
        except Exception:  # one currency's trouble must not stop the others' sealing
            log.exception("sealing %s failed; it is tried again next round", currency.code)
        try:  # the dashboard's buckets follow the chain, in their own transactions
            await stats.advance(currency)
        except Exception:
            log.exception("counting %s for the figures failed; tried next round", currency.code)


async def latest_checkpoint(currency: str) -> Checkpoint | None:
    return await Checkpoint.find(Checkpoint.currency == currency).sort("-sequence").first_or_none()
