"""The treasury's records: the euros held in the bank behind each currency (recorded by a
treasurer) against the supply in circulation, and the results of verifying the ledger.

The supply is what the issuer minted minus what it burned: the issuer's wallet balance,
negated (its balance is minus the money in circulation, as every entry sums to zero).
"""

from __future__ import annotations

from datetime import datetime

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from server import clock
from server.accounts import audit
from server.accounts.models import User
from server.currencies.models import Currency
from server.ledger.services import balance_cents
from server.ledger.verify import Report, verify_currency

HISTORY_MAX = 50
PROBLEMS_KEPT = 50  # a broken chain can list many; the first ones say where


class ReserveRecord(Document):
    """What the bank held in euros behind a currency, as a treasurer recorded it."""

    currency: str
    amount_cents: int  # euro cents held in the bank
    reference: str  # the bank statement or certificate it was read from
    reason: str
    recorded_by_user_id: int | None = None
    recorded_by: str = ""  # the treasurer's email, kept even if the user goes
    recorded_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "reserve_records"
        indexes = [IndexModel([("currency", ASCENDING), ("recorded_at", DESCENDING)])]


class LedgerVerification(Document):
    """One run of the `rec ledger verify` checks on a currency, asked for in the panel."""

    currency: str
    ok: bool
    checked: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    checked_by_user_id: int | None = None
    checked_by: str = ""
    checked_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "ledger_verifications"
        indexes = [IndexModel([("currency", ASCENDING), ("checked_at", DESCENDING)])]


DOCUMENT_MODELS: list[type[Document]] = [ReserveRecord, LedgerVerification]


async def supply_cents(currency: Currency) -> int:
    """Minted minus burned, in the currency's minor units."""
    issuer_id = currency.issuer_account_id  # type: ignore[attr-defined]
    if issuer_id is None:
        return 0
    return -await balance_cents(issuer_id, currency.code)


async def record_reserve(
    actor: User, currency: Currency, amount_cents: int, reference: str, reason: str
) -> ReserveRecord:
    """Stores the reserve as of now and writes it to the audit log; the caller checked
    the input (amount at least zero, reference and reason given)."""
    previous = await latest_reserve(currency.code)
    record = await ReserveRecord(
        currency=currency.code,
        amount_cents=amount_cents,
        reference=reference,
        reason=reason,
        recorded_by_user_id=actor.id,
        recorded_by=actor.email,
    ).insert()
    await audit.record(
        actor,
        "treasury.reserve",
        "currency",
        currency.code,
        before={"amount_cents": previous.amount_cents} if previous else None,
        after={"amount_cents": amount_cents, "reference": reference},
        reason=reason,
    )
    return record


async def latest_reserve(currency: str) -> ReserveRecord | None:
    return (
        await ReserveRecord.find(ReserveRecord.currency == currency)
        .sort("-recorded_at", "-_id")
        .first_or_none()
    )


async def reserve_history(currency: str, limit: int = HISTORY_MAX) -> list[ReserveRecord]:
    """The currency's reserve records, newest first."""
    return (
        await ReserveRecord.find(ReserveRecord.currency == currency)
        .sort("-recorded_at", "-_id")
        .limit(min(limit, HISTORY_MAX))
        .to_list()
    )


async def verify_now(actor: User, currency: Currency) -> LedgerVerification:
    """Runs the checks of `rec ledger verify` on one currency, in this process, and keeps
    the result; audited (who asked, and whether it held)."""
    report = Report()
    await verify_currency(currency, report)
    result = await LedgerVerification(
        currency=currency.code,
        ok=report.ok,
        checked=report.checked,
        problems=report.problems[:PROBLEMS_KEPT],
        checked_by_user_id=actor.id,
        checked_by=actor.email,
    ).insert()
    await audit.record(
        actor,
        "ledger.verify",
        "currency",
        currency.code,
        after={"ok": report.ok, "problems": len(report.problems)},
    )
    return result


async def last_verification(currency: str) -> LedgerVerification | None:
    return (
        await LedgerVerification.find(LedgerVerification.currency == currency)
        .sort("-checked_at", "-_id")
        .first_or_none()
    )
