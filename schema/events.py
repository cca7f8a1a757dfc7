"""Live events for the signed-in person: KYC decisions now; more as domains add them."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.permissions import THROUGH_PARENT, SignedIn, policy, subscription


@policy(THROUGH_PARENT)
@strawberry.type(description="Something that happened to one of the viewer's accounts.")
class AccountEvent:
    id: str
    type: str = strawberry.field(description="e.g. kyc_document.approved, kyc_tier.changed")
    account_ids: list[int]
    data: JSON
    created_at: datetime


@strawberry.type
class EventSubscriptions:
    @subscription(rule=SignedIn(), description="Events of every account the viewer belongs to.")
    async def viewer_events(self, info: Info) -> AsyncGenerator[AccountEvent, None]:
        principal = info.context.principal
        hub = info.context.runtime.events
        async for event in hub.subscribe(set(principal.memberships)):
            yield AccountEvent(
                id=str(event.id),
                type=event.type,
                account_ids=event.account_ids,
                data=event.data,
                created_at=event.created_at,
            )
