from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from schema.money import Money, to_money
from schema.nodes import RowNode, rows_by_ids, visible_nodes
from schema.permissions import PUBLIC, THROUGH_PARENT, policy
from server.kyc.models import DocumentKind, DocumentStatus
from server.kyc.models import KycDocument as KycDocumentRow
from server.kyc.models import KycTier as KycTierRow
from server.kyc.services import may_read

KycDocumentKind = strawberry.enum(DocumentKind, name="KycDocumentKind")
KycDocumentStatus = strawberry.enum(DocumentStatus, name="KycDocumentStatus")


@policy(PUBLIC)
@strawberry.type(description="A KYC level of a currency and what accounts at it may do.")
class KycTier:
    row: strawberry.Private[KycTierRow]
    currency_code: strawberry.Private[str]
    decimals: strawberry.Private[int]

    @strawberry.field
    def level(self) -> int:
        return self.row.level

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="False: accounts at this tier may receive but not send.")
    def can_send(self) -> bool:
        return self.row.can_send

    def _money(self, cents: int | None) -> Money | None:
        return None if cents is None else to_money(cents, self.currency_code, self.decimals)

    @strawberry.field(description="Largest single payment; null means no limit.")
    def per_payment_limit(self) -> Money | None:
        return self._money(self.row.per_payment_cents)

    @strawberry.field(description="Most that may be sent in a calendar month; null: no limit.")
    def monthly_limit(self) -> Money | None:
        return self._money(self.row.monthly_cents)

    @strawberry.field(description="Largest balance a wallet may hold; null means no limit.")
    def max_balance(self) -> Money | None:
        return self._money(self.row.max_balance_cents)

    @strawberry.field(description="Whether a business at this tier appears on the map.")
    def on_map(self) -> bool:
        return self.row.on_map

    @strawberry.field
    def required_documents(self) -> list[KycDocumentKind]:  # type: ignore[valid-type]
        return [DocumentKind(kind) for kind in self.row.required_documents]


@policy(THROUGH_PARENT)
@strawberry.type(description="A document sent for KYC review.")
class KycDocument(RowNode, relay.Node):
    row: strawberry.Private[KycDocumentRow]

    @strawberry.field
    def kind(self) -> KycDocumentKind:  # type: ignore[valid-type]
        return DocumentKind(self.row.kind)

    @strawberry.field
    def status(self) -> KycDocumentStatus:  # type: ignore[valid-type]
        return DocumentStatus(self.row.status)

    @strawberry.field(description="The officer's reason, for a decision.")
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field
    def content_type(self) -> str:
        return self.row.content_type

    @strawberry.field
    def size_bytes(self) -> int:
        return self.row.size_bytes

    @strawberry.field
    def submitted_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def reviewed_at(self) -> datetime | None:
        return self.row.reviewed_at

    @strawberry.field
    def expires_at(self) -> datetime | None:
        return self.row.expires_at

    @strawberry.field(description="Where the file is served, to those who may read it.")
    def download_url(self) -> str:
        return f"/kyc/documents/{self.row.id}"

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[KycDocument | None]:
        principal = info.context.principal
        return await visible_nodes(
            rows_by_ids(KycDocumentRow),
            node_ids,
            lambda row: may_read(principal, row),
            lambda row: KycDocument(row=row),
        )
