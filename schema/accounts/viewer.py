from __future__ import annotations

from schema.accounts.types import Account, User, Viewer
from server.accounts.principal import Principal, PrincipalKind


async def viewer_of(principal: Principal) -> Viewer | None:
    if principal.kind == PrincipalKind.API_KEY and principal.account is not None:
        return Viewer(
            user=None,
            active_account=Account(row=principal.account),
            member=None,
            admin_roles=[],
            two_factor_required=False,
            admin_currencies=[],
        )
    if principal.user is None:
        return None
    return Viewer(
        user=User(row=principal.user),
        active_account=Account(row=principal.account) if principal.account else None,
        member=principal.user,
        admin_roles=sorted(principal.admin_roles),
        two_factor_required=bool(principal.dormant_admin_roles),
        admin_currencies=_admin_currencies(principal),
    )


def _admin_currencies(principal: Principal) -> list[str] | None:
    """None for every currency; none at all without roles in force."""
    if not principal.admin_roles:
        return []
    if principal.admin_currencies is None:
        return None
    return sorted(principal.admin_currencies)
