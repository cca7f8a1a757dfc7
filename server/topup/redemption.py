"""Redemptions (cash-outs): a business turns currency back into euros paid to its bank.

The steps, each one document-store transaction with its ledger movement (if any), the
redemption's new status and its event, then an audit line:

1. an owner of the business asks (`request_redemption`): the amount leaves the shop's
   wallet for the currency's holding account ("Redemptions held"), so it can be neither
   spent nor asked twice while a treasurer looks at it;
2. a treasurer approves (`approve_redemption`): the held amount is burned into the
   issuer, so the money in circulation shrinks by what the bank transfer will pay;
   or rejects with a reason (`reject_redemption`): the held amount goes back to the shop;
3. the treasurer, having made the bank transfer, records its reference (`record_payout`).

Every transition is an update conditional on the current status, inside the transaction
that moves the money, so two treasurers clicking at once move it once: the other gets
an error saying what the redemption has become.

Who may: the service checks it itself, because euros leave the system: only an owner of a
business account asks; only a treasurer or a superadmin decides (an `AdminGrant`), and
never on an account they belong to (as KYC officers). The API checks the same roles
first, and what only it can see (two-factor in force in the session).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from tortoise.exceptions import IntegrityError

from server import clock
from server.accounts import audit
from server.accounts.models import (
    Account,
    AccountKind,
    AdminGrant,
    AdminRole,
    MemberRole,
    Membership,
    User,
)
from server.accounts.services import create_account
from server.currencies.models import Currency
from server.events.models import Event
from server.ledger.errors import LedgerError
from server.ledger.models import EntryKind
from server.ledger.operations import (
    Transfer,
    check_amount,
    in_transaction,
    replay,
    transfer_money,
)
from server.ledger.services import balance_cents, open_wallet
from server.topup.redemption_models import Redemption, RedemptionStatus

HOLDER_NAME_MAX = 140
BANK_REFERENCE_MAX = 100
REASON_MAX = 500
IBAN_INPUT_MAX = 64  # an IBAN is 34 characters at most; room for spaces and dashes
IDEMPOTENCY_KEY_MAX = 255
PAGE_SIZE_MAX = 100
DECIDERS = (AdminRole.TREASURER, AdminRole.SUPERADMIN)
HOLDING_NAME = "Redemptions held"


# -- the holding account ---------------------------------------------------------------


def holding_handle(currency_code: str) -> str:
    """The holding account's handle. Handles derived from names are [a-z0-9-] only, so
    one with an underscore can never be taken by a person or a shop first."""
    return f"redemptions_held_{currency_code.lower()}"


async def holding_account(currency: Currency) -> Account:
    """The currency's "Redemptions held" account, created on first use.

    Its kind is ISSUER, the one kind `pay` refuses as payer and as recipient (and `issue`
    as recipient): nobody can pay into it nor out of it, it has no members and no tier
    limits. Its wallet is an ordinary one (`is_issuer` false), so it can never go below
    zero: it holds exactly what is waiting for a treasurer. Race-free: the handle is
    unique, so of two first uses one creates it and the other reads it.
    """
    handle = holding_handle(currency.code)
    account = await Account.get_or_none(handle=handle)
    if account is None:
        try:
            account = await create_account(
                AccountKind.ISSUER, f"{HOLDING_NAME} ({currency.code})", handle
            )
        except IntegrityError:  # a concurrent first use created it
            account = await Account.get(handle=handle)
        await open_wallet(account.id, currency.code)
    if account.kind != AccountKind.ISSUER:  # cannot happen: see holding_handle
        raise RuntimeError(f"the account @{handle} is not the redemption holding account")
    return account


# -- checks ------------------------------------------------------------------------------


def valid_iban(value: str) -> str:
    """The IBAN in compact form (upper case, no spaces), checked by python-stdnum: the
    country's length and format and the check digits. Never a regex of our own."""
    if len(value) > IBAN_INPUT_MAX:
        raise LedgerError("INVALID_INPUT", "iban", "too long for an IBAN")
    try:
        return str(stdnum_iban.validate(stdnum_iban.compact(value)))
    except InvalidChecksum:
        raise LedgerError(
            "INVALID_INPUT", "iban", "the IBAN's check digits do not match: look for a typo"
        ) from None
    except InvalidComponent:
        raise LedgerError("INVALID_INPUT", "iban", "the IBAN's country is unknown") from None
    except ValidationError:
        raise LedgerError(
            "INVALID_INPUT",
            "iban",
            "not an IBAN of its country: wrong length, or letters where digits go",
        ) from None


def _text(value: str, field: str, length_max: int) -> str:
    """The value with runs of spaces as one; 1 to length_max characters."""
    text = " ".join(value.split())
    if not 1 <= len(text) <= length_max:
        raise LedgerError("INVALID_INPUT", field, f"use 1 to {length_max} characters")
    return text


def _object_id(redemption_id: str) -> ObjectId | None:
    try:
        return ObjectId(redemption_id)
    except (InvalidId, TypeError):
        return None


def _request_hash(
    account_id: int, currency: str, amount_cents: int, iban: str, holder_name: str
) -> str:
    """What identifies a request behind its idempotency key: same key, same request."""
    fields = {
        "account": account_id,
        "currency": currency,
        "amount": amount_cents,
        "iban": iban,
        "holder": holder_name,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _same_request(earlier: Redemption, request_hash: str) -> Redemption:
    if earlier.request_hash != request_hash:
        raise LedgerError(
            "IDEMPOTENCY_KEY_REUSED",
            "idempotencyKey",
            "this key was used for a different redemption",
        )
    return earlier


VERBS = {
    RedemptionStatus.REQUESTED: "approved or rejected",
    RedemptionStatus.APPROVED: "marked as paid",
}


def _wrong_status(current: RedemptionStatus | str, expected: RedemptionStatus) -> LedgerError:
    return LedgerError(
        "INVALID_INPUT",
        "id",
        f"this redemption is {current}: only a {expected} one can be {VERBS[expected]}",
    )


async def _check_treasurer(treasurer: User) -> None:
    """A treasurer or a superadmin: checked first, before anything is read or checked."""
    if not await AdminGrant.exists(user=treasurer, role__in=list(DECIDERS)):
        raise LedgerError("FORBIDDEN", "id", "only treasurers decide on redemptions")


async def _decidable(treasurer: User, redemption_id: str, expected: RedemptionStatus) -> Redemption:
    """The redemption, once the treasurer may decide on it and it is in that status (read
    before the transaction, which checks the status again). Nobody decides on an account
    they belong to, as KYC officers do not: a treasurer who owns a shop does not approve
    its cash-out."""
    object_id = _object_id(redemption_id)
    redemption = await Redemption.get(object_id) if object_id else None
    if redemption is None:
        raise LedgerError("NOT_FOUND", "id", "no such redemption")
    if await Membership.exists(user=treasurer, account_id=redemption.account_id):
        raise LedgerError(
            "FORBIDDEN", "id", "treasurers do not decide on their own accounts' redemptions"
        )
    if redemption.status != expected:
        raise _wrong_status(redemption.status, expected)
    return redemption


# -- writes in the ledger's transaction --------------------------------------------------


async def _event(session: AsyncClientSession, document: dict[str, Any], kind: str) -> None:
    """`redemption.<step>` for the shop's account, in the step's transaction."""
    await Event.get_pymongo_collection().insert_one(
        {
            "type": kind,
            "account_ids": [document["account_id"]],
            "data": {
                "redemptionId": str(document["_id"]),
                "status": str(document["status"]),
                "amount_cents": document["amount_cents"],
                "currency": document["currency"],
            },
            "created_at": clock.now(),
        },
        session=session,
    )


async def _transition(
    session: AsyncClientSession,
    redemption_id: ObjectId,
    expected: RedemptionStatus,
    changes: dict[str, Any],
    event: str,
) -> None:
    """Moves the redemption on only if it is still in the expected status, with its
    event; otherwise raises, which undoes the whole transaction (the money too)."""
    collection = Redemption.get_pymongo_collection()
    # update_one by _id, then a read: the embedded server scans for find_one_and_update.
    changed = await collection.update_one(
        {"_id": redemption_id, "status": expected.value}, {"$set": changes}, session=session
    )
    document = await collection.find_one({"_id": redemption_id}, session=session)
    if changed.modified_count != 1:
        raise _wrong_status(document["status"] if document else "gone", expected)
    assert document is not None
    await _event(session, document, event)


async def _fetch(redemption_id: Any) -> Redemption:
    redemption = await Redemption.get(redemption_id)
    assert redemption is not None  # redemptions are never deleted
    return redemption


# -- the steps ---------------------------------------------------------------------------


async def request_redemption(
    user: User,
    account: Account,
    currency: Currency,
    amount_cents: int,
    iban: str,
    holder_name: str,
    idempotency_key: str,
) -> Redemption:
    """Asks for the amount to be paid to the IBAN, holding it out of the wallet until a
    treasurer decides. The same key with the same request answers the same redemption
    (and holds nothing more); with another request, IDEMPOTENCY_KEY_REUSED."""
    if account.kind != AccountKind.BUSINESS:
        raise LedgerError("INVALID_INPUT", "accountId", "only business accounts cash out")
    if not await Membership.exists(user=user, account=account, role=MemberRole.OWNER):
        raise LedgerError("FORBIDDEN", "accountId", "only the account's owners cash out")
    if not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise LedgerError("INVALID_INPUT", "idempotencyKey", "1 to 255 characters")
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool):
        raise LedgerError("INVALID_AMOUNT", "amount", "a whole number of minor units")
    check_amount(amount_cents)
    compact_iban = valid_iban(iban)
    holder = _text(holder_name, "holderName", HOLDER_NAME_MAX)
    request_hash = _request_hash(account.id, currency.code, amount_cents, compact_iban, holder)

    async def earlier() -> Redemption | None:
        return await Redemption.find_one(
            {"account_id": account.id, "idempotency_key": idempotency_key}
        )

    found = await earlier()
    if found is not None:  # a retry: answered whatever the balance is now
        return _same_request(found, request_hash)
    # Checked again, atomically, by the ledger; read here so that a request for more than
    # the wallet holds creates nothing, not even the holding account.
    if amount_cents > await balance_cents(account.id, currency.code):
        raise LedgerError("INSUFFICIENT_FUNDS", "amount", "more than the wallet holds")
    holding = await holding_account(currency)
    document = Redemption(
        account_id=account.id,
        currency=currency.code,
        amount_cents=amount_cents,
        iban=compact_iban,
        holder_name=holder,
        requested_by_user_id=user.id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    ).model_dump(by_alias=True, exclude={"id", "revision_id"})
    document["_id"] = ObjectId()

    async def hold(session: AsyncClientSession, summary: dict[str, Any]) -> None:
        document["hold_entry_id"] = summary["entry_id"]
        await Redemption.get_pymongo_collection().insert_one(document, session=session)
        await _event(session, document, "redemption.requested")

    transfer = Transfer(
        kind=EntryKind.REDEMPTION,
        currency=currency.code,
        from_account_id=account.id,
        to_account_id=holding.id,
        amount_cents=amount_cents,
        reason="cash-out requested: held until a treasurer decides",
        created_by_user_id=user.id,
    )
    # The ledger's key is scoped by kind and payer; hashed to stay within its 255.
    ledger_key = "hold:" + hashlib.sha256(idempotency_key.encode()).hexdigest()
    try:
        await transfer_money(transfer, ledger_key, also=hold)
    except (LedgerError, DuplicateKeyError):
        # The same key at the same time (in progress, or committed first), or our own
        # commit that went through before a retry of it: the redemption says which.
        if await earlier() is None:
            raise
    created = await earlier()
    assert created is not None  # the hold and the redemption commit together
    if created.id != document["_id"]:  # another call with this key made it
        return _same_request(created, request_hash)
    await audit.record(
        user,
        "redemption.request",
        "redemption",
        created.id,
        after={
            "status": created.status.value,
            "account_id": account.id,
            "amount_cents": amount_cents,
            "currency": currency.code,
            "iban": compact_iban,
            "holder_name": holder,
            "hold_entry_id": created.hold_entry_id,
        },
    )
    return created


async def _release_or_burn(
    treasurer: User, redemption_id: str, approve: bool, reason: str = ""
) -> Redemption:
    """Moves the held amount once: to the issuer (approve) or back to the shop (reject),
    in one transaction with the status change from REQUESTED."""
    redemption = await _decidable(treasurer, redemption_id, RedemptionStatus.REQUESTED)
    object_id = redemption.id
    assert object_id is not None
    currency = await Currency.get(code=redemption.currency)
    holding = await holding_account(currency)
    if approve:
        to_account_id: int = currency.issuer_account_id  # type: ignore[attr-defined]
        status, entry_field, event = RedemptionStatus.APPROVED, "burn_entry_id", "approved"
        entry_reason = f"cash-out {object_id} approved: burned"
    else:
        to_account_id = redemption.account_id
        status, entry_field, event = RedemptionStatus.REJECTED, "release_entry_id", "rejected"
        entry_reason = reason
    transfer = Transfer(
        kind=EntryKind.REDEMPTION,
        currency=redemption.currency,
        from_account_id=holding.id,
        to_account_id=to_account_id,
        amount_cents=redemption.amount_cents,
        reason=entry_reason,
        created_by_user_id=treasurer.id,
    )
    # A key of this call alone: what makes the money move once is the status condition,
    # and a second click must hear "already decided", not get the first answer replayed.
    ledger_key = f"{event}:{object_id}:{uuid.uuid4().hex}"

    async def decide(session: AsyncClientSession, summary: dict[str, Any]) -> None:
        changes = {
            "status": status.value,
            entry_field: summary["entry_id"],
            "decided_by_user_id": treasurer.id,
            "decided_at": clock.now(),
            "reason": reason,
        }
        await _transition(
            session, object_id, RedemptionStatus.REQUESTED, changes, f"redemption.{event}"
        )

    try:
        summary = await transfer_money(transfer, ledger_key, also=decide)
    except LedgerError as error:
        done = await replay(transfer, ledger_key)  # our commit went through before a retry
        if done is None:
            current = await _fetch(object_id)
            if current.status != RedemptionStatus.REQUESTED:  # decided meanwhile
                raise _wrong_status(current.status, RedemptionStatus.REQUESTED) from error
            raise
        summary = done
    await audit.record(
        treasurer,
        f"redemption.{'approve' if approve else 'reject'}",
        "redemption",
        object_id,
        before={"status": RedemptionStatus.REQUESTED.value},
        after={"status": status.value, entry_field: summary["entry_id"]},
        reason=reason,
    )
    return await _fetch(object_id)


async def approve_redemption(treasurer: User, redemption_id: str) -> Redemption:
    """Burns the held amount into the issuer: the bank transfer is now owed. Only while
    REQUESTED; of two approvals at once, one burns and the other is refused."""
    await _check_treasurer(treasurer)
    return await _release_or_burn(treasurer, redemption_id, approve=True)


async def reject_redemption(treasurer: User, redemption_id: str, reason: str) -> Redemption:
    """Gives the held amount back to the shop's wallet, saying why. Only while REQUESTED."""
    await _check_treasurer(treasurer)
    text = _text(reason, "reason", REASON_MAX)
    return await _release_or_burn(treasurer, redemption_id, approve=False, reason=text)


async def record_payout(treasurer: User, redemption_id: str, bank_reference: str) -> Redemption:
    """Records the bank transfer that paid an approved redemption. No money moves here:
    it was burned at approval."""
    await _check_treasurer(treasurer)
    reference = _text(bank_reference, "bankReference", BANK_REFERENCE_MAX)
    redemption = await _decidable(treasurer, redemption_id, RedemptionStatus.APPROVED)
    object_id = redemption.id
    assert object_id is not None

    async def body(session: AsyncClientSession) -> None:
        changes = {
            "status": RedemptionStatus.PAID.value,
            "bank_reference": reference,
            "paid_at": clock.now(),
            "paid_by_user_id": treasurer.id,
        }
        await _transition(session, object_id, RedemptionStatus.APPROVED, changes, "redemption.paid")

    await in_transaction(body)
    await audit.record(
        treasurer,
        "redemption.pay",
        "redemption",
        object_id,
        before={"status": RedemptionStatus.APPROVED.value},
        after={"status": RedemptionStatus.PAID.value, "bank_reference": reference},
    )
    return await _fetch(object_id)


# -- reading -----------------------------------------------------------------------------


async def get_redemption(redemption_id: str) -> Redemption | None:
    return (await redemptions_by_ids([redemption_id])).get(redemption_id)


async def redemptions_by_ids(redemption_ids: Iterable[str]) -> dict[str, Redemption]:
    """The redemptions with these ids, by the id as given, in one query; ids that are not
    a redemption's are left out."""
    wanted = {given: oid for given in redemption_ids if (oid := _object_id(given))}
    if not wanted:
        return {}
    rows = await Redemption.find({"_id": {"$in": list(set(wanted.values()))}}).to_list()
    by_id = {str(row.id): row for row in rows}
    return {given: by_id[str(oid)] for given, oid in wanted.items() if str(oid) in by_id}


def _cursor(after: str) -> ObjectId:
    object_id = _object_id(after)
    if object_id is None:
        raise LedgerError("INVALID_INPUT", "after", "not a cursor of this list")
    return object_id


async def redemptions(
    status: RedemptionStatus | None,
    first: int,
    after: str | None = None,
    currencies: Iterable[str] | None = None,
) -> tuple[list[Redemption], bool]:
    """All redemptions, or those in one status, of every currency or of those named, oldest
    first (the treasurers' queue is worked from its oldest), and whether more follow."""
    query: dict[str, Any] = {}
    if currencies is not None:
        query["currency"] = {"$in": sorted(set(currencies))}
    if status is not None:
        query["status"] = status.value
    if after:
        query["_id"] = {"$gt": _cursor(after)}
    limit = max(1, min(first, PAGE_SIZE_MAX))
    rows = await Redemption.find(query).sort("+_id").limit(limit + 1).to_list()
    return rows[:limit], len(rows) > limit


async def redemptions_of(
    account_id: int, first: int, after: str | None = None
) -> tuple[list[Redemption], bool]:
    """One account's redemptions, newest first, and whether more follow."""
    query: dict[str, Any] = {"account_id": account_id}
    if after:
        query["_id"] = {"$lt": _cursor(after)}
    limit = max(1, min(first, PAGE_SIZE_MAX))
    rows = await Redemption.find(query).sort("-_id").limit(limit + 1).to_list()
    return rows[:limit], len(rows) > limit
