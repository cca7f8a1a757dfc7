"""Administrator roles, granted and revoked by a superadmin, every change audited.

A superadmin limited to some currencies grants roles for those currencies only, and
neither grants nor revokes anything of a person who administers other currencies, or all
of them (FORBIDDEN): roles and currencies add up across a person's grants, so anything
else would widen what someone administers beyond the granter's own currencies."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.accounts.types import AdminRole, User
from schema.errors import MutationError, error
from schema.permissions import (
    THROUGH_PARENT,
    Admin,
    decode_id,
    mutation,
    not_administered,
    policy,
)
from server.accounts import services
from server.accounts.admin_currencies import (
    administered_currencies,
    beyond,
    limit_admin_role,
    unknown_currencies,
)
from server.accounts.models import AdminRole as AdminRoleValue
from server.accounts.models import User as UserRow
from server.accounts.principal import Principal

SUPERADMIN = Admin([AdminRoleValue.SUPERADMIN])


@strawberry.input
class AdminRoleInput:
    user_id: strawberry.ID
    role: AdminRole  # type: ignore[valid-type]
    reason: str
    currencies: list[str] | None = strawberry.field(
        default=None,
        description="grantAdminRole only: the codes of the currencies the role applies to. "
        "Null: every currency, or, for a superadmin of some currencies, theirs. Granting a "
        "role the person holds with currencies sets its currencies to these.",
    )


async def _wanted_currencies(
    principal: Principal, input: AdminRoleInput
) -> tuple[frozenset[str] | None, list[MutationError]]:
    """The currencies the grant is for: those asked for, each installed and the granter's;
    else the granter's own (None: every currency)."""
    if input.currencies is None:
        return principal.admin_currencies, []
    codes = frozenset(code.strip().upper() for code in input.currencies)
    if not codes or "" in codes:
        message = "name each currency by its code, or leave currencies out for all of them"
        return None, [error("INVALID_INPUT", message, "currencies")]
    unknown, known = await unknown_currencies(codes)
    if unknown:
        message = f"no currency {', '.join(unknown)} (installed: {', '.join(known)})"
        return None, [error("INVALID_INPUT", message, "currencies")]
    outside = beyond(principal.admin_currencies, codes)
    if outside is not None:
        return None, [
            error("FORBIDDEN", not_administered(principal.admin_currencies, outside), "currencies")
        ]
    return codes, []


@policy(THROUGH_PARENT)
@strawberry.type
class AdminRolePayload:
    user: User | None
    errors: list[MutationError]


async def _target(input: AdminRoleInput) -> tuple[UserRow | None, list[MutationError]]:
    if not input.reason.strip():
        return None, [error("INVALID_INPUT", "say why, for the audit log", "reason")]
    user_id = decode_id(input.user_id, "User")
    row = await UserRow.get_or_none(id=user_id) if user_id is not None else None
    if row is None:
        return None, [error("NOT_FOUND", "no such user", "userId")]
    return row, []


async def beyond_the_administrator(principal: Principal, row: UserRow) -> list[MutationError]:
    """FORBIDDEN when the person administers a currency the limited superadmin does not:
    the grants here, and blocking a person or resetting their PIN lock
    (schema/admin_people.py), so that no one locks out an administrator of more."""
    limit = principal.admin_currencies
    outside = beyond(limit, await administered_currencies(row)) if limit is not None else None
    if outside is None:
        return []
    return [error("FORBIDDEN", not_administered(limit, outside), "userId")]


@strawberry.type
class AdminMutations:
    @mutation(
        rule=SUPERADMIN,
        description="Grants an administrator role; audited. A superadmin of some currencies "
        "grants it for those, and only to people who administer no other currency.",
    )
    async def grant_admin_role(self, info: Info, input: AdminRoleInput) -> AdminRolePayload:
        row, errors = await _target(input)
        if row is None:
            return AdminRolePayload(user=None, errors=errors)
        principal = info.context.principal
        refusal = await beyond_the_administrator(principal, row)
        if refusal:
            return AdminRolePayload(user=None, errors=refusal)
        currencies, refusal = await _wanted_currencies(principal, input)
        if refusal:
            return AdminRolePayload(user=None, errors=refusal)
        role, reason = AdminRoleValue(input.role), input.reason.strip()
        created = await services.grant_admin_role(
            row, role, principal.user, reason, currencies=currencies
        )
        if not created and input.currencies is not None:  # held: its currencies change
            await limit_admin_role(row, role, currencies, by=principal.user, reason=reason)
        return AdminRolePayload(user=User(row=row), errors=[])

    @mutation(
        rule=SUPERADMIN,
        description="Revokes an administrator role; audited. A superadmin of some currencies "
        "revokes only the roles of people who administer no other currency.",
    )
    async def revoke_admin_role(self, info: Info, input: AdminRoleInput) -> AdminRolePayload:
        if input.currencies is not None:
            message = "a role is revoked for every currency; to narrow it, grant it again "
            message += "with the currencies it keeps"
            return AdminRolePayload(
                user=None, errors=[error("INVALID_INPUT", message, "currencies")]
            )
        row, errors = await _target(input)
        if row is None:
            return AdminRolePayload(user=None, errors=errors)
        principal = info.context.principal
        if row.id == principal.user.id and input.role == AdminRoleValue.SUPERADMIN:
            refusal = [error("FORBIDDEN", "a superadmin cannot revoke their own role", "userId")]
            return AdminRolePayload(user=None, errors=refusal)
        refusal = await beyond_the_administrator(principal, row)
        if refusal:
            return AdminRolePayload(user=None, errors=refusal)
        await services.revoke_admin_role(
            row, AdminRoleValue(input.role), principal.user, input.reason.strip()
        )
        return AdminRolePayload(user=User(row=row), errors=[])
