"""Administration of people: find them (every administrator, support included), block and
unblock them, lift a PIN lock (superadmins). A person's page reads the rest through
`node(id:)`: the User's admin fields (schema/accounts/types.py), their accounts' wallets,
transactions and KYC documents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from strawberry.types import Info

from schema.accounts.mutations.admin import beyond_the_administrator
from schema.accounts.types import ALL_ADMINS, User
from schema.connections import Connection, int_cursor, invalid_input, page, page_size
from schema.errors import MutationError, from_domain
from schema.permissions import THROUGH_PARENT, Admin, decode_id, field, mutation, policy
from server.accounts import admin_people
from server.accounts.errors import AccountsError
from server.accounts.models import AdminRole
from server.accounts.models import User as UserRow

SUPERADMIN = Admin([AdminRole.SUPERADMIN])


@strawberry.input(description="A person an administrator acts on, and why (for the audit log).")
class PersonActionInput:
    user_id: strawberry.ID
    reason: str


@policy(THROUGH_PARENT)
@strawberry.type
class PersonActionPayload:
    user: User | None
    errors: list[MutationError]


@strawberry.type
class AdminPeopleQueries:
    @field(
        rule=ALL_ADMINS,
        description="People whose name or email, or the handle or name of an account they "
        "belong to, holds `search` (ignoring case; up to 100 characters; empty: everyone), "
        "newest first; `first` 1 to 100.",
    )
    async def admin_people(
        self, first: int, after: str | None = None, search: str | None = None
    ) -> Connection[User]:
        try:
            rows, more = await admin_people.search_people(
                search, page_size(first), int_cursor(after)
            )
        except AccountsError as problem:
            raise invalid_input(problem.message) from None
        accounts = await admin_people.memberships_of_users([row.id for row in rows])
        return page(rows, more, lambda row: User(row=row, accounts_loaded=accounts[row.id]))


Action = Callable[[UserRow, int | None, str], Awaitable[UserRow]]


async def _act(info: Info, input: PersonActionInput, action: Action) -> PersonActionPayload:
    principal = info.context.principal
    actor = principal.user  # an administrator: the rule let only them in
    user_id = decode_id(input.user_id, "User")
    target = await UserRow.get_or_none(id=user_id) if user_id is not None else None
    if target is not None and principal.admin_currencies is not None:
        refused = await beyond_the_administrator(principal, target)
        if refused:
            return PersonActionPayload(user=None, errors=refused)
    try:
        row = await action(actor, user_id, input.reason)
    except AccountsError as problem:
        return PersonActionPayload(user=None, errors=from_domain(problem))
    return PersonActionPayload(user=User(row=row), errors=[])


@strawberry.type
class AdminPeopleMutations:
    @mutation(
        rule=SUPERADMIN,
        description="Blocks a person: they cannot sign in and every session of theirs ends. "
        "Never oneself; `reason` required; audited.",
    )
    async def block_user(self, info: Info, input: PersonActionInput) -> PersonActionPayload:
        return await _act(info, input, admin_people.block_user)

    @mutation(
        rule=SUPERADMIN,
        description="Lets a blocked person sign in again; `reason` required; audited.",
    )
    async def unblock_user(self, info: Info, input: PersonActionInput) -> PersonActionPayload:
        return await _act(info, input, admin_people.unblock_user)

    @mutation(
        rule=SUPERADMIN,
        description="Forgets a person's wrong PINs, so their PIN pays again; `reason` "
        "required; audited.",
    )
    async def reset_pin_lock(self, info: Info, input: PersonActionInput) -> PersonActionPayload:
        return await _act(info, input, admin_people.reset_pin_lock)
