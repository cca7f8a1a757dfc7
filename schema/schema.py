"""The root schema: it only assembles what each domain package declares."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import DisableIntrospection, MaskErrors, ParserCache, ValidationCache
from strawberry.types import Info

from schema.accounts.schema import AccountMutationRoot, AccountQueries
from schema.accounts.types import Account, ApiKey, User
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
    AccountQueries,
    KycQueries,
    LedgerQueries,
    PosQueries,
    EventQueries,
    RedemptionQueries,
    DirectoryQueries,
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
):
    pass


@strawberry.type
class Subscription(EventSubscriptions, LedgerSubscriptions, PosSubscriptions):
    pass


def _is_internal(error: GraphQLError) -> bool:
    """Errors we did not raise on purpose: logged in full, shown to clients as a code only."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class RecSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Refusals and invalid queries are the client's business: one quiet line each.
        Unexpected errors keep their full traceback in the log."""
        unexpected = [error for error in errors if _is_internal(error)]
        for error in errors:
            if not _is_internal(error):
                code = (error.extensions or {}).get("code", "INVALID_QUERY")
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
