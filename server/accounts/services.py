"""Creating people and accounts, and granting administrator roles."""

from __future__ import annotations

import re
import unicodedata

from tortoise.transactions import in_transaction

from server.accounts.models import (
    Account,
    AccountKind,
    AdminGrant,
    AdminRole,
    MemberRole,
    Membership,
    User,
)
from server.accounts.passwords import hash_password, password_problem

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
HANDLE_MAX_LENGTH = 32


class AccountsError(ValueError):
    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise AccountsError("INVALID_INPUT", "email", "not a valid email address")
    return email


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[: HANDLE_MAX_LENGTH - 5] or "account"


async def free_handle(name: str) -> str:
    """A handle derived from the name, numbered when taken."""
    base = _slug(name)
    candidate, number = base, 1
    while await Account.exists(handle=candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


async def create_account(kind: AccountKind, name: str, handle: str | None = None) -> Account:
    return await Account.create(kind=kind, name=name, handle=handle or await free_handle(name))


async def create_user(email: str, password: str, name: str, language: str = "ca") -> User:
    """A person with their personal account, in one transaction."""
    email = normalise_email(email)
    problem = password_problem(password, email)
    if problem:
        raise AccountsError("INVALID_INPUT", "password", problem)
    if await User.exists(email=email):
        raise AccountsError("INVALID_INPUT", "email", "an account with this email already exists")
    async with in_transaction():
        user = await User.create(
            email=email, password_hash=hash_password(password), name=name, language=language
        )
        account = await create_account(AccountKind.PERSONAL, name)
        await Membership.create(user=user, account=account, role=MemberRole.HOLDER)
    return user


async def add_member(user: User, account: Account, role: MemberRole) -> Membership:
    membership, _ = await Membership.get_or_create(
        user=user, account=account, defaults={"role": role}
    )
    return membership


async def grant_admin_role(user: User, role: AdminRole, granted_by: User | None = None) -> bool:
    """Grants the role; False when the user already held it."""
    _, created = await AdminGrant.get_or_create(
        user=user, role=role, defaults={"granted_by": granted_by}
    )
    return created


async def admin_roles(user: User) -> list[AdminRole]:
    return [grant.role for grant in await AdminGrant.filter(user=user).order_by("role")]


async def find_user_by_email(email: str) -> User | None:
    return await User.get_or_none(email=email.strip().lower())


async def count_accounts() -> int:
    return await Account.all().count()
