"""Webhook endpoints of business accounts: added and rotated by owners, secrets shown once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from bson import ObjectId
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.connections import Connection, empty, invalid_input, page, page_size
from schema.errors import MutationError, error, from_domain
from schema.nodes import RowNode, rows_by_ids, visible_nodes
from schema.permissions import (
    THROUGH_PARENT,
    ActingMerchant,
    AnyOf,
    Anyone,
    MerchantAccess,
    SignedIn,
    decode_account_id,
    decode_id,
    decode_key,
    field,
    forbidden,
    mutation,
    policy,
)
from server.accounts import audit
from server.accounts.errors import AccountsError
from server.accounts.models import Account as AccountRow
from server.accounts.models import AdminRole, MemberRole
from server.accounts.principal import Principal, PrincipalKind
from server.webhooks import services as webhooks
from server.webhooks.delivery import circuit_of, log_of, redeliver, remove_endpoint
from server.webhooks.models import WebhookDelivery as DeliveryRow
from server.webhooks.models import WebhookEndpoint as EndpointRow
from server.webhooks.payloads import event_log


@strawberry.enum(
    description="CLOSED: deliveries flow. OPEN: the endpoint kept failing and "
    "rests; one probe at growing intervals (30 s to 5 min) tests it, and when it answers "
    "everything that waited goes out, in order."
)
class CircuitState(Enum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"


@policy(THROUGH_PARENT)
@strawberry.type
class WebhookEndpointHealth:
    state: CircuitState
    consecutive_failures: int
    last_error: str
    last_success_at: datetime | None
    last_failure_at: datetime | None
    next_probe_at: datetime | None = strawberry.field(
        description="When an OPEN endpoint is tried next."
    )


@policy(THROUGH_PARENT)
@strawberry.type(description="Where a business account's events are POSTed, signed.")
class WebhookEndpoint(RowNode, relay.Node):
    row: strawberry.Private[EndpointRow]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookEndpoint | None]:
        principal = info.context.principal
        return await visible_nodes(
            rows_by_ids(EndpointRow),
            node_ids,
            lambda row: row.disabled_at is None and _reads(principal, row.account_id),
            lambda row: WebhookEndpoint(row=row),
        )

    @strawberry.field
    def url(self) -> str:
        return self.row.url

    @strawberry.field
    def events(self) -> list[str]:
        return list(self.row.events)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="Until when the previous secret also signs, after a rotation.")
    def previous_secret_until(self) -> datetime | None:
        return self.row.previous_secret_until

    @strawberry.field(description="The circuit breaker's view of the receiver.")
    async def health(self) -> WebhookEndpointHealth:
        circuit = await circuit_of(self.row.id)
        return WebhookEndpointHealth(
            state=CircuitState(circuit.state.upper()),
            consecutive_failures=circuit.consecutive_failures,
            last_error=circuit.last_error,
            last_success_at=circuit.last_success_at,
            last_failure_at=circuit.last_failure_at,
            next_probe_at=circuit.next_probe_at,
        )

    @strawberry.field(description="The delivery log, newest first; `first` is 1 to 100.")
    async def deliveries(self, first: int, after: str | None = None) -> Connection[WebhookDelivery]:
        cursor = None
        if after is not None:
            if not ObjectId.is_valid(after):
                raise invalid_input("after is not a cursor of this list")
            cursor = ObjectId(after)
        rows, more = await log_of(self.row.id, page_size(first), cursor)
        return page(rows, more, lambda row: WebhookDelivery(row=row))


@strawberry.input
class AddWebhookEndpointInput:
    account_id: strawberry.ID
    url: str
    events: list[str] = strawberry.field(
        description="payment_order.created/succeeded/canceled/expired, refund.succeeded"
    )


@strawberry.input
class RotateWebhookSecretInput:
    id: strawberry.ID


@strawberry.input
class RemoveWebhookEndpointInput:
    id: strawberry.ID


@policy(THROUGH_PARENT)
@strawberry.type
class RemoveWebhookEndpointPayload:
    removed_id: strawberry.ID | None
    errors: list[MutationError]


# Owners of the account, or its API keys with webhooks:write. MANAGE_SOME lets anyone who
# may manage some endpoint in; the resolver then finds the endpoint's account.
MANAGE = MerchantAccess([MemberRole.OWNER], "webhooks:write")
MANAGE_SOME = AnyOf(SignedIn(), ActingMerchant([], "webhooks:write"))


def _reads(principal: Principal, account_id: int) -> bool:
    """Who sees an account's endpoints and deliveries: who manages them, and administrators."""
    return _manages(principal, account_id) or bool(principal.admin_roles)


def _manages(principal: Principal, account_id: int) -> bool:
    if principal.kind == PrincipalKind.API_KEY:
        own = principal.account is not None and principal.account.id == account_id
        return own and principal.has_scope("webhooks:write")
    return principal.role_in(account_id) == MemberRole.OWNER


async def _managed_endpoint(info: Info, global_id: strawberry.ID) -> EndpointRow | None:
    """The endpoint, if the caller may manage it and it was not removed (a removed one is
    gone for rotating, removing and redelivering alike)."""
    endpoint_id = decode_id(global_id, "WebhookEndpoint")
    row = await EndpointRow.get_or_none(id=endpoint_id, disabled_at=None) if endpoint_id else None
    if row is None or not _manages(info.context.principal, row.account_id):  # type: ignore[attr-defined]
        return None
    return row


@policy(THROUGH_PARENT)
@strawberry.type
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(description="The signing secret: shown this once.")
    errors: list[MutationError]


def _failed(problems: list[MutationError]) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(webhook_endpoint=None, secret=None, errors=problems)


@strawberry.type
class WebhookMutations:
    @mutation(rule=MANAGE, description="Returns the secret once.")
    async def add_webhook_endpoint(
        self, info: Info, input: AddWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        account_id = decode_account_id(input.account_id)
        account = await AccountRow.get_or_none(id=account_id) if account_id else None
        if account is None:
            return _failed([error("NOT_FOUND", "no such account", "accountId")])
        if len(input.events) > 20:
            return _failed([error("INVALID_INPUT", "at most 20 event types", "events")])
        settings = info.context.runtime.settings
        try:
            created = await webhooks.add_endpoint(
                account,
                input.url,
                input.events,
                settings.secret_key,
                development=not settings.is_production,
            )
        except AccountsError as problem:
            return _failed(from_domain(problem))
        return WebhookEndpointPayload(
            webhook_endpoint=WebhookEndpoint(row=created.endpoint), secret=created.secret, errors=[]
        )

    @mutation(
        rule=MANAGE_SOME,
        description="A new secret, shown once; the old one signs too "
        "for 24 hours. Owners of the endpoint's account, or its keys with webhooks:write.",
    )
    async def rotate_webhook_secret(
        self, info: Info, input: RotateWebhookSecretInput
    ) -> WebhookEndpointPayload:
        row = await _managed_endpoint(info, input.id)
        if row is None:
            return _failed([error("NOT_FOUND", "no such endpoint of yours", "id")])
        secret = await webhooks.rotate_secret(row, info.context.runtime.settings.secret_key)
        return WebhookEndpointPayload(
            webhook_endpoint=WebhookEndpoint(row=row), secret=secret, errors=[]
        )

    @mutation(
        rule=MANAGE_SOME,
        description="Stops sending to the endpoint: what it had pending is canceled, its "
        "delivery log stays. Owners of its account, or its keys with webhooks:write.",
    )
    async def remove_webhook_endpoint(
        self, info: Info, input: RemoveWebhookEndpointInput
    ) -> RemoveWebhookEndpointPayload:
        row = await _managed_endpoint(info, input.id)
        if row is None:
            missing = [error("NOT_FOUND", "no such endpoint of yours", "id")]
            return RemoveWebhookEndpointPayload(removed_id=None, errors=missing)
        await remove_endpoint(row)
        return RemoveWebhookEndpointPayload(removed_id=input.id, errors=[])


@policy(THROUGH_PARENT)
@strawberry.type
class DeliveryAttempt:
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int


@policy(THROUGH_PARENT)
@strawberry.type(description="One event on its way to an endpoint, with every attempt.")
class WebhookDelivery(RowNode, relay.Node):
    row: strawberry.Private[DeliveryRow]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookDelivery | None]:
        principal = info.context.principal
        keys = [ObjectId(n) if ObjectId.is_valid(n) else None for n in node_ids]
        wanted = [key for key in keys if key is not None]
        rows = await DeliveryRow.find({"_id": {"$in": wanted}}).to_list()
        found: dict[Any, DeliveryRow] = {row.id: row for row in rows}
        live = set(
            await EndpointRow.filter(
                id__in={row.endpoint_id for row in rows}, disabled_at=None
            ).values_list("id", flat=True)
        )
        result: list[WebhookDelivery | None] = []
        for key in keys:
            row = found.get(key)
            if row is not None and row.endpoint_id in live and _reads(principal, row.account_id):
                result.append(WebhookDelivery(row=row))
            else:
                result.append(None)
        return result

    @strawberry.field(description="The webhook-id header: receivers deduplicate on it.")
    def event_id(self) -> str:
        return self.row.event_id

    @strawberry.field
    def event_type(self) -> str:
        return self.row.event_type

    @strawberry.field(
        description="pending, succeeded, failed (refused by the receiver), dead (gave up "
        "after 3 days) or canceled (its endpoint was removed)."
    )
    def status(self) -> str:
        return self.row.status

    @strawberry.field
    def attempts(self) -> list[DeliveryAttempt]:
        return [
            DeliveryAttempt(
                at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms
            )
            for a in self.row.attempts
        ]

    @strawberry.field
    def next_attempt_at(self) -> datetime:
        return self.row.next_attempt_at


@strawberry.input
class RedeliverWebhookInput:
    id: strawberry.ID


@policy(THROUGH_PARENT)
@strawberry.type
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None
    errors: list[MutationError]


@strawberry.type
class DeliveryMutations:
    @mutation(
        rule=MANAGE_SOME,
        description="Sends a delivery again; owners of its account, or its keys with "
        "webhooks:write; or a superadmin, audited. Other administrators are refused "
        "(FORBIDDEN).",
    )
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput
    ) -> RedeliverWebhookPayload:
        principal = info.context.principal
        raw = decode_key(input.id, "WebhookDelivery")
        row = None
        if raw is not None and ObjectId.is_valid(raw):
            row = await DeliveryRow.get(ObjectId(raw))
        if row is not None and not await EndpointRow.exists(id=row.endpoint_id, disabled_at=None):
            row = None  # its endpoint was removed
        manages = row is not None and _manages(principal, row.account_id)
        as_superadmin = False
        if not manages and principal.admin_roles:
            if AdminRole.SUPERADMIN not in principal.admin_roles:
                raise forbidden("only superadmins redeliver other accounts' webhooks")
            as_superadmin = row is not None
        if row is None or not (manages or as_superadmin):
            missing = [error("NOT_FOUND", "no such delivery of yours", "id")]
            return RedeliverWebhookPayload(delivery=None, errors=missing)
        again = await redeliver(row)
        if as_superadmin:
            await audit.record(
                principal.user,
                "webhook.redeliver",
                "webhook_delivery",
                row.id,
                before={"status": row.status, "endpoint_id": row.endpoint_id},
                after={"status": again.status},
            )
        return RedeliverWebhookPayload(delivery=WebhookDelivery(row=again), errors=[])


@policy(THROUGH_PARENT)
@strawberry.type(description="A payment order or refund event, exactly as its webhook body.")
class Event:
    id: str = strawberry.field(description="The webhook-id header of its deliveries.")
    type: str
    created: datetime
    data: JSON


def _event(row: dict[str, Any]) -> Event:
    return Event(
        id=row["id"],
        type=row["type"],
        created=datetime.fromisoformat(row["created"]),
        data=cast(JSON, row["data"]),
    )


@strawberry.type
class EventQueries:
    @field(
        rule=Anyone(),
        description="The event types a webhook endpoint may ask for, for "
        "`addWebhookEndpoint(input: { events })`.",
    )
    def webhook_event_types(self) -> list[str]:
        return list(webhooks.EVENT_TYPES)

    @field(
        rule=ActingMerchant([MemberRole.OWNER, MemberRole.MANAGER], "payment_orders:read"),
        description="The acting business account's payment order and refund events of the "
        "last 30 days, newest first; `first` is 1 to 100.",
    )
    async def events(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        types: list[str] | None = None,
        payment_order_id: strawberry.ID | None = None,
    ) -> Connection[Event]:
        page_size(first)
        if types is not None and len(types) > 20:
            raise invalid_input("at most 20 types")
        account = info.context.principal.account
        order_key = decode_key(payment_order_id, "PaymentOrder") if payment_order_id else None
        if account is None or (payment_order_id and order_key is None):
            return empty()
        try:
            rows, more = await event_log(account.id, first, after, types, order_key)
        except ValueError as problem:
            raise invalid_input(str(problem)) from None
        return page(rows, more, _event, cursor=lambda row: row["id"])
