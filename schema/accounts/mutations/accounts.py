"""Business accounts, the active account, and members."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import strawberry
from strawberry.types import Info

from schema.accounts.types import Account, MemberRole
from schema.accounts.wallet_links import wallet_url
from schema.errors import MutationError, error, from_domain
from schema.permissions import (
    THROUGH_PARENT,
    AccountRole,
    SignedIn,
    decode_account_id,
    decode_id,
    mutation,
    policy,
)
from server.accounts import services
from server.accounts.errors import AccountsError
from server.accounts.models import Account as AccountRow
from server.accounts.models import MemberRole as MemberRoleValue
from server.accounts.sign_in import switch_account
from server.directory.services import register_business

OWNER = [MemberRoleValue.OWNER]


@strawberry.input
class LocationInput:
    lat: float = strawberry.field(description="Latitude in degrees (WGS 84).")
    lng: float = strawberry.field(description="Longitude in degrees (WGS 84).")


@strawberry.input
class CreateBusinessAccountInput:
    name: str
    category: str
    address: str
    location: LocationInput
    neighbourhood: str = ""


@strawberry.input
class SwitchAccountInput:
    account_id: strawberry.ID


@strawberry.input
class InviteMemberInput:
    account_id: strawberry.ID
    email: str
    role: MemberRole  # type: ignore[valid-type]
    currency: str | None = strawberry.field(
        default=None,
        description="The currency whose wallet the invitation's link opens (its code); "
        "null: the host's or the default currency's.",
    )


@strawberry.input
class AcceptInvitationInput:
    token: str


@strawberry.input
class RemoveMemberInput:
    account_id: strawberry.ID
    user_id: strawberry.ID


@policy(THROUGH_PARENT)
@strawberry.type
class AccountPayload:
    account: Account | None
    errors: list[MutationError]


def _account_payload(row: AccountRow | None, errors: list[MutationError]) -> AccountPayload:
    return AccountPayload(account=Account(row=row) if row else None, errors=errors)


def _joined(info: Info, account_id: int, role: MemberRoleValue) -> None:
    """The caller's new role holds from this same answer on: the payload's account shows
    what its new member may see (its members, its keys) rather than FORBIDDEN."""
    principal = info.context.principal
    memberships = {**principal.memberships, account_id: role}
    info.context.principal = replace(principal, memberships=memberships)


async def _account(global_id: strawberry.ID) -> AccountRow | None:
    account_id = decode_account_id(global_id)
    return await AccountRow.get_or_none(id=account_id) if account_id else None


@strawberry.type
class AccountMutations:
    @mutation(rule=SignedIn(), description="A business account; the viewer becomes its owner.")
    async def create_business_account(
        self, info: Info, input: CreateBusinessAccountInput
    ) -> AccountPayload:
        try:
            # Coordinates are not money: a float from the API becomes an exact decimal here.
            row = await register_business(
                info.context.principal.user,
                name=input.name,
                category=input.category,
                address=input.address,
                neighbourhood=input.neighbourhood,
                latitude=Decimal(repr(input.location.lat)),
                longitude=Decimal(repr(input.location.lng)),
            )
        except AccountsError as problem:
            return _account_payload(None, from_domain(problem))
        _joined(info, row.id, MemberRoleValue.OWNER)
        return _account_payload(row, [])

    @mutation(rule=SignedIn(), description="Chooses the account this session acts as.")
    async def switch_account(self, info: Info, input: SwitchAccountInput) -> AccountPayload:
        account_id = decode_account_id(input.account_id)
        try:
            if account_id is None:
                raise AccountsError("NOT_FOUND", "accountId", "no such account among yours")
            await switch_account(info.context.principal, account_id)
        except AccountsError as problem:
            return _account_payload(None, from_domain(problem))
        return _account_payload(await AccountRow.get(id=account_id), [])

    @mutation(rule=AccountRole(OWNER), description="Invites someone by email to the account.")
    async def invite_member(self, info: Info, input: InviteMemberInput) -> AccountPayload:
        row = await _account(input.account_id)
        if row is None:
            return _account_payload(None, [error("NOT_FOUND", "no such account", "accountId")])
        wallet, refused = wallet_url(info.context, input.currency)
        if refused:
            return _account_payload(None, refused)
        try:
            await services.invite_member(
                row,
                input.email,
                MemberRoleValue(input.role),
                info.context.principal.user,
                info.context.runtime.mailer,
                wallet,
            )
        except AccountsError as problem:
            return _account_payload(None, from_domain(problem))
        return _account_payload(row, [])

    @mutation(rule=SignedIn(), description="Joins an account with an emailed invitation.")
    async def accept_invitation(self, info: Info, input: AcceptInvitationInput) -> AccountPayload:
        try:
            membership = await services.accept_invitation(info.context.principal.user, input.token)
        except AccountsError as problem:
            return _account_payload(None, from_domain(problem))
        account_id: int = membership.account_id  # type: ignore[attr-defined]
        _joined(info, account_id, MemberRoleValue(membership.role))
        return _account_payload(await AccountRow.get(id=account_id), [])

    @mutation(rule=AccountRole(OWNER), description="Removes a member; the last owner stays.")
    async def remove_member(self, info: Info, input: RemoveMemberInput) -> AccountPayload:
        row = await _account(input.account_id)
        user_id = decode_id(input.user_id, "User")
        if row is None or user_id is None:
            return _account_payload(None, [error("NOT_FOUND", "no such member", "userId")])
        try:
            await services.remove_member(row, user_id)
        except AccountsError as problem:
            return _account_payload(None, from_domain(problem))
        return _account_payload(row, [])
