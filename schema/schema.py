"""The root schema: it only assembles what each domain package declares."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import DisableIntrospection, MaskErrors, ParserCache, ValidationCache
from strawberry.types import Info

from schema.accounts.schema import AccountMutationRoot, AccountQueries
from schema.accounts.types import Account, ApiKey, User
from schema.admin_adjustments import AdjustmentMutations, AdjustmentQueries
from schema.admin_people import AdminPeopleMutations, AdminPeopleQueries
from schema.admin_pos import AdminPosQueries
from schema.admin_reports import AdminReportQueries
from schema.admin_stats import AdminStatsQueries, AdminStatsSubscriptions
from schema.admin_treasury import AdminTreasuryMutations, AdminTreasuryQueries
from schema.currencies.schema import CurrencyQueries
from schema.currencies.types import Currency
from schema.directory.schema import DirectoryMutations, DirectoryQueries
from schema.events import EventSubscriptions
from schema.kyc.schema import KycMutations, KycQueries
from schema.kyc.types import KycDocument
from schema.ledger.schema import LedgerMutations, LedgerQueries, LedgerSubscriptions
from schema.ledger.types import Transaction
from schema.limits import RequestLimits
from schema.permissions import Anyone, field
from schema.persisted import PersistedQueries
from schema.pos.schema import PaymentOrder, PosMutations, PosQueries, PosSubscriptions
from schema.text import RefuseUnstorableText
from schema.topup.redemption import Redemption, RedemptionMutations, RedemptionQueries
from schema.topup.schema import TopUp, TopUpMutations
from schema.webhooks.schema import (
    DeliveryMutations,
    EventQueries,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMutations,
)

log = logging.getLogger("rec.graphql")
PARSED_QUERIES_CACHED = 512
NODE_TYPES: list[type] = [
    Currency,
    Account,
    User,
    ApiKey,
    KycDocument,
    Transaction,
    PaymentOrder,
    WebhookEndpoint,
    WebhookDelivery,
    TopUp,
    Redemption,
]


@strawberry.type
class Query(
    CurrencyQueries,
    AdminStatsQueries,
    AccountQueries,
    KycQueries,
    LedgerQueries,
    PosQueries,
    EventQueries,
    RedemptionQueries,
    DirectoryQueries,
    AdjustmentQueries,
    AdminPeopleQueries,
    AdminPosQueries,
    AdminReportQueries,
    AdminTreasuryQueries,
):
    @field(rule=Anyone(), description="Any object the viewer may see, by its ID; null otherwise.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        try:
            global_id = relay.GlobalID.from_id(id)
        except (ValueError, TypeError):  # not an ID this API ever gave out
            return None
        origin = getattr(info.schema.get_type_by_name(global_id.type_name), "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
            return None
        # Each node type's resolve_nodes returns only what this viewer may see.
        return await global_id.resolve_node(info)


@strawberry.type
class Mutation(
    AccountMutationRoot,
    KycMutations,
    LedgerMutations,
    PosMutations,
    WebhookMutations,
    DeliveryMutations,
    TopUpMutations,
    RedemptionMutations,
    DirectoryMutations,
    AdjustmentMutations,
    AdminPeopleMutations,
    AdminTreasuryMutations,
):
    pass


@strawberry.type
class Subscription(
    EventSubscriptions, LedgerSubscriptions, PosSubscriptions, AdminStatsSubscriptions
):
    pass


def _is_internal(error: GraphQLError) -> bool:
    """Errors we did not raise on purpose: logged in full, shown to clients as a code only."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


# What GraphQL itself says of a value that is not of its type: a date that is no date, a
# string for an Int, an enum value that does not exist, a required variable left out.
_BAD_VALUE = re.compile(
    r"has invalid value|got invalid value|cannot represent|Expected value of type|"
    r"of required type .* was not provided|Enum .* has no value|Int cannot represent|"
    r"is not a valid|Invalid value"
)


def error_code(error: GraphQLError) -> str:
    """The error's code, given by us, or else the client's mistake GraphQL found before
    running anything: `INVALID_INPUT` for a value that is not of its type, `INVALID_QUERY`
    for the rest (a field that does not exist, a syntax error)."""
    given = (error.extensions or {}).get("code")
    if given:
        return str(given)
    return "INVALID_INPUT" if _BAD_VALUE.search(error.message) else "INVALID_QUERY"


class RecSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Refusals and invalid queries are the client's business: one quiet line each,
        and each carries its code in `extensions.code`. Unexpected errors keep their full
        traceback in the log."""
        unexpected = [error for error in errors if _is_internal(error)]
        for error in errors:
            if not _is_internal(error):
                code = error_code(error)
                error.extensions = {**(error.extensions or {}), "code": code}
                log.info("refused: %s %s", code, error.message)
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(
    introspection: bool = True,
    persisted: Mapping[str, str] | None = None,
    persisted_only: bool = False,
) -> strawberry.Schema:
    """The schema with its extensions: persisted queries and limits first (they refuse
    before anything is parsed or run), then the parser and validation caches."""
    registry = persisted or {}
    extensions: list[Any] = [
        lambda: MaskErrors(
            should_mask_error=_is_internal, error_message="internal error; it was logged"
        ),
        lambda: PersistedQueries(registry, persisted_only),
        RequestLimits,
        RefuseUnstorableText,  # no NUL (PostgreSQL) nor lone surrogates (UTF-8)
        lambda: ParserCache(maxsize=PARSED_QUERIES_CACHED),
        lambda: ValidationCache(maxsize=PARSED_QUERIES_CACHED),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return RecSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions,
    )


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
