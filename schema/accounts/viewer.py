from __future__ import annotations

from schema.accounts.types import Account, Membership, User, Viewer
from server.accounts import services
from server.accounts.principal import Principal, PrincipalKind


async def viewer_of(principal: Principal) -> Viewer | None:
    if principal.kind == PrincipalKind.API_KEY and principal.account is not None:
        return Viewer(
            user=None,
            active_account=Account(row=principal.account),
            accounts=[],
            admin_roles=[],
            two_factor_required=False,
        )
    if principal.user is None:
        return None
    memberships = [
        Membership(account=Account(row=account), role=role)
        for account, role in await services.accounts_of(principal.user)
    ]
    return Viewer(
        user=User(row=principal.user),
        active_account=Account(row=principal.account) if principal.account else None,
        accounts=memberships,
        admin_roles=sorted(principal.admin_roles),
        two_factor_required=bool(principal.dormant_admin_roles),
    )
