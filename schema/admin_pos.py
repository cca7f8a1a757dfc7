"""Points of sale for administrators: business accounts taking payments through the
gateway, with their API keys, webhook endpoints and how deliveries to them fare.

Every administrator reads. Superadmins act through the owners' own mutations
(`revokeApiKey`, `redeliverWebhook`), which let them in and audit it; support never acts.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from schema.accounts.types import Account
from schema.connections import Connection, empty, int_cursor, page, page_size
from schema.permissions import THROUGH_PARENT, Admin, decode_account_id, field, policy
from schema.webhooks.schema import WebhookEndpoint
from server.accounts.models import Account as AccountRow
from server.accounts.models import AdminRole
from server.currencies.services import get_currency
from server.pos import admin as pos_admin
from server.webhooks.models import WebhookEndpoint as EndpointRow
from server.webhooks.services import endpoints_of

ADMINS = Admin(AdminRole)


@policy(THROUGH_PARENT)
@strawberry.type(description="How an endpoint's latest deliveries fared.")
class DeliveryHealth:
    window: int = strawberry.field(
        description="How many of the latest deliveries were counted (at most 50)."
    )
    succeeded: int
    failed: int = strawberry.field(description="Refused by the receiver, or given up on.")
    pending: int = strawberry.field(description="Still being tried.")
    success_rate: float | None = strawberry.field(
        description="Succeeded of those that finished, 0 to 1; null before any finished."
    )
    last_error: str = strawberry.field(description="The last failed attempt's error; or empty.")
    last_error_at: datetime | None
    last_success_at: datetime | None


@policy(THROUGH_PARENT)
@strawberry.type(description="A webhook endpoint of a point of sale, with its health.")
class PointOfSaleEndpoint:
    row: strawberry.Private[EndpointRow]

    @strawberry.field(description="The endpoint; its `deliveries` is the delivery log.")
    def endpoint(self) -> WebhookEndpoint:
        return WebhookEndpoint(row=self.row)

    @strawberry.field
    async def health(self) -> DeliveryHealth:
        found = await pos_admin.delivery_health(self.row.id)
        return DeliveryHealth(
            window=found.window,
            succeeded=found.succeeded,
            failed=found.failed,
            pending=found.pending,
            success_rate=found.success_rate,
            last_error=found.last_error,
            last_error_at=found.last_error_at,
            last_success_at=found.last_success_at,
        )


@policy(THROUGH_PARENT)
@strawberry.type(
    description="A business account that takes payments through the gateway: it has an "
    "API key not revoked, a webhook endpoint, or payment orders in the currency."
)
class PointOfSale:
    row: strawberry.Private[AccountRow]
    currency: str

    @strawberry.field(description="The business account: its `apiKeys` are its keys.")
    def account(self) -> Account:
        return Account(row=self.row)

    @strawberry.field(description="Its payment orders in the currency, of any status.")
    async def orders_count(self) -> int:
        return await pos_admin.orders_count(self.row.id, self.currency)

    @strawberry.field(description="Its API keys not revoked.")
    async def active_api_keys(self) -> int:
        return await pos_admin.active_key_count(self.row.id)

    @strawberry.field(description="Its webhook endpoints (not removed), with their health.")
    async def webhook_endpoints(self) -> list[PointOfSaleEndpoint]:
        return [PointOfSaleEndpoint(row=row) for row in await endpoints_of(self.row.id)]


@strawberry.type
class AdminPosQueries:
    @field(
        rule=ADMINS,
        description="Points of sale (see PointOfSale), by account; `search` matches name or "
        "handle; `first` is 1 to 100. Administrators.",
    )
    async def points_of_sale(
        self,
        currency: str,
        first: int,
        after: str | None = None,
        search: str | None = None,
    ) -> Connection[PointOfSale]:
        page_size(first)
        cursor = int_cursor(after)
        row = await get_currency(currency)
        if row is None:
            return empty()
        rows, more = await pos_admin.points_of_sale(row.code, first, cursor, search or "")
        return page(rows, more, lambda account: PointOfSale(row=account, currency=row.code))

    @field(
        rule=ADMINS,
        description="One point of sale by its account ID; null when the account is not "
        "one. Administrators.",
    )
    async def point_of_sale(
        self, info: Info, account_id: strawberry.ID, currency: str
    ) -> PointOfSale | None:
        number = decode_account_id(account_id)
        account = await AccountRow.get_or_none(id=number) if number is not None else None
        row = await get_currency(currency)
        if account is None or row is None:
            return None
        if not await pos_admin.is_point_of_sale(account, row.code):
            return None
        return PointOfSale(row=account, currency=row.code)
