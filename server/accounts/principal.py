"""Who is asking: nobody, a person in a session, or a program with an API key."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from server.accounts.models import Account, AdminRole, ApiKey, MemberRole, Session, User


class PrincipalKind(StrEnum):
    ANONYMOUS = "anonymous"
    USER = "user"
    API_KEY = "api_key"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind = PrincipalKind.ANONYMOUS
    user: User | None = None
    session: Session | None = None
    api_key: ApiKey | None = None
    # The account acted as: the session's active account, or the API key's account.
    account: Account | None = None
    # Roles the user holds in each account, by account id.
    memberships: dict[int, MemberRole] = field(default_factory=dict)
    # Administrator roles, in force only when the session passed two-factor.
    admin_roles: frozenset[AdminRole] = frozenset()
    # Roles granted but not in force because two-factor is missing.
    dormant_admin_roles: frozenset[AdminRole] = frozenset()
    # The currencies those roles apply to (codes, upper case); None: every currency.
    admin_currencies: frozenset[str] | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind == PrincipalKind.ANONYMOUS

    def role_in(self, account_id: int) -> MemberRole | None:
        return self.memberships.get(account_id)

    def manages_currency(self, code: str) -> bool:
        """Whether the administrator roles apply to that currency (not whether any is held)."""
        return self.admin_currencies is None or code.upper() in self.admin_currencies

    def has_scope(self, scope: str) -> bool:
        return self.api_key is not None and scope in self.api_key.scopes


ANONYMOUS = Principal()
