"""Top-ups: a person pays euros by card and the same amount of currency is minted into
their wallet, only once the payment provider's signed word says the card was charged.

The browser's return from the provider's page proves nothing and changes nothing. A
notification is verified, then applied once: the mint is a ledger movement whose
idempotency key is the top-up's, written in one transaction with the top-up's new status
and its event, so a replayed or concurrent notification mints nothing more. Every
notification received is kept (`ProviderNotice`) with what was made of it. A top-up whose
notification never comes is asked about (`reconcile_round`), and expires after a day if
the provider knows of no charge.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import string
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from server import clock
from server.accounts.models import Account, AccountKind, MemberRole, User
from server.currencies.models import Currency
from server.events.models import Event
from server.ledger import services as ledger
from server.ledger.errors import LedgerError
from server.ledger.operations import check_amount
from server.topup.models import ProviderNotice, TopUp, TopUpStatus
from server.topup.providers import (
    Checkout,
    NotificationRejected,
    Outcome,
    PaymentProvider,
    PaymentState,
    ProviderUnavailable,
)

log = logging.getLogger("rec.topup")
CHECK_AFTER = timedelta(minutes=2)  # a notification normally comes within seconds
CHECK_EVERY = timedelta(minutes=1)  # how often one pending top-up is asked about
EXPIRE_AFTER = timedelta(days=1)
RECONCILE_BATCH = 50
NOTICE_VALUE_MAX = 2000  # characters of each received field kept in the notice log
_REFERENCE_TAIL = string.ascii_uppercase + string.digits


def _reference() -> str:
    """A provider order number: 4 digits, then 8 letters or digits (Redsys' format)."""
    head = "".join(secrets.choice(string.digits) for _ in range(4))
    return head + "".join(secrets.choice(_REFERENCE_TAIL) for _ in range(8))


def euro_cents(amount_cents: int, decimals: int) -> int:
    """What the card is charged: one unit of currency is one euro."""
    if decimals <= 2:
        return amount_cents * 10 ** (2 - decimals)
    factor = 10 ** (decimals - 2)
    if amount_cents % factor:
        raise LedgerError("INVALID_AMOUNT", "amount", "a card is charged in whole euro cents")
    return amount_cents // factor


async def _check_limits(account: Account, currency: Currency, amount_cents: int) -> None:
    tier = await ledger.tier_of(account, currency)
    if tier is None or not tier.can_send:
        raise LedgerError("KYC_REQUIRED", "amount", "verify your identity before buying currency")
    if tier.per_payment_cents is not None and amount_cents > tier.per_payment_cents:
        raise LedgerError("LIMIT_EXCEEDED", "amount", "more than your tier allows at once")
    if tier.max_balance_cents is not None:
        balance = await ledger.balance_cents(account.id, currency.code)
        if balance + amount_cents > tier.max_balance_cents:
            raise LedgerError(
                "LIMIT_EXCEEDED", "amount", "your wallet cannot hold that much for your tier"
            )


def _request_hash(account_id: int, currency: str, amount_cents: int) -> str:
    fields = {"account": account_id, "currency": currency, "amount": amount_cents}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


async def start_top_up(
    user: User,
    account: Account,
    role: MemberRole | None,
    currency: Currency,
    amount_cents: int,
    idempotency_key: str,
    *,
    provider: PaymentProvider,
    minimum_cents: int,
) -> TopUp:
    """A pending top-up of the account's wallet; the browser then goes to the provider.
    The same key with the same request answers the same top-up."""
    if account.kind == AccountKind.ISSUER or role not in (MemberRole.HOLDER, MemberRole.OWNER):
        raise LedgerError("FORBIDDEN", None, "only the account's holder or owners buy for it")
    if not 1 <= len(idempotency_key) <= 255:
        raise LedgerError("INVALID_INPUT", "idempotencyKey", "1 to 255 characters")
    check_amount(amount_cents)
    if amount_cents < minimum_cents:
        units, rest = divmod(minimum_cents, 10**currency.decimals)
        shown = f"{units}.{rest:0{currency.decimals}d}" if currency.decimals else str(units)
        raise LedgerError("INVALID_AMOUNT", "amount", f"the smallest top-up is {shown}")
    charged = euro_cents(amount_cents, currency.decimals)
    request_hash = _request_hash(account.id, currency.code, amount_cents)
    earlier = await TopUp.find_one({"user_id": user.id, "idempotency_key": idempotency_key})
    if earlier is not None:
        return _same_request(earlier, request_hash)
    await _check_limits(account, currency, amount_cents)
    top_up = TopUp(
        reference=_reference(),
        provider=provider.name,
        account_id=account.id,
        user_id=user.id,
        currency=currency.code,
        amount_cents=amount_cents,
        euro_cents=charged,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    try:
        await top_up.insert()
    except DuplicateKeyError:  # the same key at the same moment: one of them is kept
        earlier = await TopUp.find_one({"user_id": user.id, "idempotency_key": idempotency_key})
        if earlier is None:
            raise
        return _same_request(earlier, request_hash)
    await _event(None, top_up, TopUpStatus.PENDING)
    return top_up


def _same_request(earlier: TopUp, request_hash: str) -> TopUp:
    if earlier.request_hash != request_hash:
        raise LedgerError(
            "IDEMPOTENCY_KEY_REUSED", "idempotencyKey", "this key was used for a different top-up"
        )
    return earlier


def checkout_of(top_up: TopUp, provider: PaymentProvider, base_url: str) -> Checkout:
    """The provider's form for a pending top-up; the browser returns to the wallet."""
    back = f"{base_url}/wallet/{top_up.currency.lower()}/top-up/{top_up.id}"
    return provider.start(
        reference=top_up.reference,
        amount_cents=top_up.euro_cents,
        currency="EUR",
        description=f"{top_up.currency} top-up",
        notify_url=f"{base_url}/topup/notify/{provider.name}",
        ok_url=back,
        ko_url=back,
    )


async def get_top_up(top_up_id: str) -> TopUp | None:
    try:
        return await TopUp.get(ObjectId(top_up_id))
    except (InvalidId, TypeError):
        return None


async def top_ups_of(
    account_id: int, first: int, after: str | None = None
) -> tuple[list[TopUp], bool]:
    """The account's top-ups, newest first, and whether more follow."""
    query: dict[str, Any] = {"account_id": account_id}
    if after is not None:
        try:
            query["_id"] = {"$lt": ObjectId(after)}
        except (InvalidId, TypeError):
            raise LedgerError("INVALID_INPUT", "after", "not a cursor of this list") from None
    rows = await TopUp.find(query).sort("-_id").limit(first + 1).to_list()
    return rows[:first], len(rows) > first


async def _event(session: AsyncClientSession | None, top_up: TopUp, status: TopUpStatus) -> None:
    await Event.get_pymongo_collection().insert_one(
        {
            "type": f"topup.{status.value.lower()}",
            "account_ids": [top_up.account_id],
            "data": {
                "topUpId": str(top_up.id),
                "status": status.value,
                "amount_cents": top_up.amount_cents,
                "currency": top_up.currency,
                "failureReason": top_up.failure_reason,
            },
            "created_at": clock.now(),
        },
        session=session,
    )


async def _decide(
    top_up: TopUp,
    status: TopUpStatus,
    reason: str,
    *,
    from_statuses: tuple[TopUpStatus, ...] = (TopUpStatus.PENDING,),
) -> bool:
    """Moves a top-up to FAILED or EXPIRED (nothing minted) if it still is in one of
    `from_statuses`; False when something else decided first."""
    changed = await TopUp.get_pymongo_collection().find_one_and_update(
        {"_id": top_up.id, "status": {"$in": [s.value for s in from_statuses]}},
        {"$set": {"status": status.value, "failure_reason": reason, "decided_at": clock.now()}},
    )
    if changed is None:
        return False
    top_up.status, top_up.failure_reason = status, reason
    await _event(None, top_up, status)
    return True


async def _mint(top_up: TopUp, outcome: Outcome) -> bool:
    """Mints the top-up once, with its new status and event in the same transaction;
    False when it was minted already (a replay, or a concurrent notification)."""
    currency = await Currency.get(code=top_up.currency)
    account = await Account.get(id=top_up.account_id)
    collection = TopUp.get_pymongo_collection()
    mintable = [TopUpStatus.PENDING.value, TopUpStatus.EXPIRED.value]
    ran = False  # a replay of the mint's key answers without running `also`

    async def also(session: AsyncClientSession, summary: dict[str, Any]) -> None:
        nonlocal ran
        ran = True
        done = await collection.update_one(
            {"_id": top_up.id, "status": {"$in": mintable}},
            {
                "$set": {
                    "status": TopUpStatus.SUCCEEDED.value,
                    "entry_id": summary["entry_id"],
                    "authorisation": outcome.authorisation,
                    "failure_reason": "",
                    "decided_at": clock.now(),
                }
            },
            session=session,
        )
        if done.modified_count != 1:
            raise LedgerError("INVALID_INPUT", None, "this top-up was already decided")
        top_up.status = TopUpStatus.SUCCEEDED
        top_up.entry_id = summary["entry_id"]
        await _event(session, top_up, TopUpStatus.SUCCEEDED)

    try:
        await ledger.mint(
            account,
            currency,
            top_up.amount_cents,
            f"card top-up {top_up.reference} ({top_up.provider})",
            f"topup:{top_up.id}",
            also=also,
        )
    except LedgerError as refused:
        if refused.code in ("INVALID_INPUT", "IDEMPOTENCY_IN_PROGRESS"):
            return False  # minted by the other notification, or being minted right now
        raise
    return ran


async def apply_outcome(top_up: TopUp, outcome: Outcome) -> str:
    """What a provider's verified word does to a top-up; answers the verdict to log."""
    if outcome.state == PaymentState.PENDING:
        return "pending"
    if outcome.currency != "EUR" or outcome.amount_cents != top_up.euro_cents:
        reason = (
            f"the provider reported {outcome.amount_cents} {outcome.currency} cents, "
            f"not {top_up.euro_cents} EUR cents"
        )
        log.error("top-up %s: %s; nothing minted", top_up.reference, reason)
        await _decide(top_up, TopUpStatus.FAILED, reason)
        return "mismatch"
    if outcome.state == PaymentState.SUCCEEDED:
        if top_up.status == TopUpStatus.SUCCEEDED:
            return "duplicate"
        if top_up.status == TopUpStatus.FAILED:  # decided on our side (a mismatch): stays
            log.error("top-up %s: charged after it failed; nothing minted", top_up.reference)
            return "duplicate"
        return "accepted" if await _mint(top_up, outcome) else "duplicate"
    reason = f"the card payment was not made ({outcome.detail or 'declined'})"
    return "accepted" if await _decide(top_up, TopUpStatus.FAILED, reason) else "duplicate"


def _kept(form: Mapping[str, str]) -> dict[str, str]:
    return {str(k)[:100]: str(v)[:NOTICE_VALUE_MAX] for k, v in list(form.items())[:50]}


async def handle_notification(
    provider: PaymentProvider, form: Mapping[str, str], remote: str
) -> tuple[bool, str]:
    """A provider's notification, as received over HTTP: (verified, verdict). Each one is
    kept with its verdict; a forged one changes nothing."""
    try:
        outcome = provider.verify_notification(form)
    except NotificationRejected as rejected:
        log.warning("rejected a %s notification from %s: %s", provider.name, remote, rejected)
        await ProviderNotice(
            provider=provider.name,
            verdict="rejected",
            reason=str(rejected),
            fields=_kept(form),
            remote=remote,
        ).insert()
        return False, "rejected"
    top_up = await TopUp.find_one({"reference": outcome.reference, "provider": provider.name})
    if top_up is None:
        verdict = "unknown_reference"
        log.warning("a %s notification for no top-up of ours: %s", provider.name, outcome)
    else:
        verdict = await apply_outcome(top_up, outcome)
    await ProviderNotice(
        provider=provider.name,
        verdict=verdict,
        reason=outcome.detail,
        reference=outcome.reference,
        fields=_kept(form),
        remote=remote,
    ).insert()
    return True, verdict


async def reconcile_round(
    provider: PaymentProvider,
    check_after: timedelta = CHECK_AFTER,
    expire_after: timedelta = EXPIRE_AFTER,
) -> int:
    """Asks the provider about pending top-ups whose notification is late, and applies
    what it says; run by the holder of the `topup-reconcile` lease (server/jobs.py).
    Answers how many were decided."""
    now = clock.now()
    due = (
        await TopUp.find(
            {
                "status": TopUpStatus.PENDING.value,
                "provider": provider.name,
                "created_at": {"$lt": now - check_after},
                "$or": [
                    {"last_checked_at": None},
                    {"last_checked_at": {"$lt": now - min(CHECK_EVERY, check_after)}},
                ],
            }
        )
        .sort("created_at")
        .limit(RECONCILE_BATCH)
        .to_list()
    )
    decided = 0
    for top_up in due:
        await TopUp.get_pymongo_collection().update_one(
            {"_id": top_up.id}, {"$set": {"last_checked_at": now}}
        )
        try:
            outcome = await provider.status(top_up.reference)
        except (ProviderUnavailable, NotificationRejected) as problem:
            log.warning("could not ask %s about %s: %s", provider.name, top_up.reference, problem)
            continue
        verdict = await apply_outcome(top_up, outcome)
        if verdict == "pending" and top_up.created_at < now - expire_after:
            verdict = (
                "expired"
                if await _decide(top_up, TopUpStatus.EXPIRED, "no payment was made within a day")
                else verdict
            )
        if verdict != "pending":
            decided += 1
            log.info("top-up %s reconciled: %s", top_up.reference, verdict)
    return decided
