"""Administrator roles, granted and revoked by a superadmin, every change audited."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.accounts.types import AdminRole, User
from schema.errors import MutationError, error
from schema.permissions import THROUGH_PARENT, Admin, decode_id, mutation, policy
from server.accounts import services
from server.accounts.models import AdminRole as AdminRoleValue
from server.accounts.models import User as UserRow

SUPERADMIN = Admin([AdminRoleValue.SUPERADMIN])


@strawberry.input
class AdminRoleInput:
    user_id: strawberry.ID
    role: AdminRole  # type: ignore[valid-type]
    reason: str


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


@strawberry.type
class AdminMutations:
    @mutation(rule=SUPERADMIN, description="Grants an administrator role; audited.")
    async def grant_admin_role(self, info: Info, input: AdminRoleInput) -> AdminRolePayload:
        row, errors = await _target(input)
        if row is None:
            return AdminRolePayload(user=None, errors=errors)
        await services.grant_admin_role(
            row, AdminRoleValue(input.role), info.context.principal.user, input.reason.strip()
        )
        return AdminRolePayload(user=User(row=row), errors=[])

    @mutation(rule=SUPERADMIN, description="Revokes an administrator role; audited.")
    async def revoke_admin_role(self, info: Info, input: AdminRoleInput) -> AdminRolePayload:
        row, errors = await _target(input)
        if row is None:
            return AdminRolePayload(user=None, errors=errors)
        principal = info.context.principal
        if row.id == principal.user.id and input.role == AdminRoleValue.SUPERADMIN:
            refusal = [error("FORBIDDEN", "a superadmin cannot revoke their own role", "userId")]
            return AdminRolePayload(user=None, errors=refusal)
        await services.revoke_admin_role(
            row, AdminRoleValue(input.role), principal.user, input.reason.strip()
        )
        return AdminRolePayload(user=User(row=row), errors=[])
