"""Live events for the signed-in person: KYC decisions now; more as domains add them.

`follow` is how every subscription hears its events: from a cursor (`after`, the
`cursor` of the last event the client saw), first the stored events it missed, then live
ones, without gaps or repeats. Each subscription filters and re-checks permissions for
replayed and live events alike.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

import strawberry
from bson import ObjectId
from graphql import GraphQLError
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.context import Context
from schema.permissions import THROUGH_PARENT, SignedIn, policy, subscription
from server.accounts.principal import Principal
from server.accounts.sign_in import Credentials, authenticate_many
from server.currencies.services import currency_codes
from server.events.hub import REPLAY_DAYS, REPLAY_EVENTS_MAX, CursorExpired, Listening
from server.events.models import Event

# Internal numbers in event data, and the node type each becomes in the API.
_NODE_KEYS = {"documentId": "KycDocument", "accountId": "Account", "userId": "User"}
AFTER = (
    "With `after`, the `cursor` of the last event seen: first the events missed since "
    f"(up to {REPLAY_EVENTS_MAX}, of the last {REPLAY_DAYS} days), then live ones."
)


_rechecks: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, DataLoader[Credentials, Principal]
] = weakref.WeakKeyDictionary()


async def recheck(context: Context) -> Principal:
    """Who the subscriber is now, asked again for each event: a session that ended, or a
    membership that was removed, shows here. The subscriptions woken by one event ask
    together, in one batch (one event to 1,000 subscribers costs a few queries)."""
    loop = asyncio.get_running_loop()
    loader = _rechecks.get(loop)
    if loader is None:
        loader = _rechecks[loop] = DataLoader(load_fn=authenticate_many, cache=False)
    return await loader.load(context.credentials())


@asynccontextmanager
async def follow(
    context: Context, account_ids: set[int], after: str | None
) -> AsyncIterator[Listening]:
    """The events of those accounts, to iterate inside the block: those stored after the
    cursor when one is given, then live ones, each once. Listening starts before the past
    is read, so nothing falls in between; it stops when the block ends."""
    cursor = None
    if after is not None:
        if not (isinstance(after, str) and len(after) == 24 and ObjectId.is_valid(after)):
            raise GraphQLError("after is not an event cursor", extensions={"code": "INVALID_INPUT"})
        cursor = ObjectId(after)
    with context.runtime.events.listen(account_ids) as listening:
        if cursor is not None:
            try:
                await listening.replay(cursor)
            except CursorExpired as expired:
                raise GraphQLError(
                    f"{expired}: read the current state, then subscribe without after",
                    extensions={"code": "CURSOR_EXPIRED"},
                ) from None
        if context.on_listening is not None:
            await context.on_listening()
        yield listening


@policy(THROUGH_PARENT)
@strawberry.type(description="Something that happened to one of the viewer's accounts.")
class AccountEvent:
    id: str
    cursor: str = strawberry.field(description="Its position, for `after`: equal to its id.")
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
        cursor=str(event.id),
        type=event.type,
        account_ids=[strawberry.ID(relay.to_base64("Account", n)) for n in event.account_ids],
        data=cast(JSON, data),
        created_at=event.created_at,
    )


@strawberry.type
class EventSubscriptions:
    @subscription(
        rule=SignedIn(), description="Events of every account the viewer belongs to. " + AFTER
    )
    async def viewer_events(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[AccountEvent, None]:
        context = info.context
        async with follow(context, set(context.principal.memberships), after) as events:
            async for event in events:
                # Permissions are checked again for every event: a session that ended, or
                # a membership that was removed, stops the delivery.
                principal = await recheck(context)
                if principal.is_anonymous:
                    return
                if set(principal.memberships) & set(event.account_ids):
                    yield await _public(event)
