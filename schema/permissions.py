"""Who may use each field: one rule per root field, declared next to it.

    @field(rule=SignedIn())          a query or subscription field
    @mutation(rule=AccountRole(...)) a mutation

Object types declare their policy with `@policy(...)`: `PUBLIC` types may be read by
anyone who reaches them; `THROUGH_PARENT` types are reachable only through a field
whose rule already allowed it (and through `node`, which asks the type's `visible_to`).
`tests/test_permissions.py` walks the whole schema and fails on any field without a rule.

A refused request is a top-level GraphQL error: `UNAUTHENTICATED` when nobody is signed
in and somebody must be, `FORBIDDEN` otherwise. Nothing runs after a refusal.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension

from server.accounts.models import AdminRole, MemberRole
from server.accounts.principal import Principal, PrincipalKind

T = TypeVar("T")
PUBLIC = "public"
THROUGH_PARENT = "through parent"
READ_ONLY_ADMIN_ROLES = frozenset(AdminRole)  # support reads everything, changes nothing


def unauthenticated(message: str = "sign in first") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


def forbidden(message: str = "not allowed") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


class Rule(BasePermission):
    """A rule decides for a principal and the field's arguments; it raises when it refuses.

    Rules are shared by all requests: `refusal` returns its reason instead of storing it.
    """

    message = "not allowed"
    error_extensions = {"code": "FORBIDDEN"}
    needs_sign_in = True

    def describe(self) -> str:
        return type(self).__name__

    def refusal(
        self, principal: Principal, arguments: dict[str, Any], source: Any = None
    ) -> str | None:
        """None when allowed; otherwise why not."""
        return None if self.decide(principal, arguments, source) else self.message

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        raise NotImplementedError

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal: Principal = info.context.principal
        if self.needs_sign_in and principal.is_anonymous:
            raise unauthenticated()
        reason = self.refusal(principal, kwargs, source)
        if reason is not None:
            raise forbidden(reason)
        return True


class Anyone(Rule):
    needs_sign_in = False

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        return True


class SignedIn(Rule):
    """A person in a session (not an API key)."""

    message = "only people signed in may do this, not API keys"

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        return principal.kind == PrincipalKind.USER


def decode_key(value: Any, type_name: str) -> str | None:
    """What a global ID of that type holds, or None when the ID is not one."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    try:
        found_type, _, raw = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return raw if found_type == type_name and raw else None


def decode_id(value: Any, type_name: str) -> int | None:
    """The number inside a global ID of that type, or None when the ID is not one."""
    raw = decode_key(value, type_name)
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) >= 19:
        return None
    return int(raw)


def decode_account_id(value: Any) -> int | None:
    return decode_id(value, "Account")


def _argument(arguments: dict[str, Any], path: str) -> Any:
    value: Any = arguments
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


class AccountRole(Rule):
    """A member of the account named by an argument, in one of the roles."""

    def __init__(
        self, roles: Iterable[MemberRole], account_argument: str | None = "input.account_id"
    ):
        """With account_argument None, the account is the object the field belongs to."""
        super().__init__()
        self.roles = frozenset(roles)
        self.account_argument = account_argument
        self.message = f"only {', '.join(sorted(r.value for r in self.roles))} of this account"

    def describe(self) -> str:
        return f"AccountRole({sorted(r.value for r in self.roles)})"

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        if principal.kind != PrincipalKind.USER:
            return False
        if self.account_argument is None:
            account_id = getattr(source, "account_id", None)
        else:
            account_id = decode_account_id(_argument(arguments, self.account_argument))
        return account_id is not None and principal.role_in(account_id) in self.roles


class MerchantAccess(Rule):
    """For a business account's tools: its members in the roles, or its own API keys with
    the scope. E.g. refunds: owners and managers, or a key with refunds:write; never a
    cashier."""

    needs_sign_in = True

    def __init__(
        self,
        roles: Iterable[MemberRole],
        scope: str,
        account_argument: str | None = "input.account_id",
    ):
        super().__init__()
        self.members = AccountRole(roles, account_argument)
        self.scope = scope
        self.account_argument = account_argument
        self.message = f"{self.members.message}, or its API keys with {scope}"

    def describe(self) -> str:
        return f"MerchantAccess({self.members.describe()}, {self.scope})"

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        if principal.kind == PrincipalKind.API_KEY:
            if self.account_argument is None:
                account_id = getattr(source, "account_id", None)
            else:
                account_id = decode_account_id(_argument(arguments, self.account_argument))
            own = principal.account is not None and principal.account.id == account_id
            return own and principal.has_scope(self.scope)
        return self.members.decide(principal, arguments, source)


class ActingMerchant(Rule):
    """For acting as the business account itself: the session's active account when the
    person holds one of the roles in it, or an API key of the account with the scope."""

    def __init__(self, roles: Iterable[MemberRole], scope: str):
        super().__init__()
        self.roles = frozenset(roles)
        self.scope = scope
        self.message = (
            f"act as a business account as {', '.join(sorted(r.value for r in self.roles))}, "
            f"or with an API key holding {scope}"
        )

    def describe(self) -> str:
        return f"ActingMerchant({sorted(r.value for r in self.roles)}, {self.scope})"

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        if principal.kind == PrincipalKind.API_KEY:
            return principal.has_scope(self.scope)
        account = principal.account
        return account is not None and principal.role_in(account.id) in self.roles


# Where administrators' fields name a currency (Python names): `adminStats(currency:)`,
# `issueFunds(input: {currency})`, ...
CURRENCY_ARGUMENTS = ("currency", "input.currency", "input.currency_code")


def not_administered(managed: Iterable[str] | None, outside: str) -> str:
    """The refusal of an administrator of the `managed` currencies for `outside` (a code,
    or "all currencies"): "you administer only GRA, not REC". One wording everywhere: the
    rule, the resolvers that find the currency on a row, the report files."""
    names = ", ".join(sorted(code.upper() for code in managed or ())) or "no currency"
    return f"you administer only {names}, not {outside}"


def currency_refusal(principal: Principal, code: str) -> str | None:
    """None when the principal's administrator roles apply to that currency; otherwise why
    not (for resolvers that read the currency on the row an ID names)."""
    if principal.manages_currency(code):
        return None
    return not_administered(principal.admin_currencies, code.upper())


def currency_outside(principal: Principal, arguments: dict[str, Any]) -> str | None:
    """The currency the arguments name that the principal's roles do not apply to, if any."""
    for path in CURRENCY_ARGUMENTS:
        code = _argument(arguments, path)
        if isinstance(code, str) and code and not principal.manages_currency(code):
            return code.upper()
    return None


class Admin(Rule):
    """An administrator in one of the roles, with two-factor passed in this session; when
    the field names a currency, one their grants apply to (fields naming none: any)."""

    def __init__(self, roles: Iterable[AdminRole]):
        super().__init__()
        self.roles = frozenset(roles)
        self.message = f"only administrators ({', '.join(sorted(r.value for r in self.roles))})"

    def describe(self) -> str:
        return f"Admin({sorted(r.value for r in self.roles)})"

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        return self.refusal(principal, arguments, source) is None

    def refusal(
        self, principal: Principal, arguments: dict[str, Any], source: Any = None
    ) -> str | None:
        if principal.admin_roles & self.roles:
            outside = currency_outside(principal, arguments)
            if outside is None:
                return None
            return not_administered(principal.admin_currencies, outside)
        if principal.dormant_admin_roles & self.roles:
            return "administrators must turn on two-factor and sign in with it for this"
        return self.message


class AnyOf(Rule):
    def __init__(self, *rules: Rule):
        super().__init__()
        self.rules = rules
        self.needs_sign_in = all(rule.needs_sign_in for rule in rules)

    def describe(self) -> str:
        return " | ".join(rule.describe() for rule in self.rules)

    def decide(self, principal: Principal, arguments: dict[str, Any], source: Any = None) -> bool:
        return any(rule.decide(principal, arguments, source) for rule in self.rules)

    def refusal(
        self, principal: Principal, arguments: dict[str, Any], source: Any = None
    ) -> str | None:
        reasons = [rule.refusal(principal, arguments, source) for rule in self.rules]
        if any(reason is None for reason in reasons):
            return None
        return "; or ".join(reason for reason in reasons if reason)


def _extensions(rule: Rule) -> list[Any]:
    return [PermissionExtension(permissions=[rule], use_directives=False)]


def field(*, rule: Rule, **kwargs: Any) -> Any:
    return strawberry.field(extensions=_extensions(rule), **kwargs)


def mutation(*, rule: Rule, **kwargs: Any) -> Any:
    return strawberry.mutation(extensions=_extensions(rule), **kwargs)


def subscription(*, rule: Rule, **kwargs: Any) -> Any:
    return strawberry.subscription(extensions=_extensions(rule), **kwargs)


def policy(kind: str) -> Callable[[type[T]], type[T]]:
    """Declares how an object type's fields are guarded (PUBLIC or THROUGH_PARENT)."""

    def mark(cls: type[T]) -> type[T]:
        cls.__rec_policy__ = kind  # type: ignore[attr-defined]
        return cls

    return mark


def rule_of(strawberry_field: Any) -> Rule | None:
    for extension in getattr(strawberry_field, "extensions", []) or []:
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, Rule):
                    return permission
    return None


def member_or_admin(principal: Principal, account_id: int, currency: str | None = None) -> bool:
    """May this principal see the account (or, given `currency`, what it holds in that
    currency): a member, its API key, or an administrator (of that currency)."""
    if principal.kind == PrincipalKind.API_KEY:
        return principal.account is not None and principal.account.id == account_id
    if principal.role_in(account_id) is not None:
        return True
    return bool(principal.admin_roles) and (
        currency is None or principal.manages_currency(currency)
    )


__all__ = [
    "PUBLIC",
    "THROUGH_PARENT",
    "MemberRole",
    "READ_ONLY_ADMIN_ROLES",
]
