"""KYC on both relational engines: tiers, documents, decisions, expiry, overrides, events."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.accounts import services as accounts
from server.accounts.errors import AccountsError
from server.accounts.models import Account, AuditEntry, User
from server.currencies.models import Currency
from server.events.models import Event
from server.kyc import services as kyc
from server.kyc.models import DocumentStatus, KycDocument, KycTier
from server.settings import Settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "kyc"
    path.mkdir()
    return path


async def _person(email: str = "anna@example.org") -> tuple[User, Account]:
    user = await accounts.create_user(email, "a long enough passphrase", "Anna Puig")
    account = (await accounts.accounts_of(user))[0][0]
    return user, account


async def _officer() -> User:
    return await accounts.create_user("officer@example.org", "a long enough passphrase", "Off")


async def _rec() -> Currency:
    return await Currency.get(code="REC")


async def test_each_currency_gets_the_default_tiers_in_its_minor_units(stores: Settings) -> None:
    tiers = await kyc.tiers_of((await _rec()).id)
    assert [(t.level, t.name, t.can_send, t.on_map) for t in tiers] == [
        (0, "KYC0", False, False),
        (1, "KYC1", True, False),
        (2, "KYC2", True, True),
    ]
    assert (tiers[1].per_payment_cents, tiers[1].monthly_cents) == (250_000, 250_000)
    assert tiers[2].per_payment_cents is None and tiers[2].max_balance_cents is None
    assert tiers[1].required_documents == ["id_document"]
    assert tiers[2].required_documents == ["id_document", "proof_of_address"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (PDF, "application/pdf"), (JPEG, "image/jpeg")],
)
async def test_documents_are_stored_privately_under_random_names(
    stores: Settings, folder: Path, content: bytes, content_type: str
) -> None:
    user, account = await _person()
    document = await kyc.submit_document(account, user, "id_document", content, folder)
    assert document.content_type == content_type and document.status == DocumentStatus.SUBMITTED
    path = kyc.document_path(document, folder)
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(document.stored_name) == 48 and "id_document" not in document.stored_name


@pytest.mark.parametrize(
    ("content", "kind", "field"),
    [
        (b"MZ\x90\x00 an executable", "id_document", "file"),
        (b"<svg onload=alert(1)>", "id_document", "file"),
        (b"", "id_document", "file"),
        (PNG + b"\x00" * kyc.DOCUMENT_SIZE_MAX, "id_document", "file"),
        (PNG, "tax_return", "kind"),
    ],
)
async def test_bad_uploads_are_refused_and_nothing_is_kept(
    stores: Settings, folder: Path, content: bytes, kind: str, field: str
) -> None:
    user, account = await _person()
    with pytest.raises(AccountsError) as refused:
        await kyc.submit_document(account, user, kind, content, folder)
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", field)
    assert await KycDocument.all().count() == 0
    assert list(folder.iterdir()) == []


async def test_the_tier_follows_approved_documents(stores: Settings, folder: Path) -> None:
    user, account = await _person()
    officer, rec = await _officer(), await _rec()
    identity = await kyc.submit_document(account, user, "id_document", PNG, folder)
    address = await kyc.submit_document(account, user, "proof_of_address", PDF, folder)
    assert await kyc.effective_level(account.id, rec.id) == 0
    queue, _ = await kyc.review_queue(100)
    assert [d.id for d in queue] == [identity.id, address.id]  # oldest first

    await kyc.review_document(identity, officer, "APPROVE", "matches the selfie")
    assert await kyc.effective_level(account.id, rec.id) == 1
    await kyc.review_document(address, officer, "APPROVE", "")
    assert await kyc.effective_level(account.id, rec.id) == 2
    assert await kyc.review_queue(100) == ([], False)

    # Documents count in every currency: each approval changes the tier in each, once.
    events = await Event.find(Event.account_ids == account.id).to_list()
    in_rec = [e.type for e in events if e.data.get("currencyId", rec.id) == rec.id]
    assert in_rec == [
        "kyc_document.approved",
        "kyc_tier.changed",
        "kyc_document.approved",
        "kyc_tier.changed",
    ]
    currencies = await Currency.all().count()
    assert [e.type for e in events].count("kyc_tier.changed") == 2 * currencies
    actions = [e.action for e in await AuditEntry.all().order_by("id")]
    assert actions == ["kyc_document.approved", "kyc_document.approved"]


async def test_a_decline_needs_a_reason_and_a_document_is_decided_once(
    stores: Settings, folder: Path
) -> None:
    user, account = await _person()
    officer = await _officer()
    document = await kyc.submit_document(account, user, "id_document", PNG, folder)
    with pytest.raises(AccountsError, match="tell the person why"):
        await kyc.review_document(document, officer, "DECLINE", "  ")
    results = await asyncio.gather(
        kyc.review_document(document, officer, "DECLINE", "blurred photo"),
        kyc.review_document(document, officer, "APPROVE", "fine"),
        return_exceptions=True,
    )
    assert sum(isinstance(r, KycDocument) for r in results) == 1
    assert sum(isinstance(r, AccountsError) for r in results) == 1
    assert await AuditEntry.all().count() == 1


async def test_expired_documents_lower_the_tier_and_say_so(stores: Settings, folder: Path) -> None:
    user, account = await _person()
    officer, rec = await _officer(), await _rec()
    document = await kyc.submit_document(account, user, "id_document", PNG, folder)
    soon = datetime.now(UTC) + timedelta(hours=1)
    await kyc.review_document(document, officer, "APPROVE", "ok", expires_at=soon)
    assert await kyc.effective_level(account.id, rec.id) == 1
    await KycDocument.filter(id=document.id).update(expires_at=datetime.now(UTC))
    assert await kyc.effective_level(account.id, rec.id) == 0  # even before the job runs
    assert await kyc.expire_documents() == 1
    assert (await KycDocument.get(id=document.id)).status == DocumentStatus.EXPIRED
    last = await Event.find(Event.account_ids == account.id).sort("-_id").limit(2).to_list()
    assert {e.type for e in last} == {"kyc_document.expired", "kyc_tier.changed"}
    assert await kyc.expire_documents() == 0


async def test_an_officer_sets_a_tier_by_hand_with_a_reason(stores: Settings) -> None:
    _, account = await _person()
    officer, rec = await _officer(), await _rec()
    with pytest.raises(AccountsError, match="say why"):
        await kyc.set_account_level(account, rec.id, 2, officer, "")
    with pytest.raises(AccountsError):
        await kyc.set_account_level(account, rec.id, 7, officer, "too high")
    await kyc.set_account_level(account, rec.id, 2, officer, "verified at the office")
    assert await kyc.effective_level(account.id, rec.id) == 2
    entry = await AuditEntry.get(action="kyc_tier.set")
    assert entry.before == {"level": 0} and entry.after == {"level": 2, "currencyId": rec.id}


async def test_a_superadmin_changes_limits_and_the_log_keeps_before_and_after(
    stores: Settings,
) -> None:
    boss = await _officer()
    tier = await KycTier.get(currency=await _rec(), level=1)
    await kyc.update_tier(tier, boss, "council decision", {"per_payment_cents": 50_000})
    assert (await KycTier.get(id=tier.id)).per_payment_cents == 50_000
    entry = await AuditEntry.get(action="kyc_tier.update")
    assert (
        entry.before["per_payment_cents"] == 250_000 and entry.after["per_payment_cents"] == 50_000
    )
    for bad in ({"per_payment_cents": -1}, {"required_documents": ["tax_return"]}, {"level": 5}):
        with pytest.raises(AccountsError):
            await kyc.update_tier(tier, boss, "oops", bad)
    assert await AuditEntry.filter(action="kyc_tier.update").count() == 1


async def test_officers_do_not_decide_on_their_own_accounts(stores: Settings, folder: Path) -> None:
    officer, rec = await _officer(), await _rec()
    own = (await accounts.accounts_of(officer))[0][0]
    document = await kyc.submit_document(own, officer, "id_document", PNG, folder)
    with pytest.raises(AccountsError) as refused:
        await kyc.review_document(document, officer, "APPROVE", "looks fine to me")
    assert refused.value.code == "FORBIDDEN"
    with pytest.raises(AccountsError):
        await kyc.set_account_level(own, rec.id, 2, officer, "promote myself")
    assert await kyc.effective_level(own.id, rec.id) == 0


async def test_clearing_an_override_hands_the_tier_back_to_the_documents(
    stores: Settings, folder: Path
) -> None:
    user, account = await _person()
    officer, rec = await _officer(), await _rec()
    assert await kyc.set_account_level(account, rec.id, 2, officer, "known in person") == 2
    assert await kyc.set_account_level(account, rec.id, None, officer, "back to documents") == 0
    document = await kyc.submit_document(account, user, "id_document", PNG, folder)
    await kyc.review_document(document, officer, "APPROVE", "ok")
    assert await kyc.effective_level(account.id, rec.id) == 1
