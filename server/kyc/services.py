"""KYC tiers per currency, documents, reviews, and the tier that follows from them."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tortoise.transactions import in_transaction

from server import clock
from server.accounts import audit
from server.accounts.errors import AccountsError
from server.accounts.models import Account, AdminRole, MemberRole, Membership, User
from server.accounts.principal import Principal
from server.events.hub import publish
from server.kyc.models import DocumentKind, DocumentStatus, KycDocument, KycOverride, KycTier
from server.stores.relational import keyset_page

DOCUMENT_SIZE_MAX = 10 * 1024 * 1024
PENDING_DOCUMENTS_MAX = 10
APPROVAL_VALIDITY_DEFAULT = timedelta(days=5 * 365)
# Recognised by their first bytes, never by what the client claims.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class TierDefaults:
    level: int
    name: str
    can_send: bool
    per_payment_major: int | None
    monthly_major: int | None
    max_balance_major: int | None
    on_map: bool
    required_documents: tuple[str, ...]


# REC's rules (REFERENCE.md): KYC0 cannot send; KYC1 sends up to 2,500; KYC2 is unlimited
# and may appear on the map.
DEFAULT_TIERS = (
    TierDefaults(0, "KYC0", False, 0, 0, None, False, ()),
    TierDefaults(1, "KYC1", True, 2_500, 2_500, 10_000, False, (DocumentKind.ID_DOCUMENT,)),
    TierDefaults(
        2,
        "KYC2",
        True,
        None,
        None,
        None,
        True,
        (DocumentKind.ID_DOCUMENT, DocumentKind.PROOF_OF_ADDRESS),
    ),
)


async def ensure_default_tiers(currency_id: int, decimals: int) -> None:
    """Creates the currency's tiers once; never overwrites what a superadmin changed."""
    unit = 10**decimals
    for tier in DEFAULT_TIERS:

        def minor(major: int | None) -> int | None:
            return None if major is None else major * unit

        await KycTier.get_or_create(
            currency_id=currency_id,
            level=tier.level,
            defaults={
                "name": tier.name,
                "can_send": tier.can_send,
                "per_payment_cents": minor(tier.per_payment_major),
                "monthly_cents": minor(tier.monthly_major),
                "max_balance_cents": minor(tier.max_balance_major),
                "on_map": tier.on_map,
                "required_documents": list(tier.required_documents),
            },
        )


async def tiers_of(currency_id: int) -> list[KycTier]:
    return (await tiers_of_currencies([currency_id]))[currency_id]


async def tiers_of_currencies(currency_ids: Iterable[int]) -> dict[int, list[KycTier]]:
    """Each currency's tiers, lowest first, in one query."""
    tiers: dict[int, list[KycTier]] = {currency_id: [] for currency_id in currency_ids}
    if tiers:
        for tier in await KycTier.filter(currency_id__in=list(tiers)).order_by("level"):
            tiers[tier.currency_id].append(tier)  # type: ignore[attr-defined]
    return tiers


async def update_tier(tier: KycTier, by: User, reason: str, changes: dict[str, object]) -> KycTier:
    """Changes a tier's limits or documents; audited with before and after."""
    if not reason.strip():
        raise AccountsError("INVALID_INPUT", "reason", "say why, for the audit log")
    allowed = {
        "name",
        "can_send",
        "per_payment_cents",
        "monthly_cents",
        "max_balance_cents",
        "on_map",
        "required_documents",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise AccountsError("INVALID_INPUT", sorted(unknown)[0], "not a tier setting")
    for name in ("per_payment_cents", "monthly_cents", "max_balance_cents"):
        value = changes.get(name)
        if isinstance(value, int) and value < 0:
            raise AccountsError("INVALID_AMOUNT", name, "limits cannot be negative")
    tier_name = changes.get("name")
    if tier_name is not None and not (
        isinstance(tier_name, str) and 1 <= len(tier_name.strip()) <= 40
    ):
        raise AccountsError("INVALID_INPUT", "name", "1 to 40 characters")
    kinds = changes.get("required_documents")
    if kinds is not None:
        valid = {kind.value for kind in DocumentKind}
        if not isinstance(kinds, list) or not set(kinds) <= valid:
            raise AccountsError(
                "INVALID_INPUT", "requiredDocuments", f"kinds among {sorted(valid)}"
            )
    before = {name: getattr(tier, name) for name in sorted(allowed)}
    await tier.update_from_dict(changes).save()
    after = {name: getattr(tier, name) for name in sorted(allowed)}
    await audit.record(
        by,
        "kyc_tier.update",
        "kyc_tier",
        tier.id,
        before=before,
        after=after,
        reason=reason.strip(),
    )
    return tier


def sniff(content: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


async def submit_document(
    account: Account, user: User, kind: str, content: bytes, folder: Path
) -> KycDocument:
    if kind not in {k.value for k in DocumentKind}:
        raise AccountsError("INVALID_INPUT", "kind", f"one of {[k.value for k in DocumentKind]}")
    if len(content) > DOCUMENT_SIZE_MAX:
        raise AccountsError("INVALID_INPUT", "file", "10 MB at most")
    if not content:
        raise AccountsError("INVALID_INPUT", "file", "the file is empty")
    content_type = sniff(content)
    if content_type is None:
        raise AccountsError("INVALID_INPUT", "file", "send a PDF, JPEG or PNG file")
    pending = await KycDocument.filter(account=account, status=DocumentStatus.SUBMITTED).count()
    if pending >= PENDING_DOCUMENTS_MAX:
        raise AccountsError("LIMIT_EXCEEDED", "file", "wait for the documents under review")
    stored_name = secrets.token_hex(24)
    await asyncio.to_thread(_write_private, folder / stored_name, content)
    try:
        return await KycDocument.create(
            account=account,
            uploaded_by=user,
            kind=kind,
            stored_name=stored_name,
            content_type=content_type,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
    except Exception:
        (folder / stored_name).unlink(missing_ok=True)  # no orphan file for a failed record
        raise


def document_path(document: KycDocument, folder: Path) -> Path:
    return folder / document.stored_name


async def effective_level(account_id: int, currency_id: int) -> int:
    """The officer's override, else the highest tier whose documents are all approved and
    in force."""
    return (await effective_levels([(account_id, currency_id)]))[(account_id, currency_id)]


async def effective_levels(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """effective_level of each (account id, currency id) pair, in three queries at most:
    overrides, then approved documents and tiers for the pairs without one."""
    wanted = set(keys)
    if not wanted:
        return {}
    levels: dict[tuple[int, int], int] = {}
    for override in await KycOverride.filter(
        account_id__in=list({account_id for account_id, _ in wanted}),
        currency_id__in=list({currency_id for _, currency_id in wanted}),
    ):
        key = (override.account_id, override.currency_id)  # type: ignore[attr-defined]
        if key in wanted:
            levels[key] = override.level
    rest = wanted - levels.keys()
    if not rest:
        return levels
    now = clock.now()
    approved: dict[int, set[str]] = {account_id: set() for account_id, _ in rest}
    for document in await KycDocument.filter(
        account_id__in=list(approved), status=DocumentStatus.APPROVED
    ):
        if document.expires_at is None or document.expires_at > now:
            approved[document.account_id].add(document.kind)  # type: ignore[attr-defined]
    tiers = await tiers_of_currencies({currency_id for _, currency_id in rest})
    for account_id, currency_id in rest:
        levels[(account_id, currency_id)] = max(
            (
                tier.level
                for tier in tiers[currency_id]
                if tier.level > 0 and set(tier.required_documents) <= approved[account_id]
            ),
            default=0,
        )
    return levels


async def _levels(account_id: int) -> dict[int, int]:
    rows = await KycTier.filter(level=0).values("currency_id")
    currency_ids = sorted({int(row["currency_id"]) for row in rows})
    return {cid: await effective_level(account_id, cid) for cid in currency_ids}


async def _announce(account_id: int, before: dict[int, int], event: str, data: dict) -> None:
    after = await _levels(account_id)
    await publish(event, [account_id], data)
    for currency_id, level in after.items():
        if before.get(currency_id) != level:
            await publish(
                "kyc_tier.changed",
                [account_id],
                {"currencyId": currency_id, "from": before.get(currency_id), "to": level},
            )


async def review_document(
    document: KycDocument,
    officer: User,
    decision: str,
    reason: str,
    expires_at: datetime | None = None,
) -> KycDocument:
    if decision not in ("APPROVE", "DECLINE"):
        raise AccountsError("INVALID_INPUT", "decision", "APPROVE or DECLINE")
    reason = reason.strip()
    if decision == "DECLINE" and not reason:
        raise AccountsError("INVALID_INPUT", "reason", "tell the person why it was declined")
    if expires_at is not None and expires_at <= clock.now():
        raise AccountsError("INVALID_INPUT", "expiresAt", "must be in the future")
    await _refuse_own_account(officer, document.account_id, "id")  # type: ignore[attr-defined]
    before_levels = await _levels(document.account_id)  # type: ignore[attr-defined]
    status = DocumentStatus.APPROVED if decision == "APPROVE" else DocumentStatus.DECLINED
    async with in_transaction():
        # Only a document still under review can be decided, once: the update is conditional.
        decided = await KycDocument.filter(id=document.id, status=DocumentStatus.SUBMITTED).update(
            status=status,
            reason=reason,
            reviewed_by_id=officer.id,
            reviewed_at=clock.now(),
            expires_at=(expires_at or clock.now() + APPROVAL_VALIDITY_DEFAULT)
            if status == DocumentStatus.APPROVED
            else None,
        )
        if decided != 1:
            raise AccountsError("INVALID_INPUT", "id", "this document was already decided")
        await audit.record(
            officer,
            f"kyc_document.{status.value}",
            "kyc_document",
            document.id,
            before={"status": "submitted"},
            after={"status": status.value},
            reason=reason,
        )
    await document.refresh_from_db()
    await _announce(
        document.account_id,  # type: ignore[attr-defined]
        before_levels,
        f"kyc_document.{status.value}",  # type: ignore[attr-defined]
        {"documentId": document.id, "kind": document.kind, "reason": reason},
    )
    return document


async def _refuse_own_account(officer: User, account_id: int, field: str) -> None:
    if await Membership.exists(user=officer, account_id=account_id):
        raise AccountsError("FORBIDDEN", field, "officers do not decide on their own accounts")


async def set_account_level(
    account: Account, currency_id: int, level: int | None, officer: User, reason: str
) -> int:
    """Sets the tier by hand; None hands it back to the documents. Returns the tier now."""
    levels = [tier.level for tier in await tiers_of(currency_id)]
    if level is not None and level not in levels:
        raise AccountsError("INVALID_INPUT", "tier", f"one of {levels}, or null to clear")
    if not reason.strip():
        raise AccountsError("INVALID_INPUT", "reason", "say why, for the audit log")
    await _refuse_own_account(officer, account.id, "accountId")
    before_levels = await _levels(account.id)
    async with in_transaction():
        if level is None:
            await KycOverride.filter(account_id=account.id, currency_id=currency_id).delete()
        else:
            await KycOverride.update_or_create(
                account_id=account.id,
                currency_id=currency_id,
                defaults={"level": level, "set_by_id": officer.id},
            )
        await audit.record(
            officer,
            "kyc_tier.set",
            "account",
            account.id,
            before={"level": before_levels.get(currency_id)},
            after={"level": level, "currencyId": currency_id},
            reason=reason.strip(),
        )
    await _announce(
        account.id, before_levels, "kyc_tier.set", {"currencyId": currency_id, "level": level}
    )
    return await effective_level(account.id, currency_id)


async def expire_documents() -> int:
    """Marks approved documents past their date as expired and tells their accounts."""
    due = await KycDocument.filter(status=DocumentStatus.APPROVED, expires_at__lte=clock.now())
    for document in due:
        before_levels = await _levels(document.account_id)  # type: ignore[attr-defined]
        changed = await KycDocument.filter(id=document.id, status=DocumentStatus.APPROVED).update(
            status=DocumentStatus.EXPIRED
        )
        if changed:
            await _announce(
                document.account_id,  # type: ignore[attr-defined]
                before_levels,
                "kyc_document.expired",  # type: ignore[attr-defined]
                {"documentId": document.id, "kind": document.kind},
            )
    return len(due)


async def review_queue(first: int, after: int | None = None) -> tuple[list[KycDocument], bool]:
    """Documents waiting for a decision, oldest first, and whether more follow."""
    query = KycDocument.filter(status=DocumentStatus.SUBMITTED).prefetch_related("account")
    return await keyset_page(query, first, after, newest_first=False)


async def documents_of(account_id: int) -> list[KycDocument]:
    return (await documents_of_accounts([account_id]))[account_id]


async def documents_of_accounts(account_ids: Iterable[int]) -> dict[int, list[KycDocument]]:
    """Each account's documents, newest first, in one query."""
    documents: dict[int, list[KycDocument]] = {account_id: [] for account_id in account_ids}
    if documents:
        for document in await KycDocument.filter(account_id__in=list(documents)).order_by("-id"):
            documents[document.account_id].append(document)  # type: ignore[attr-defined]
    return documents


def may_read(principal: Principal, document: KycDocument) -> bool:
    """The file is for the account's holder or owners, its uploader, and KYC officers."""
    if AdminRole.KYC_OFFICER in principal.admin_roles:
        return True
    if principal.user is None:
        return False
    if document.uploaded_by_id == principal.user.id:  # type: ignore[attr-defined]
        return True
    role = principal.role_in(document.account_id)  # type: ignore[attr-defined]
    return role in (MemberRole.HOLDER, MemberRole.OWNER)
