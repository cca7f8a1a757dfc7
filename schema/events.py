"""Live events for the signed-in person: KYC decisions now; more as domains add them."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.permissions import THROUGH_PARENT, SignedIn, policy, subscription
from server.accounts.sign_in import authenticate
from server.currencies.services import currency_codes
from server.events.models import Event

# Internal numbers in event data, and the node type each becomes in the API.
_NODE_KEYS = {"documentId": "KycDocument", "accountId": "Account", "userId": "User"}


@policy(THROUGH_PARENT)
@strawberry.type(description="Something that happened to one of the viewer's accounts.")
class AccountEvent:
    id: str
    type: str = strawberry.field(description="e.g. kyc_document.approved, kyc_tier.changed")
    account_ids: list[strawberry.ID]
    data: JSON
    created_at: datetime


async def _public(event: Event) -> AccountEvent:
    data: dict[str, Any] = {}
    for key, value in event.data.items():
        if key in _NODE_KEYS and isinstance(value, int):
            data[key] = relay.to_base64(_NODE_KEYS[key], value)
        elif key == "currencyId" and isinstance(value, int):
            data["currency"] = (await currency_codes()).get(value)
        else:
            data[key] = value
    return AccountEvent(
        id=str(event.id),
        type=event.type,
        account_ids=[strawberry.ID(relay.to_base64("Account", n)) for n in event.account_ids],
        data=cast(JSON, data),
        created_at=event.created_at,
    )


@strawberry.type
class EventSubscriptions:
    @subscription(rule=SignedIn(), description="Events of every account the viewer belongs to.")
    async def viewer_events(self, info: Info) -> AsyncGenerator[AccountEvent, None]:
        context = info.context
        hub = context.runtime.events
        async for event in hub.subscribe(set(context.principal.memberships)):
            # Permissions are checked again for every event: a session that ended, or a
            # membership that was removed, stops the delivery.
            principal = await authenticate(*context.credentials())
            if principal.is_anonymous or not set(principal.memberships) & set(event.account_ids):
                if principal.is_anonymous:
                    return
                continue
            yield await _public(event)
