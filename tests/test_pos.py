"""Payment orders (the TPV's core): create, pay once, cancel, expire, refund."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from server import clock
from server.accounts import services as accounts
from server.accounts.errors import AccountsError
from server.currencies.models import Currency
from server.directory.services import register_business
from server.events.models import Event
from server.ledger import services as ledger
from server.ledger.errors import LedgerError
from server.pos import services as pos
from server.pos.models import OrderStatus, PaymentOrder
from server.settings import Settings
from tests.test_ledger import PASSWORD, PIN, _fund, _invariants, _person, key


async def _shop():  # type: ignore[no-untyped-def]
    owner = await accounts.create_user(f"{key()[:8]}@example.org", PASSWORD, "Owner")
    return await register_business(
        owner,
        name=f"Forn {key()[:4]}",
        category="bakery",
        address="Carrer Gran, 1",
        latitude="41.4",
        longitude="2.15",
    )


async def _order(shop, amount: int = 12_50, **options):  # type: ignore[no-untyped-def]
    return await pos.create_order(
        shop,
        await Currency.get(code="REC"),
        amount,
        reference="T-1",
        created_by="user:1",
        idempotency_key=options.pop("idempotency_key", key()),
        **options,
    )


async def test_an_order_is_created_once_per_key_with_a_link_and_a_qr(stores: Settings) -> None:
    shop = await _shop()
    same = key()
    order = await _order(shop, idempotency_key=same)
    assert order.status == OrderStatus.REQUIRES_PAYMENT
    assert timedelta(minutes=9) < order.expires_at - clock.now() <= timedelta(minutes=10)
    assert (await _order(shop, idempotency_key=same)).id == order.id
    with pytest.raises(LedgerError) as reused:
        await _order(shop, amount=99, idempotency_key=same)
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"
    url = pos.payment_url("https://rec.example.org", order)
    assert url == f"https://rec.example.org/pay/{order.id}"
    assert pos.qr_svg(url).startswith("<svg") and pos.qr_png(url)[:4] == b"\x89PNG"
    created = await Event.find(Event.type == "payment_order.created").to_list()
    assert [e.data["orderId"] for e in created] == [str(order.id)]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": 10**13 + 1}, "amount"),
        ({"expires_in_s": 30}, "expiresInSeconds"),
        ({"expires_in_s": 90_000}, "expiresInSeconds"),
        ({"success_url": "javascript:x"}, "successUrl"),
    ],
)
async def test_bad_orders_are_refused(stores: Settings, options: dict, field: str) -> None:
    shop = await _shop()
    with pytest.raises(LedgerError) as refused:
        await _order(shop, **options)
    assert refused.value.field == field
    if options.get("amount", 1) > 1:
        assert refused.value.message == "the amount is over what one payment may move"
    assert await PaymentOrder.count() == 0


async def test_an_order_is_paid_once_and_atomically(stores: Settings) -> None:
    shop = await _shop()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 50_00)
    order = await _order(shop)
    paid = await pos.pay_order(order, anna, anna_account, PIN, key())
    order = await PaymentOrder.get(order.id)
    assert order.status == OrderStatus.SUCCEEDED and order.paid_entry_id == paid["entry_id"]
    with pytest.raises(LedgerError) as again:
        await pos.pay_order(order, anna, anna_account, PIN, key())
    assert again.value.code == "ORDER_NOT_PAYABLE"
    assert await ledger.balance_cents(shop.id, "REC") == 12_50
    await _invariants()


async def test_a_retry_of_the_payment_gets_its_answer_again(stores: Settings) -> None:
    shop = await _shop()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 50_00)
    order = await _order(shop)
    same = key()
    answers = await asyncio.gather(
        *[pos.pay_order(order, anna, anna_account, PIN, same) for _ in range(5)],
        return_exceptions=True,
    )
    entries = {a["entry_id"] for a in answers if isinstance(a, dict)}
    assert len(entries) == 1  # the others may be told the first is still in progress
    assert all(
        isinstance(a, dict) or (isinstance(a, LedgerError) and a.code == "IDEMPOTENCY_IN_PROGRESS")
        for a in answers
    )
    paid = await PaymentOrder.get(order.id)
    retried = await pos.pay_order(paid, anna, anna_account, "not even the PIN", same)
    assert retried["entry_id"] in entries
    assert await ledger.balance_cents(anna_account.id, "REC") == 50_00 - 12_50
    await _invariants()


async def test_ten_payers_at_once_pay_an_order_once(stores: Settings) -> None:
    shop = await _shop()
    payers = [await _person(f"P{n}") for n in range(10)]
    for _, account in payers:
        await _fund(account, 20_00)
    order = await _order(shop)
    results = await asyncio.gather(
        *[pos.pay_order(order, user, account, PIN, key()) for user, account in payers],
        return_exceptions=True,
    )
    assert sum(isinstance(r, dict) for r in results) == 1
    assert all(
        isinstance(r, LedgerError) and r.code == "ORDER_NOT_PAYABLE"
        for r in results
        if not isinstance(r, dict)
    )
    assert await ledger.balance_cents(shop.id, "REC") == 12_50
    await _invariants()


async def test_canceled_and_expired_orders_cannot_be_paid(stores: Settings) -> None:
    shop = await _shop()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 50_00)
    canceled = await pos.cancel_order(await _order(shop))
    with pytest.raises(LedgerError, match="canceled"):
        await pos.pay_order(canceled, anna, anna_account, PIN, key())
    late = await _order(shop)
    await PaymentOrder.get_pymongo_collection().update_one(
        {"_id": late.id}, {"$set": {"expires_at": clock.now() - timedelta(seconds=1)}}
    )
    late = await PaymentOrder.get(late.id)
    with pytest.raises(LedgerError, match="expired"):
        await pos.pay_order(late, anna, anna_account, PIN, key())
    assert await pos.expire_due_orders() == 1
    assert (await PaymentOrder.get(late.id)).status == OrderStatus.EXPIRED
    assert await pos.expire_due_orders() == 0
    assert await ledger.balance_cents(anna_account.id, "REC") == 50_00


async def test_three_wrong_pins_fail_the_order(stores: Settings) -> None:
    shop = await _shop()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 50_00)
    order = await _order(shop)
    for _ in range(3):
        with pytest.raises(AccountsError):
            await pos.pay_order(order, anna, anna_account, "0000", key())
    failed = await PaymentOrder.get(order.id)
    assert failed.status == OrderStatus.CANCELED and failed.cancel_reason == "three wrong PINs"


async def test_partial_refunds_up_to_the_paid_amount(stores: Settings) -> None:
    shop = await _shop()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 50_00)
    order = await _order(shop, amount=20_00)
    await pos.pay_order(order, anna, anna_account, PIN, key())
    order = await PaymentOrder.get(order.id)
    first = await pos.refund_order(order, 5_00, "one item back", key(), None)
    same = key()
    second = await pos.refund_order(order, 10_00, "two more", same, None)
    assert await pos.refund_order(order, 10_00, "two more", same, None) == second  # idempotent
    with pytest.raises(LedgerError) as too_much:
        await pos.refund_order(order, 5_01, "more", key(), None)
    assert too_much.value.code == "REFUND_EXCEEDS_REMAINING"
    refreshed = await PaymentOrder.get(order.id)
    assert refreshed.refunded_cents == 15_00
    assert [r.id for r in refreshed.refunds] == [first.id, second.id]
    assert await ledger.balance_cents(anna_account.id, "REC") == 45_00
    assert await Event.find(Event.type == "refund.succeeded").count() == 2
    await _invariants()
