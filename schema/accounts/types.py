from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.connections import Connection, invalid_input, page, page_size
from schema.kyc.types import KycDocument, KycTier
from schema.ledger.types import Wallet
from schema.money import to_money
from schema.nodes import RowNode, rows_by_ids, visible_nodes
from schema.permissions import (
    THROUGH_PARENT,
    AccountRole,
    Admin,
    AnyOf,
    MerchantAccess,
    field,
    member_or_admin,
    policy,
)
from schema.pos.schema import (
    ORDER_LIST_READERS,
    ChargeStatus,
    PaymentOrder,
    account_payment_orders,
)
from schema.topup.redemption import Redemption, account_redemptions
from schema.topup.schema import TopUp
from schema.webhooks.schema import WebhookEndpoint
from server import clock
from server.accounts import admin_people, api_keys, services
from server.accounts.models import Account as AccountRow
from server.accounts.models import AccountKind as AccountKindValue
from server.accounts.models import AdminRole as AdminRoleValue
from server.accounts.models import ApiKey as ApiKeyRow
from server.accounts.models import MemberRole as MemberRoleValue
from server.accounts.models import Session as SessionRow
from server.accounts.models import User as UserRow
from server.currencies.models import Currency as CurrencyRow
from server.currencies.services import currencies_by_codes
from server.ledger.errors import LedgerError
from server.topup import services as topups
from server.webhooks.services import endpoints_of

AccountKind = strawberry.enum(AccountKindValue, name="AccountKind")
MemberRole = strawberry.enum(MemberRoleValue, name="MemberRole")
AdminRole = strawberry.enum(AdminRoleValue, name="AdminRole")
ALL_ADMINS = Admin(AdminRoleValue)
OWNER = MemberRoleValue.OWNER
HOLDER = MemberRoleValue.HOLDER
MANAGER = MemberRoleValue.MANAGER


@policy(THROUGH_PARENT)
@strawberry.type(description="A person who signs in.")
class User(RowNode, relay.Node):
    row: strawberry.Private[UserRow]
    # A list's people come with their memberships loaded in one batch (adminPeople).
    accounts_loaded: strawberry.Private[list[tuple[AccountRow, MemberRoleValue]] | None] = None

    @strawberry.field
    def email(self) -> str:
        return self.row.email

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def language(self) -> str:
        return self.row.language

    @strawberry.field
    def email_verified(self) -> bool:
        return self.row.email_verified_at is not None

    @strawberry.field
    def two_factor_enabled(self) -> bool:
        return self.row.totp_enabled_at is not None

    @strawberry.field
    def has_payment_pin(self) -> bool:
        return self.row.pin_hash is not None

    @strawberry.field(description="Administrator roles granted to this person.")
    async def admin_roles(self) -> list[AdminRole]:  # type: ignore[valid-type]
        return list(await services.admin_roles(self.row))

    @field(rule=ALL_ADMINS, description="Blocked by an administrator: cannot sign in.")
    def blocked(self) -> bool:
        return not self.row.is_active

    @field(rule=ALL_ADMINS, description="Wrong PINs in a row; at 3 the PIN no longer pays.")
    def pin_failures(self) -> int:
        return self.row.pin_failures

    @field(rule=ALL_ADMINS, description="Too many wrong PINs: payments with the PIN refused.")
    def pin_locked(self) -> bool:
        return admin_people.is_pin_locked(self.row)

    @field(rule=ALL_ADMINS, description="When the person registered.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @field(rule=ALL_ADMINS, description="The accounts this person belongs to, with their role.")
    async def memberships(self) -> list[Membership]:
        loaded = self.accounts_loaded
        if loaded is None:
            loaded = await services.accounts_of(self.row)
        return [Membership(account=Account(row=account), role=role) for account, role in loaded]

    @field(
        rule=ALL_ADMINS,
        description="The person's most recent sessions, newest first, ended ones too; "
        "`first` 1 to 100.",
    )
    async def sessions(self, first: int = 20) -> list[UserSession]:
        rows = await admin_people.recent_sessions(self.row.id, page_size(first))
        return [UserSession(row=row) for row in rows]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[User | None]:
        principal = info.context.principal
        me = principal.user.id if principal.user else None
        return await visible_nodes(
            info.context.loaders.users.load_many,
            node_ids,
            lambda row: row.id == me or bool(principal.admin_roles),
            lambda row: User(row=row),
        )


@policy(THROUGH_PARENT)
@strawberry.type(description="A browser or program signed in as a person, for administrators.")
class UserSession:
    row: strawberry.Private[SessionRow]

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="Last request, to within a few minutes.")
    def last_seen_at(self) -> datetime:
        return self.row.last_seen_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.row.expires_at

    @strawberry.field(description="When it was signed out or ended; null while it lasts.")
    def ended_at(self) -> datetime | None:
        return self.row.ended_at

    @strawberry.field(description="Neither ended nor expired.")
    def active(self) -> bool:
        return self.row.ended_at is None and self.row.expires_at > clock.now()

    @strawberry.field
    def user_agent(self) -> str:
        return self.row.user_agent

    @strawberry.field(description="Whether it signed in with two-factor.")
    def two_factor_passed(self) -> bool:
        return self.row.two_factor_passed


@policy(THROUGH_PARENT)
@strawberry.type(description="A person's role in an account.")
class Member:
    user_row: strawberry.Private[UserRow]
    role: MemberRole  # type: ignore[valid-type]

    @strawberry.field(description="The member's user ID, e.g. for removeMember.")
    def user_id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("User", self.user_row.id))

    @strawberry.field
    def name(self) -> str:
        return self.user_row.name

    @strawberry.field
    def email(self) -> str:
        return self.user_row.email


@policy(THROUGH_PARENT)
@strawberry.type(description="A key programs use to act for a business account.")
class ApiKey(RowNode, relay.Node):
    row: strawberry.Private[ApiKeyRow]

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="The key's public part, to recognise it; never the secret.")
    def prefix(self) -> str:
        return f"reck_{self.row.lookup}_"

    @strawberry.field
    def scopes(self) -> list[str]:
        return list(self.row.scopes)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def last_used_at(self) -> datetime | None:
        return self.row.last_used_at

    @strawberry.field
    def revoked_at(self) -> datetime | None:
        return self.row.revoked_at

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[ApiKey | None]:
        principal = info.context.principal
        return await visible_nodes(
            rows_by_ids(ApiKeyRow),
            node_ids,
            lambda row: principal.role_in(row.account_id) == OWNER or bool(principal.admin_roles),
            lambda row: ApiKey(row=row),
        )


@policy(THROUGH_PARENT)
@strawberry.type(description="A personal, business or issuer account; it holds wallets.")
class Account(RowNode, relay.Node):
    row: strawberry.Private[AccountRow]

    @property
    def account_id(self) -> int:  # what source-based rules read
        return self.row.id

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def kind(self) -> AccountKind:  # type: ignore[valid-type]
        return AccountKindValue(self.row.kind)

    @strawberry.field(description="The short payment address people type or scan.")
    def handle(self) -> str:
        return self.row.handle

    @strawberry.field(
        description="KYC tier in a currency (default: the main one): 0 cannot send; higher "
        "tiers have higher limits."
    )
    async def kyc_tier(self, info: Info, currency: str | None = None) -> int | None:
        row = await _currency(info, currency, self.row.id)
        if row is None:
            return None
        return await info.context.loaders.kyc_levels.load((self.row.id, row.id))

    @strawberry.field(
        description="The KYC tier in force in a currency, with what it allows: its limits."
    )
    async def kyc_limits(self, info: Info, currency: str | None = None) -> KycTier | None:
        row = await _currency(info, currency, self.row.id)
        if row is None:
            return None
        loaders = info.context.loaders
        level = await loaders.kyc_levels.load((self.row.id, row.id))
        tier = next((t for t in await loaders.kyc_tiers.load(row.id) if t.level == level), None)
        return KycTier(row=tier, currency_code=row.code, decimals=row.decimals) if tier else None

    @strawberry.field(description="The account's wallet in a currency (default: the main one).")
    async def wallet(self, info: Info, currency: str | None = None) -> Wallet | None:
        row = await _currency(info, currency, self.row.id)
        if row is None:
            return None
        cents = await info.context.loaders.balances.load((self.row.id, row.code))
        return Wallet(
            account_id=self.row.id,
            decimals=row.decimals,
            currency=row.code,
            balance=to_money(cents, row.code, row.decimals),
        )

    @field(rule=AnyOf(AccountRole([HOLDER, OWNER], None), Admin([AdminRoleValue.KYC_OFFICER])))
    async def kyc_documents(self, info: Info) -> list[KycDocument]:
        documents = await info.context.loaders.kyc_documents.load(self.row.id)
        return [KycDocument(row=row) for row in documents]

    @field(
        rule=AnyOf(AccountRole([HOLDER, OWNER], None), ALL_ADMINS),
        description="Currency bought by card for this account, newest first; `first` 1 to 100.",
    )
    async def top_ups(self, info: Info, first: int, after: str | None = None) -> Connection[TopUp]:
        try:
            rows, more = await topups.top_ups_of(self.row.id, page_size(first), after)
        except LedgerError:
            raise invalid_input("after is not a cursor of this list") from None
        # An administrator of some currencies who is no member: theirs only.
        principal = info.context.principal
        rows = [row for row in rows if member_or_admin(principal, self.row.id, row.currency)]
        currencies = await currencies_by_codes({row.currency for row in rows})
        return page(
            rows, more, lambda row: TopUp(row=row, decimals=currencies[row.currency].decimals)
        )

    @field(
        rule=AnyOf(AccountRole([OWNER], None), ALL_ADMINS),
        description="Its cash-outs to a bank account, newest first; `first` 1 to 100.",
    )
    async def redemptions(
        self, info: Info, first: int, after: str | None = None
    ) -> Connection[Redemption]:
        return await account_redemptions(info.context.principal, self.row.id, first, after)

    @field(
        rule=ORDER_LIST_READERS,
        description="Its payment orders, newest first, optionally of one status; `first` 1 "
        "to 100. Its members, its API keys with payment_orders:read, administrators.",
    )
    async def payment_orders(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        status: ChargeStatus | None = None,  # type: ignore[valid-type]
    ) -> Connection[PaymentOrder]:
        return await account_payment_orders(info, self.row.id, first, after, status)

    @field(rule=AnyOf(AccountRole([OWNER, MANAGER], None), ALL_ADMINS))
    async def members(self, info: Info) -> list[Member]:
        return [
            Member(user_row=m.user, role=MemberRoleValue(m.role))
            for m in await info.context.loaders.members.load(self.row.id)
        ]

    @field(rule=AnyOf(MerchantAccess([OWNER], "webhooks:write", account_argument=None), ALL_ADMINS))
    async def webhook_endpoints(self) -> list[WebhookEndpoint]:
        return [WebhookEndpoint(row=row) for row in await endpoints_of(self.row.id)]

    @field(rule=AnyOf(AccountRole([OWNER], None), ALL_ADMINS))
    async def api_keys(self) -> list[ApiKey]:
        return [ApiKey(row=row) for row in await api_keys.keys_of(self.row.id)]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[Account | None]:
        principal = info.context.principal
        return await visible_nodes(
            info.context.loaders.accounts.load_many,
            node_ids,
            lambda row: member_or_admin(principal, row.id),
            lambda row: Account(row=row),
        )


async def _currency(info: Info, code: str | None, account_id: int) -> CurrencyRow | None:
    """The currency a field of the account names, or the main one; asked by a list's items
    in one batch. None also for an administrator of other currencies who is no member:
    the account's wallet, tier and limits in it are not theirs to see."""
    row = await info.context.loaders.currencies.load(
        code or info.context.runtime.settings.default_currency
    )
    principal = info.context.principal
    if row is not None and principal.admin_roles and principal.role_in(account_id) is None:
        return row if principal.manages_currency(row.code) else None
    return row


@policy(THROUGH_PARENT)
@strawberry.type(description="An account the viewer belongs to, and the viewer's role in it.")
class Membership:
    account: Account
    role: MemberRole  # type: ignore[valid-type]


@policy(THROUGH_PARENT)
@strawberry.type(description="Who is asking, and what they act as.")
class Viewer:
    user: User | None
    active_account: Account | None
    # Whose memberships `accounts` lists: read only when asked for.
    member: strawberry.Private[UserRow | None]
    admin_roles: list[AdminRole] = strawberry.field(  # type: ignore[valid-type]
        description="Administrator roles in force in this session (two-factor passed)."
    )
    two_factor_required: bool = strawberry.field(
        description="True when roles were granted but this session lacks two-factor."
    )
    admin_currencies: list[str] | None = strawberry.field(
        default=None,
        description="The currencies (codes) the roles in `adminRoles` apply to: null for "
        "every currency; empty when `adminRoles` is.",
    )

    @strawberry.field
    async def accounts(self) -> list[Membership]:
        if self.member is None:
            return []
        return [
            Membership(account=Account(row=account), role=role)
            for account, role in await services.accounts_of(self.member)
        ]
