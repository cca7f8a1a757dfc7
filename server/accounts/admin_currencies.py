"""Administrators of some currencies only: the currencies an administrator grant applies to.

A grant (`AdminGrant`) applies to every currency unless its `currencies` lists some. What
a person administers is one set across their roles (`Principal.admin_currencies`), read
where sessions become principals; the `Admin` permission rule refuses fields that name
another currency, and resolvers refuse rows of another currency (schema/permissions.py
`not_administered` words every refusal).

A superadmin limited to some currencies grants roles for those currencies only, and grants
or revokes nothing of a person who administers beyond them (`administered_currencies`,
`beyond`): roles and currencies add up across grants, so a limited role given to an
unlimited person would apply everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.accounts import audit
from server.accounts.models import (
    AdminGrant,
    AdminRole,
    User,
    format_currency_codes,
    parse_currency_codes,
)
from server.currencies.services import list_currencies


def describe_currencies(codes: frozenset[str] | None) -> str:
    """For people: "GRA, REC", or "all currencies"."""
    return ", ".join(sorted(codes)) if codes else "all currencies"


async def unknown_currencies(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """(the codes no installed currency has, the installed codes), both sorted."""
    known = sorted(currency.code for currency in await list_currencies())
    return sorted({code.upper() for code in codes} - set(known)), known


async def limit_admin_role(
    user: User,
    role: AdminRole,
    codes: frozenset[str] | None,
    *,
    by: User | None = None,
    reason: str = "",
    actor_label: str = "",
) -> bool:
    """Limits the user's grant of the role to those currencies (None or empty: all of
    them), audited; False when it already was so. The role must be granted."""
    grant = await AdminGrant.get(user=user, role=role)
    wanted = format_currency_codes(frozenset(code.upper() for code in codes or ()))
    if grant.currencies == wanted:
        return False
    was = describe_currencies(parse_currency_codes(grant.currencies))
    grant.currencies = wanted
    await grant.save(update_fields=["currencies"])
    await audit.record(
        by,
        "admin_role.currencies",
        "user",
        user.id,
        before={"role": role.value, "currencies": was},
        after={"role": role.value, "currencies": describe_currencies(parse_currency_codes(wanted))},
        reason=reason,
        actor_label=actor_label,
    )
    return True


async def administered_currencies(user: User) -> frozenset[str] | None:
    """The currencies the person's grants apply to, together (as their principal has them):
    None once any grant is for every currency; empty when they hold no role."""
    codes: frozenset[str] | None = frozenset()
    for grant in await AdminGrant.filter(user=user):
        limit = grant.currency_codes
        codes = None if codes is None or limit is None else codes | limit
    return codes


def beyond(limit: frozenset[str] | None, codes: frozenset[str] | None) -> str | None:
    """What of `codes` lies outside `limit` (None, for either: every currency), for people
    ("REC", "all currencies"); None when nothing does."""
    if limit is None:
        return None
    if codes is None:
        return "all currencies"
    outside = sorted(codes - limit)
    return ", ".join(outside) if outside else None
