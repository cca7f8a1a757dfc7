"""Administrators look after people: find them, block and unblock them, lift a PIN lock.

Every change is audited with the administrator's reason, in the same relational
transaction as the change itself. A blocked person (`User.is_active` false) cannot sign in
(sign_in refuses them with the same answer as a wrong password), and every session they
held ends at once; the sessions and bearer tokens of a blocked person are refused even if
one were left (server/accounts/sign_in.py checks `is_active` on each request).
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from server import clock
from server.accounts import audit
from server.accounts.errors import AccountsError
from server.accounts.models import Account, MemberRole, Membership, Session, User
from server.accounts.services import PIN_FAILURES_MAX
from server.stores.relational import keyset_page

SEARCH_LENGTH_MAX = 100
REASON_LENGTH_MAX = 500
SESSIONS_SHOWN_MAX = 100


def _search_words(search: str | None) -> str:
    words = " ".join((search or "").split()).lstrip("@")
    if len(words) > SEARCH_LENGTH_MAX:
        raise AccountsError(
            "INVALID_INPUT", "search", f"use at most {SEARCH_LENGTH_MAX} characters"
        )
    return words


async def search_people(
    search: str | None, first: int, after: int | None
) -> tuple[list[User], bool]:
    """People whose name or email, or the handle or name of an account they belong to,
    holds `search` (ignoring case); everyone when it is empty. Newest first, a page of
    `first` after the person `after`, and whether more follow."""
    words = _search_words(search)
    query = User.all()
    if words:
        in_accounts = Membership.filter(
            Q(account__handle__icontains=words) | Q(account__name__icontains=words)
        ).values("user_id")
        query = User.filter(
            Q(name__icontains=words) | Q(email__icontains=words) | Q(id__in=Subquery(in_accounts))
        )
    return await keyset_page(query, first, after)


async def memberships_of_users(user_ids: list[int]) -> dict[int, list[tuple[Account, MemberRole]]]:
    """Each person's accounts and roles, oldest first, for a page of people in two queries."""
    found: dict[int, list[tuple[Account, MemberRole]]] = {user_id: [] for user_id in user_ids}
    if found:
        rows = Membership.filter(user_id__in=list(found)).order_by("id").prefetch_related("account")
        for membership in await rows:
            found[membership.user_id].append(  # type: ignore[attr-defined]
                (membership.account, MemberRole(membership.role))
            )
    return found


async def recent_sessions(user_id: int, limit: int) -> list[Session]:
    """The person's most recent sessions, newest first, ended ones too."""
    return await Session.filter(user_id=user_id).order_by("-id").limit(limit)


def is_pin_locked(user: User) -> bool:
    return user.pin_failures >= PIN_FAILURES_MAX


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise AccountsError("INVALID_INPUT", "reason", "say why, for the audit log")
    if len(reason) > REASON_LENGTH_MAX:
        raise AccountsError(
            "INVALID_INPUT", "reason", f"use at most {REASON_LENGTH_MAX} characters"
        )
    return reason


async def _target(user_id: int | None) -> User:
    user = await User.get_or_none(id=user_id) if user_id is not None else None
    if user is None:
        raise AccountsError("NOT_FOUND", "userId", "no such person")
    return user


async def block_user(actor: User, user_id: int | None, reason: str) -> User:
    """Blocks the person: no sign-in, every session ended; audited. Never oneself."""
    reason = _reason(reason)
    user = await _target(user_id)
    if user.id == actor.id:
        raise AccountsError("FORBIDDEN", "userId", "administrators cannot block themselves")
    async with in_transaction():
        # Conditional: of two administrators blocking at once, one changes and logs it.
        changed = await User.filter(id=user.id, is_active=True).update(is_active=False)
        if not changed:
            raise AccountsError("INVALID_INPUT", "userId", "this person is already blocked")
        ended = await Session.filter(user_id=user.id, ended_at=None).update(ended_at=clock.now())
        await audit.record(
            actor,
            "user.block",
            "user",
            user.id,
            before={"blocked": False},
            after={"blocked": True, "sessionsEnded": ended},
            reason=reason,
        )
    await user.refresh_from_db()
    return user


async def unblock_user(actor: User, user_id: int | None, reason: str) -> User:
    """Lets the person sign in again (their old sessions stay ended); audited."""
    reason = _reason(reason)
    user = await _target(user_id)
    async with in_transaction():
        changed = await User.filter(id=user.id, is_active=False).update(is_active=True)
        if not changed:
            raise AccountsError("INVALID_INPUT", "userId", "this person is not blocked")
        await audit.record(
            actor,
            "user.unblock",
            "user",
            user.id,
            before={"blocked": True},
            after={"blocked": False},
            reason=reason,
        )
    await user.refresh_from_db()
    return user


async def reset_pin_lock(actor: User, user_id: int | None, reason: str) -> User:
    """Forgets the person's wrong PINs, so their PIN pays again; audited."""
    reason = _reason(reason)
    user = await _target(user_id)
    async with in_transaction():
        failures = (await User.get(id=user.id)).pin_failures
        changed = await User.filter(id=user.id, pin_failures=failures, pin_failures__gt=0).update(
            pin_failures=0
        )
        if not changed:
            raise AccountsError(
                "INVALID_INPUT", "userId", "this person has no wrong PINs to forget"
            )
        await audit.record(
            actor,
            "user.reset_pin_lock",
            "user",
            user.id,
            before={"pinFailures": failures},
            after={"pinFailures": 0},
            reason=reason,
        )
    await user.refresh_from_db()
    return user
