"""The tamper-evident journal: sealing, signed checkpoints, and `rec ledger verify`."""

from __future__ import annotations

import asyncio

import pytest

from server import leases
from server.currencies.models import Currency
from server.ledger import sealer
from server.ledger import services as ledger
from server.ledger.models import Checkpoint, JournalEntry, Lease, LedgerHead, Wallet
from server.ledger.signing import checkpoint_message, verify
from server.ledger.verify import verify_ledger
from server.settings import Settings
from tests.conftest import rec_env, run_rec
from tests.test_ledger import _fund, _person, key

PIN = "4071"


async def _activity() -> None:
    """Issuance, payments and a refund, as a day in a neighbourhood."""
    rec = await Currency.get(code="REC")
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 100_00)
    first = await ledger.pay(anna, anna_account, shop, rec, 12_50, "pa", PIN, key())
    await ledger.pay(anna, anna_account, shop, rec, 7_25, "cafè", PIN, key())
    await ledger.refund(None, first["entry_id"], 2_50, "one loaf less", key())


async def test_sealing_numbers_entries_without_gaps_and_chains_their_hashes(
    stores: Settings,
) -> None:
    await _activity()
    sealed = await sealer.seal_pending("REC")
    entries = await JournalEntry.find(JournalEntry.currency == "REC").sort("sequence").to_list()
    assert sealed == len(entries) == 4
    assert [e.sequence for e in entries] == [1, 2, 3, 4]
    assert all(e.hash and len(e.hash) == 64 for e in entries)
    head = await LedgerHead.get("REC")
    assert head is not None and (head.sequence, head.hash) == (4, entries[-1].hash)
    assert await sealer.seal_pending("REC") == 0  # nothing twice
    assert (await verify_ledger("REC")).ok


async def test_a_checkpoint_is_signed_with_the_currencys_key(stores: Settings) -> None:
    await _activity()
    await sealer.seal_pending("REC")
    rec = await Currency.get(code="REC")
    point = await sealer.checkpoint(rec, stores.secret_key, force=True)
    assert point is not None and point.sequence == 4
    message = checkpoint_message("REC", point.sequence, point.hash, point.signed_at)
    assert verify(rec.checkpoint_public_key, message, point.signature)
    assert await sealer.checkpoint(rec, stores.secret_key, force=True) is None  # no new activity


async def test_only_the_lease_holder_seals(stores: Settings) -> None:
    assert await leases.hold_lease("sealer", "worker-a")
    assert not await leases.hold_lease("sealer", "worker-b")
    assert await leases.hold_lease("sealer", "worker-a")  # renews its own
    await Lease.get_pymongo_collection().update_one(
        {"_id": "sealer"},
        {
            "$set": {
                "expires_at": (await Lease.get("sealer")).expires_at.replace(year=2000)  # type: ignore[union-attr]
            }
        },
    )
    assert await leases.hold_lease("sealer", "worker-b")  # the old holder went away


async def test_two_sealers_at_once_never_give_a_number_twice(stores: Settings) -> None:
    await _activity()
    await asyncio.gather(sealer.seal_pending("REC"), sealer.seal_pending("REC"))
    sequences = [e.sequence for e in await JournalEntry.find().to_list()]
    assert sorted(sequences) == [1, 2, 3, 4]  # type: ignore[type-var]
    assert (await verify_ledger()).ok


async def _sealed_and_signed(stores: Settings) -> None:
    await _activity()
    await sealer.seal_pending("REC")
    await sealer.checkpoint(await Currency.get(code="REC"), stores.secret_key, force=True)
    assert (await verify_ledger()).ok


async def test_editing_an_entry_is_found_and_named(stores: Settings) -> None:
    await _sealed_and_signed(stores)
    target = await JournalEntry.find(JournalEntry.sequence == 2).first_or_none()
    assert target is not None
    await JournalEntry.get_pymongo_collection().update_one(
        {"_id": target.id},
        {"$set": {"amount_cents": 1, "legs.1.amount_cents": 1, "legs.0.amount_cents": -1}},
    )
    report = await verify_ledger("REC")
    assert not report.ok
    assert any(f"entry {target.id} (sequence 2)" in p and "changed" in p for p in report.problems)


async def test_editing_a_balance_is_found_and_named(stores: Settings) -> None:
    await _sealed_and_signed(stores)
    wallet = await Wallet.find(Wallet.balance_cents > 0).first_or_none()
    assert wallet is not None
    await Wallet.get_pymongo_collection().update_one(
        {"_id": wallet.id}, {"$inc": {"balance_cents": 100}}
    )
    report = await verify_ledger()
    assert any(f"wallet of account {wallet.account_id}" in p for p in report.problems)
    assert any("sum to 100, not zero" in p for p in report.problems)


async def test_a_forged_checkpoint_is_found(stores: Settings) -> None:
    await _sealed_and_signed(stores)
    await Checkpoint.get_pymongo_collection().update_many({}, {"$set": {"sequence": 3}})
    report = await verify_ledger()
    assert any(
        "checkpoint at sequence 3: the signature does not verify" in p for p in report.problems
    )


async def test_rec_ledger_verify_exits_non_zero_and_says_where(stores: Settings) -> None:
    await _sealed_and_signed(stores)
    env = rec_env(stores)
    clean = await asyncio.to_thread(run_rec, "ledger", "verify", "--currency", "rec", env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ledger verified: everything holds" in clean.stdout
    assert "checked  REC: 4 sealed entries in the chain" in clean.stdout
    target = await JournalEntry.find(JournalEntry.sequence == 3).first_or_none()
    assert target is not None
    await JournalEntry.get_pymongo_collection().update_one(
        {"_id": target.id}, {"$set": {"memo": "rewritten"}}
    )
    broken = await asyncio.to_thread(run_rec, "ledger", "verify", env=env)
    assert broken.returncode == 1
    assert f"FAILED   REC: entry {target.id} (sequence 3)" in broken.stdout


@pytest.mark.parametrize("currency", ["XYZ"])
async def test_verify_names_an_unknown_currency(stores: Settings, currency: str) -> None:
    report = await verify_ledger(currency)
    assert report.problems == ["no currency XYZ"]
