"""Faults injected with the document server's fail points (configureFailPoint, as mongod):
a payment that fails mid-way leaves nothing, and a retry with its key pays once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.errors import PyMongoError

from server.currencies.models import Currency
from server.ledger import services as ledger
from server.ledger.models import EntryKind, IdempotencyRecord, JournalEntry, Wallet
from server.settings import Settings
from tests.test_ledger import _fund, _invariants, _person, key

PIN = "4071"


@pytest.fixture
async def fail_point(stores: Settings) -> AsyncIterator[Any]:
    admin = Wallet.get_pymongo_collection().database.client.admin

    async def arm(
        commands: list[str] | None,
        times: int = 1,
        labels: list[str] | None = None,
        code: int = 8,
        skip: int = 0,
    ) -> None:
        """Fails the next `times` of those commands, or all after the first `skip`; None: off."""
        if commands is None:
            await admin.command({"configureFailPoint": "failCommand", "mode": "off"})
            return
        data: dict[str, Any] = {"failCommands": commands, "errorCode": code}
        if labels:
            data["errorLabels"] = labels
        mode = {"skip": skip} if skip else {"times": times}
        await admin.command({"configureFailPoint": "failCommand", "mode": mode, "data": data})

    yield arm
    await arm(None)


async def _setup() -> tuple[Any, Any, Any, Currency]:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 20_00)
    return anna, anna_account, shop, await Currency.get(code="REC")


# Each kind of command a payment sends, failing the first time it is sent; `update` also
# the second time (a payment updates both wallets).
@pytest.mark.parametrize(
    ("command", "skip"),
    [("commitTransaction", 0), ("insert", 0), ("update", 0), ("update", 1), ("find", 0)],
    ids=["commitTransaction", "insert", "update", "second-update", "find"],
)
async def test_a_failure_mid_payment_leaves_nothing_and_the_retry_pays_once(
    stores: Settings, fail_point: Any, command: str, skip: int
) -> None:
    anna, anna_account, shop, rec = await _setup()
    payments_before = await JournalEntry.find(JournalEntry.kind == EntryKind.PAYMENT).count()
    same_key = key()
    await fail_point([command], skip=skip)
    with pytest.raises(PyMongoError):
        await ledger.pay(anna, anna_account, shop, rec, 5_00, "", PIN, same_key)
    await fail_point(None)  # a skipping fail point stays on
    assert await ledger.balance_cents(anna_account.id, "REC") == 20_00
    assert await ledger.balance_cents(shop.id, "REC") == 0
    assert (
        await JournalEntry.find(JournalEntry.kind == EntryKind.PAYMENT).count() == payments_before
    )
    assert await IdempotencyRecord.find(IdempotencyRecord.state == "in_progress").count() == 0
    await _invariants()

    first = await ledger.pay(anna, anna_account, shop, rec, 5_00, "", PIN, same_key)
    again = await ledger.pay(anna, anna_account, shop, rec, 5_00, "", PIN, same_key)
    assert first == again
    assert await ledger.balance_cents(shop.id, "REC") == 5_00
    await _invariants()


async def test_transient_errors_are_retried_until_the_payment_commits_once(
    stores: Settings, fail_point: Any
) -> None:
    anna, anna_account, shop, rec = await _setup()
    await fail_point(["commitTransaction"], times=3, labels=["TransientTransactionError"], code=112)
    await ledger.pay(anna, anna_account, shop, rec, 5_00, "", PIN, key())
    assert await ledger.balance_cents(shop.id, "REC") == 5_00
    assert await JournalEntry.find(JournalEntry.kind == EntryKind.PAYMENT).count() == 1
    await _invariants()
