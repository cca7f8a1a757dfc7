"""KYC: tiers (public), documents (their account and KYC officers), decisions (officers),
tier settings (superadmins).

Tiers and hand-set tiers belong to a currency: an officer limited to some currencies sets
only theirs (the rule checks a named currency; setAccountKycTier without one means the
default currency, checked here). Documents belong to the account, in no currency: every
officer reviews them and every administrator reads the queue, limited or not."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from schema.accounts.types import Account
from schema.connections import Connection, int_cursor, page, page_size
from schema.errors import MutationError, error, from_domain
from schema.kyc.types import KycDocument, KycDocumentKind, KycTier
from schema.money import parse_amount
from schema.permissions import (
    THROUGH_PARENT,
    Admin,
    Anyone,
    SignedIn,
    currency_refusal,
    decode_account_id,
    decode_id,
    field,
    mutation,
    policy,
)
from server.accounts.errors import AccountsError
from server.accounts.models import Account as AccountRow
from server.accounts.models import AdminRole, MemberRole
from server.currencies.services import get_currency
from server.kyc import services
from server.kyc.models import KycDocument as KycDocumentRow
from server.kyc.models import KycTier as KycTierRow

KYC_OFFICER = Admin([AdminRole.KYC_OFFICER])
# Every administrator may read the queue (what waits, for whom, since when: support answers
# "is my document seen to?"); the files stay the officers' (server/kyc/services.py may_read)
# and so do the decisions.
ANY_ADMIN = Admin(AdminRole)
SUPERADMIN = Admin([AdminRole.SUPERADMIN])
UPLOAD_READ_CHUNK = 1024 * 1024


@strawberry.enum
class KycDecision(Enum):
    APPROVE = "APPROVE"
    DECLINE = "DECLINE"


@policy(THROUGH_PARENT)
@strawberry.type(description="A document waiting for review, with the account it is for.")
class KycReviewItem:
    document: KycDocument
    account: Account


@strawberry.input
class SubmitKycDocumentInput:
    kind: KycDocumentKind  # type: ignore[valid-type]
    file: Upload = strawberry.field(description="PDF, JPEG or PNG; 10 MB at most.")


@strawberry.input
class ReviewKycDocumentInput:
    id: strawberry.ID
    decision: KycDecision
    reason: str = ""
    expires_at: datetime | None = strawberry.field(
        default=None, description="When an approval lapses (default: five years)."
    )


@strawberry.input
class SetAccountKycTierInput:
    account_id: strawberry.ID
    tier: int | None = strawberry.field(description="null hands the tier back to the documents.")
    reason: str
    currency: str | None = strawberry.field(default=None, description="Default: the main one.")


@strawberry.input
class UpdateKycTierInput:
    currency: str
    level: int
    reason: str
    name: str | None = None
    can_send: bool | None = None
    per_payment_limit: str | None = strawberry.field(default=None, description='e.g. "500.00"')
    monthly_limit: str | None = None
    max_balance: str | None = None
    unlimited: list[str] = strawberry.field(
        default_factory=list,
        description="Limits to remove: perPaymentLimit, monthlyLimit, maxBalance.",
    )
    on_map: bool | None = None
    required_documents: list[KycDocumentKind] | None = None  # type: ignore[valid-type]


@policy(THROUGH_PARENT)
@strawberry.type
class KycDocumentPayload:
    document: KycDocument | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class SetAccountKycTierPayload:
    account: Account | None
    tier: int | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class UpdateKycTierPayload:
    tier: KycTier | None
    errors: list[MutationError]


LIMIT_MINOR_UNITS_MAX = 2**63 - 1  # what a tier's limit columns (BIGINT) hold


async def _read_upload(upload: Upload) -> bytes | None:
    """The upload's bytes, reading at most one byte past the limit."""
    content = bytearray()
    while len(content) <= services.DOCUMENT_SIZE_MAX:
        chunk = await upload.read(UPLOAD_READ_CHUNK)  # type: ignore[attr-defined]
        if not chunk:
            return bytes(content)
        content.extend(chunk)
    return None


@strawberry.type
class KycQueries:
    @field(rule=Anyone(), description="A currency's KYC tiers and their limits.")
    async def kyc_tiers(self, currency: str) -> list[KycTier]:
        row = await get_currency(currency)
        if row is None:
            return []
        return [
            KycTier(row=tier, currency_code=row.code, decimals=row.decimals)
            for tier in await services.tiers_of(row.id)
        ]

    @field(
        rule=ANY_ADMIN,
        description="Documents waiting for a decision, oldest first; `first` is 1 to 100. "
        "Every administrator may read it; only KYC officers decide and open the files.",
    )
    async def kyc_review_queue(
        self, first: int, after: str | None = None
    ) -> Connection[KycReviewItem]:
        rows, more = await services.review_queue(page_size(first), int_cursor(after))
        return page(
            rows,
            more,
            lambda r: KycReviewItem(document=KycDocument(row=r), account=Account(row=r.account)),
        )


@strawberry.type
class KycMutations:
    @mutation(rule=SignedIn(), description="Sends a document for the active account.")
    async def submit_kyc_document(
        self, info: Info, input: SubmitKycDocumentInput
    ) -> KycDocumentPayload:
        principal = info.context.principal
        account = principal.account
        if account is None or principal.role_in(account.id) not in (
            MemberRole.HOLDER,
            MemberRole.OWNER,
        ):
            refusal = error("FORBIDDEN", "only the account's holder or owners send documents")
            return KycDocumentPayload(document=None, errors=[refusal])
        if not callable(getattr(input.file, "read", None)):  # a value inline, not a file part
            inline = error("INVALID_INPUT", "send the file as a multipart upload", "file")
            return KycDocumentPayload(document=None, errors=[inline])
        content = await _read_upload(input.file)
        if content is None:
            too_big = error("INVALID_INPUT", "10 MB at most", "file")
            return KycDocumentPayload(document=None, errors=[too_big])
        try:
            row = await services.submit_document(
                account,
                principal.user,
                input.kind.value,  # type: ignore[attr-defined]
                content,
                info.context.runtime.settings.kyc_dir,
            )
        except AccountsError as problem:
            return KycDocumentPayload(document=None, errors=from_domain(problem))
        return KycDocumentPayload(document=KycDocument(row=row), errors=[])

    @mutation(rule=KYC_OFFICER, description="APPROVE or DECLINE a document; audited.")
    async def review_kyc_document(
        self, info: Info, input: ReviewKycDocumentInput
    ) -> KycDocumentPayload:
        document_id = decode_id(input.id, "KycDocument")
        row = await KycDocumentRow.get_or_none(id=document_id) if document_id else None
        if row is None:
            missing = error("NOT_FOUND", "no such document", "id")
            return KycDocumentPayload(document=None, errors=[missing])
        try:
            row = await services.review_document(
                row,
                info.context.principal.user,
                input.decision.value,
                input.reason,
                input.expires_at,
            )
        except AccountsError as problem:
            return KycDocumentPayload(document=None, errors=from_domain(problem))
        return KycDocumentPayload(document=KycDocument(row=row), errors=[])

    @mutation(rule=KYC_OFFICER, description="Sets an account's tier by hand; audited.")
    async def set_account_kyc_tier(
        self, info: Info, input: SetAccountKycTierInput
    ) -> SetAccountKycTierPayload:
        account_id = decode_account_id(input.account_id)
        account = await AccountRow.get_or_none(id=account_id) if account_id else None
        code = input.currency or info.context.runtime.settings.default_currency
        currency = await get_currency(code)
        refusal = currency_refusal(info.context.principal, code)
        if refusal is not None:  # no currency named: the default one, perhaps not theirs
            refused = error("FORBIDDEN", refusal, "currency")
            return SetAccountKycTierPayload(account=None, tier=None, errors=[refused])
        problems = []
        if account is None:
            problems.append(error("NOT_FOUND", "no such account", "accountId"))
        if currency is None:
            problems.append(error("NOT_FOUND", "no such currency", "currency"))
        if account is None or currency is None:
            return SetAccountKycTierPayload(account=None, tier=None, errors=problems)
        try:
            level = await services.set_account_level(
                account, currency.id, input.tier, info.context.principal.user, input.reason
            )
        except AccountsError as problem:
            return SetAccountKycTierPayload(account=None, tier=None, errors=from_domain(problem))
        return SetAccountKycTierPayload(account=Account(row=account), tier=level, errors=[])

    @mutation(rule=SUPERADMIN, description="Changes a tier's limits or documents; audited.")
    async def update_kyc_tier(self, info: Info, input: UpdateKycTierInput) -> UpdateKycTierPayload:
        currency = await get_currency(input.currency)
        tier = None
        if currency is not None:
            tier = await KycTierRow.get_or_none(currency_id=currency.id, level=input.level)
        if currency is None or tier is None:
            missing = error("NOT_FOUND", "no such currency tier", "level")
            return UpdateKycTierPayload(tier=None, errors=[missing])
        changes: dict[str, object] = {}
        limits = (
            ("per_payment_limit", "perPaymentLimit", "per_payment_cents"),
            ("monthly_limit", "monthlyLimit", "monthly_cents"),
            ("max_balance", "maxBalance", "max_balance_cents"),
        )
        for name, api_name, column in limits:
            text = getattr(input, name)
            if text is not None:
                cents = parse_amount(text, currency.decimals)
                if cents is None or not 0 <= cents <= LIMIT_MINOR_UNITS_MAX:
                    bad = error("INVALID_AMOUNT", f"not an amount in {currency.code}", api_name)
                    return UpdateKycTierPayload(tier=None, errors=[bad])
                changes[column] = cents
        columns = {
            "perPaymentLimit": "per_payment_cents",
            "monthlyLimit": "monthly_cents",
            "maxBalance": "max_balance_cents",
        }
        for name in input.unlimited:
            if name not in columns:
                bad = error("INVALID_INPUT", f"one of {sorted(columns)}", "unlimited")
                return UpdateKycTierPayload(tier=None, errors=[bad])
            changes[columns[name]] = None
        for name in ("name", "can_send", "on_map"):
            if getattr(input, name) is not None:
                changes[name] = getattr(input, name)
        if input.required_documents is not None:
            changes["required_documents"] = [kind.value for kind in input.required_documents]  # type: ignore[attr-defined]
        try:
            tier = await services.update_tier(
                tier, info.context.principal.user, input.reason, changes
            )
        except AccountsError as problem:
            return UpdateKycTierPayload(tier=None, errors=from_domain(problem))
        return UpdateKycTierPayload(
            tier=KycTier(row=tier, currency_code=currency.code, decimals=currency.decimals),
            errors=[],
        )
