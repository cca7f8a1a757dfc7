"""Adjustments: an administrator's correction of an account's balance, as a new journal
entry of kind ADJUSTMENT between the account and the currency's issuer (CREDIT: issuer ->
account; DEBIT: account -> issuer), with a reason and, optionally, the entry it corrects.

The steps, each audited:

1. a superadmin or treasurer asks (`request_adjustment`, with an idempotency key). At or
   below the currency's approval threshold (`Currency.adjustment_approval_cents`, 100.00 by
   default) the entry is written at once, in the same transaction as the request's record
   (status APPLIED). Above it, the request is kept as PENDING and no money moves.
2. ANOTHER superadmin or treasurer approves (`approve_adjustment`): the entry is written in
   one transaction with the change from PENDING to APPLIED, conditional on PENDING, so
   approvals at once (or twice) apply it once; an approval of an APPLIED adjustment answers
   it as it is. Or rejects it with a reason (`reject_adjustment`): nothing moves.
3. A DEBIT the account cannot pay when it is applied is refused with INSUFFICIENT_FUNDS:
   asked at or below the threshold, nothing is kept; on approval, the adjustment stays
   PENDING (the refused attempt is audited), to be approved later or rejected.

Tier limits (maximum balance) do not apply: an adjustment corrects what the ledger says.
Nobody asks for or decides on an adjustment of an account they belong to.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from beanie import Document
from bson import ObjectId
from bson.errors import InvalidId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from server import clock
from server.accounts import audit
from server.accounts.models import Account, AccountKind, AdminGrant, AdminRole, Membership, User
from server.currencies.models import Currency
from server.ledger.errors import LedgerError
from server.ledger.models import EntryKind, JournalEntry
from server.ledger.operations import Transfer, check_amount, transfer_money

DEFAULT_APPROVAL_CENTS = 10_000  # 100.00 in a two-decimal currency
REASON_MAX = 500
IDEMPOTENCY_KEY_MAX = 255
PAGE_SIZE_MAX = 100
DECIDERS = (AdminRole.SUPERADMIN, AdminRole.TREASURER)
THRESHOLD_CENTS_MAX = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


class Direction(StrEnum):
    CREDIT = "CREDIT"  # issuer -> account
    DEBIT = "DEBIT"  # account -> issuer


class AdjustmentStatus(StrEnum):
    PENDING = "PENDING"  # above the threshold: waiting for a second administrator
    APPLIED = "APPLIED"  # the journal entry is written (transaction_id)
    REJECTED = "REJECTED"  # a second administrator said no (decision_reason)


class AdjustmentRequest(Document):
    currency: str
    account_id: int
    direction: Direction
    amount_cents: int
    reason: str
    corrects: str | None = None  # the journal entry corrected (its _id as a string)
    status: AdjustmentStatus = AdjustmentStatus.PENDING
    requested_by_user_id: int
    idempotency_key: str  # unique per requester: a retry answers the same adjustment
    request_hash: str
    transaction_id: str | None = None  # the ADJUSTMENT journal entry, once APPLIED
    decided_by_user_id: int | None = None  # the approver or rejecter; None when at once
    decision_reason: str = ""
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "adjustments"
        indexes = [
            IndexModel(
                [("requested_by_user_id", ASCENDING), ("idempotency_key", ASCENDING)],
                unique=True,
            ),
            IndexModel([("currency", ASCENDING), ("status", ASCENDING), ("_id", DESCENDING)]),
        ]


# -- checks ------------------------------------------------------------------------------


async def _check_admin(admin: User, field: str) -> None:
    """A superadmin or a treasurer (checked again here: the API checks it first)."""
    if not await AdminGrant.exists(user=admin, role__in=list(DECIDERS)):
        raise LedgerError("FORBIDDEN", field, "only superadmins and treasurers adjust balances")


def _text(value: str, field: str, length_max: int = REASON_MAX) -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= length_max:
        raise LedgerError("INVALID_INPUT", field, f"say why in 1 to {length_max} characters")
    return text


def _object_id(value: str | None) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def _request_hash(
    account_id: int,
    currency: str,
    direction: Direction,
    amount_cents: int,
    reason: str,
    corrects: str | None,
) -> str:
    fields = {
        "account": account_id,
        "currency": currency,
        "direction": direction.value,
        "amount": amount_cents,
        "reason": reason,
        "corrects": corrects or "",
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _same_request(earlier: AdjustmentRequest, request_hash: str) -> AdjustmentRequest:
    if earlier.request_hash != request_hash:
        raise LedgerError(
            "IDEMPOTENCY_KEY_REUSED", "idempotencyKey", "this key was used for a different request"
        )
    return earlier


def threshold_cents(currency: Currency) -> int:
    """Adjustments above this many minor units wait for a second administrator."""
    value = getattr(currency, "adjustment_approval_cents", None)
    return DEFAULT_APPROVAL_CENTS if value is None else int(value)


def _transfer(adjustment: AdjustmentRequest | dict[str, Any], currency: Currency) -> Transfer:
    row = adjustment if isinstance(adjustment, dict) else adjustment.model_dump()
    issuer: int = currency.issuer_account_id  # type: ignore[attr-defined]
    credit = Direction(row["direction"]) == Direction.CREDIT
    return Transfer(
        kind=EntryKind.ADJUSTMENT,
        currency=currency.code,
        from_account_id=issuer if credit else row["account_id"],
        to_account_id=row["account_id"] if credit else issuer,
        amount_cents=row["amount_cents"],
        reason=row["reason"],
        corrects=_object_id(row["corrects"]) if row["corrects"] else None,
        created_by_user_id=row["requested_by_user_id"],
    )


def _summary(adjustment: AdjustmentRequest) -> dict[str, Any]:
    return {
        "status": adjustment.status.value,
        "account_id": adjustment.account_id,
        "currency": adjustment.currency,
        "direction": adjustment.direction.value,
        "amount_cents": adjustment.amount_cents,
        "corrects": adjustment.corrects,
        "transaction_id": adjustment.transaction_id,
    }


async def _fetch(adjustment_id: Any) -> AdjustmentRequest:
    found = await AdjustmentRequest.get(adjustment_id)
    assert found is not None  # adjustments are never deleted
    return found


# -- the steps ---------------------------------------------------------------------------


async def request_adjustment(
    admin: User,
    account: Account,
    currency: Currency,
    direction: Direction,
    amount_cents: int,
    reason: str,
    corrects: str | None,
    idempotency_key: str,
) -> AdjustmentRequest:
    """Asks for an adjustment: applied at once at or below the currency's threshold,
    PENDING above it. The same key with the same request answers the same adjustment; with
    another request, IDEMPOTENCY_KEY_REUSED."""
    await _check_admin(admin, "accountId")
    if not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise LedgerError("INVALID_INPUT", "idempotencyKey", "1 to 255 characters")
    check_amount(amount_cents)
    if account.kind == AccountKind.ISSUER:
        raise LedgerError(
            "INVALID_INPUT", "accountId", "the issuer's own accounts are not adjusted"
        )
    if await Membership.exists(user=admin, account=account):
        raise LedgerError(
            "FORBIDDEN", "accountId", "administrators do not adjust accounts they belong to"
        )
    text = _text(reason, "reason")
    corrected: str | None = None
    if corrects:
        object_id = _object_id(corrects)
        entry = await JournalEntry.get(object_id) if object_id else None
        if entry is None or entry.currency != currency.code:
            raise LedgerError("NOT_FOUND", "corrects", "no such journal entry in this currency")
        corrected = str(entry.id)
    request_hash = _request_hash(
        account.id, currency.code, direction, amount_cents, text, corrected
    )

    async def earlier() -> AdjustmentRequest | None:
        return await AdjustmentRequest.find_one(
            {"requested_by_user_id": admin.id, "idempotency_key": idempotency_key}
        )

    found = await earlier()
    if found is not None:
        return _same_request(found, request_hash)
    at_once = amount_cents <= threshold_cents(currency)
    document = AdjustmentRequest(
        currency=currency.code,
        account_id=account.id,
        direction=direction,
        amount_cents=amount_cents,
        reason=text,
        corrects=corrected,
        requested_by_user_id=admin.id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    ).model_dump(by_alias=True, exclude={"id", "revision_id"})
    document["_id"] = ObjectId()
    collection = AdjustmentRequest.get_pymongo_collection()
    if at_once:

        async def record(session: AsyncClientSession, summary: dict[str, Any]) -> None:
            document["status"] = AdjustmentStatus.APPLIED.value
            document["transaction_id"] = summary["entry_id"]
            document["decided_at"] = clock.now()
            await collection.insert_one(document, session=session)

        # The ledger's key is scoped by kind and payer; hashed to stay within its 255.
        digest = hashlib.sha256(f"{admin.id}:{idempotency_key}".encode()).hexdigest()
        try:
            await transfer_money(_transfer(document, currency), f"adjust:{digest}", also=record)
        except (LedgerError, DuplicateKeyError):
            # The same key at the same time: the adjustment, if one was made, says which.
            if await earlier() is None:
                raise
    else:
        try:
            await collection.insert_one(document)
        except DuplicateKeyError:  # the same key at the same time
            pass
    created = await earlier()
    assert created is not None
    if created.id != document["_id"]:  # another call with this key made it
        return _same_request(created, request_hash)
    await audit.record(
        admin,
        "ledger.adjustment.apply" if at_once else "ledger.adjustment.request",
        "adjustment",
        created.id,
        after=_summary(created) | {"threshold_cents": threshold_cents(currency)},
        reason=text,
    )
    return created


async def _decidable(admin: User, adjustment_id: str) -> AdjustmentRequest:
    await _check_admin(admin, "id")
    object_id = _object_id(adjustment_id)
    adjustment = await AdjustmentRequest.get(object_id) if object_id else None
    if adjustment is None:
        raise LedgerError("NOT_FOUND", "id", "no such adjustment")
    if adjustment.requested_by_user_id == admin.id:
        raise LedgerError(
            "FORBIDDEN", "id", "another administrator must decide on an adjustment you asked for"
        )
    if await Membership.exists(user=admin, account_id=adjustment.account_id):
        raise LedgerError(
            "FORBIDDEN", "id", "administrators do not decide on accounts they belong to"
        )
    return adjustment


def _already(adjustment: AdjustmentRequest) -> LedgerError:
    return LedgerError(
        "INVALID_INPUT",
        "id",
        f"this adjustment is {adjustment.status.value}: only a PENDING one can be decided",
    )


async def approve_adjustment(admin: User, adjustment_id: str) -> AdjustmentRequest:
    """Applies a PENDING adjustment, once: the entry and the change to APPLIED commit
    together, conditional on PENDING. An APPLIED one is answered as it is."""
    adjustment = await _decidable(admin, adjustment_id)
    if adjustment.status == AdjustmentStatus.APPLIED:
        return adjustment
    if adjustment.status != AdjustmentStatus.PENDING:
        raise _already(adjustment)
    object_id = adjustment.id
    currency = await Currency.get(code=adjustment.currency)
    collection = AdjustmentRequest.get_pymongo_collection()

    async def decide(session: AsyncClientSession, summary: dict[str, Any]) -> None:
        changed = await collection.update_one(
            {"_id": object_id, "status": AdjustmentStatus.PENDING.value},
            {
                "$set": {
                    "status": AdjustmentStatus.APPLIED.value,
                    "transaction_id": summary["entry_id"],
                    "decided_by_user_id": admin.id,
                    "decided_at": clock.now(),
                }
            },
            session=session,
        )
        if changed.modified_count != 1:  # decided meanwhile: undo the entry
            raise LedgerError("INVALID_INPUT", "id", "this adjustment was decided meanwhile")

    # A key of this call alone: what makes the money move once is the status condition.
    ledger_key = f"approve:{object_id}:{uuid.uuid4().hex}"
    try:
        await transfer_money(_transfer(adjustment, currency), ledger_key, also=decide)
    except LedgerError as problem:
        current = await _fetch(object_id)
        if current.status == AdjustmentStatus.APPLIED:  # another approval applied it
            return current
        if current.status != AdjustmentStatus.PENDING:
            raise _already(current) from problem
        await audit.record(
            admin,
            "ledger.adjustment.approve_refused",
            "adjustment",
            object_id,
            before=_summary(current),
            after={"error": problem.code, "message": problem.message},
        )
        raise
    applied = await _fetch(object_id)
    await audit.record(
        admin,
        "ledger.adjustment.approve",
        "adjustment",
        object_id,
        before={"status": AdjustmentStatus.PENDING.value},
        after=_summary(applied),
        reason=applied.reason,
    )
    return applied


async def reject_adjustment(admin: User, adjustment_id: str, reason: str) -> AdjustmentRequest:
    """Refuses a PENDING adjustment, saying why; no money moves."""
    adjustment = await _decidable(admin, adjustment_id)
    text = _text(reason, "reason")
    if adjustment.status != AdjustmentStatus.PENDING:
        raise _already(adjustment)
    changed = await AdjustmentRequest.get_pymongo_collection().update_one(
        {"_id": adjustment.id, "status": AdjustmentStatus.PENDING.value},
        {
            "$set": {
                "status": AdjustmentStatus.REJECTED.value,
                "decided_by_user_id": admin.id,
                "decision_reason": text,
                "decided_at": clock.now(),
            }
        },
    )
    current = await _fetch(adjustment.id)
    if changed.modified_count != 1:
        raise _already(current)
    await audit.record(
        admin,
        "ledger.adjustment.reject",
        "adjustment",
        adjustment.id,
        before={"status": AdjustmentStatus.PENDING.value},
        after=_summary(current),
        reason=text,
    )
    return current


async def set_threshold(admin: User, currency: Currency, amount_cents: int, reason: str) -> None:
    """Sets the amount above which adjustments in that currency wait for a second
    administrator; superadmins only; audited. Zero: every adjustment waits."""
    if not await AdminGrant.exists(user=admin, role=AdminRole.SUPERADMIN):
        raise LedgerError("FORBIDDEN", "currency", "only superadmins set the threshold")
    if not 0 <= amount_cents <= THRESHOLD_CENTS_MAX:
        raise LedgerError("INVALID_AMOUNT", "amount", "zero or a positive amount")
    text = _text(reason, "reason")
    before = threshold_cents(currency)
    currency.adjustment_approval_cents = amount_cents  # type: ignore[attr-defined]
    await currency.save(update_fields=["adjustment_approval_cents"])
    await audit.record(
        admin,
        "currency.adjustment_threshold",
        "currency",
        currency.code,
        before={"adjustment_approval_cents": before},
        after={"adjustment_approval_cents": amount_cents},
        reason=text,
    )


# -- reading -----------------------------------------------------------------------------


async def adjustments_by_ids(adjustment_ids: Iterable[str]) -> dict[str, AdjustmentRequest]:
    """The adjustments with these ids, by the id as given; others are left out."""
    wanted = {given: oid for given in adjustment_ids if (oid := _object_id(given))}
    if not wanted:
        return {}
    rows = await AdjustmentRequest.find({"_id": {"$in": list(set(wanted.values()))}}).to_list()
    by_id = {str(row.id): row for row in rows}
    return {given: by_id[str(oid)] for given, oid in wanted.items() if str(oid) in by_id}


async def adjustments(
    currency: str | None,
    status: AdjustmentStatus | None,
    first: int,
    after: str | None = None,
) -> tuple[list[AdjustmentRequest], bool]:
    """Adjustments, newest first, in a currency and a status if given; and whether more
    follow."""
    query: dict[str, Any] = {}
    if currency is not None:
        query["currency"] = currency
    if status is not None:
        query["status"] = status.value
    if after:
        cursor = _object_id(after)
        if cursor is None:
            raise LedgerError("INVALID_INPUT", "after", "not a cursor of this list")
        query["_id"] = {"$lt": cursor}
    limit = max(1, min(first, PAGE_SIZE_MAX))
    rows = await AdjustmentRequest.find(query).sort("-_id").limit(limit + 1).to_list()
    return rows[:limit], len(rows) > limit


DOCUMENT_MODELS: list[type[Document]] = [AdjustmentRequest]
