"""People and accounts: registration, email tokens, PIN, business accounts, members,
administrator roles."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import unicodedata
import weakref
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from server import clock, metrics
from server.accounts import audit, totp
from server.accounts.errors import AccountsError
from server.accounts.models import (
    Account,
    AccountKind,
    AdminGrant,
    AdminRole,
    MemberRole,
    Membership,
    OneTimeToken,
    Session,
    TokenPurpose,
    User,
    format_currency_codes,
)
from server.accounts.passwords import hash_password, password_problem, verify_password
from server.accounts.sign_in import end_all_sessions
from server.accounts.tokens import new_token, token_hash
from server.mail import Mailer, MailMessage

__all__ = ["AccountsError"]

log = logging.getLogger("rec.accounts")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
HANDLE_MAX_LENGTH = 32
LANGUAGES = ("ca", "es", "en")
TOKEN_LIFETIMES = {
    TokenPurpose.VERIFY_EMAIL: timedelta(hours=48),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.INVITATION: timedelta(days=7),
}
PIN = re.compile(r"^[0-9]{4,6}$")


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


def _check_name(name: str, field: str = "name") -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise AccountsError("INVALID_INPUT", field, "use 1 to 120 characters")
    return name


async def create_account(kind: AccountKind, name: str, handle: str | None = None) -> Account:
    return await Account.create(kind=kind, name=name, handle=handle or await free_handle(name))


async def set_language(user: User, language: str) -> None:
    """The language the wallet and the mail speak to this person."""
    if language not in LANGUAGES:
        raise AccountsError("INVALID_INPUT", "language", f"choose one of {', '.join(LANGUAGES)}")
    user.language = language
    await user.save(update_fields=["language"])


async def create_user(email: str, password: str, name: str, language: str = "ca") -> User:
    """A person with their personal account, in one transaction."""
    email = normalise_email(email)
    name = _check_name(name)
    if language not in LANGUAGES:
        raise AccountsError("INVALID_INPUT", "language", f"choose one of {', '.join(LANGUAGES)}")
    problem = password_problem(password, email)
    if problem:
        raise AccountsError("INVALID_INPUT", "password", problem)
    if await User.exists(email=email):
        raise AccountsError("EMAIL_TAKEN", "email", "an account with this email already exists")
    async with in_transaction():
        user = await User.create(
            email=email, password_hash=hash_password(password), name=name, language=language
        )
        account = await create_account(AccountKind.PERSONAL, name)
        await Membership.create(user=user, account=account, role=MemberRole.HOLDER)
    return user


# -- single-use tokens by email ------------------------------------------------------------


MAILS_PER_HOUR_MAX = 5  # per purpose and address: nobody floods an inbox through us


async def _may_mail(purpose: TokenPurpose, email: str) -> bool:
    since = clock.now() - timedelta(hours=1)
    recent = await OneTimeToken.filter(purpose=purpose, email=email, created_at__gte=since).count()
    return recent < MAILS_PER_HOUR_MAX


async def _issue_token(purpose: TokenPurpose, email: str, **fields: Any) -> str:
    token, hashed = new_token()
    await OneTimeToken.create(
        purpose=purpose,
        token_hash=hashed,
        email=email,
        expires_at=clock.now() + TOKEN_LIFETIMES[purpose],
        **fields,
    )
    return token


async def _redeem_token(purpose: TokenPurpose, token: str) -> OneTimeToken:
    """Marks the token used, atomically: of two concurrent redemptions only one wins."""
    row = await OneTimeToken.get_or_none(token_hash=token_hash(token), purpose=purpose)
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        raise AccountsError("INVALID_TOKEN", "token", "this link is invalid, used or expired")
    claimed = await OneTimeToken.filter(id=row.id, used_at=None).update(used_at=clock.now())
    if claimed != 1:
        raise AccountsError("INVALID_TOKEN", "token", "this link is invalid, used or expired")
    return row


async def send_email_verification(user: User, mailer: Mailer, wallet_url: str) -> None:
    """`wallet_url`: the wallet the link opens, `<base>/wallet/<code>` (or `<base>/wallet`,
    which redirects to the host's or the default currency's); the same for every mail."""
    if not await _may_mail(TokenPurpose.VERIFY_EMAIL, user.email):
        raise AccountsError("LIMIT_EXCEEDED", "email", "several links were sent in the last hour")
    token = await _issue_token(TokenPurpose.VERIFY_EMAIL, user.email, user=user)
    await mailer.send(
        MailMessage(
            to=user.email,
            subject="Confirm your email",
            body=f"Hello {user.name},\n\nConfirm your email address by opening this link "
            f"within 48 hours:\n\n{wallet_url}/verify-email?token={token}\n",
        )
    )


async def register(
    email: str, password: str, name: str, language: str, mailer: Mailer, wallet_url: str
) -> User:
    user = await create_user(email, password, name, language)
    try:
        await send_email_verification(user, mailer, wallet_url)
    except OSError:  # the person exists now; requestEmailVerification sends it again
        log.exception("could not send the verification mail to user %s", user.id)
    return user


async def verify_email(token: str) -> User:
    row = await _redeem_token(TokenPurpose.VERIFY_EMAIL, token)
    user = await User.get(id=row.user_id)  # type: ignore[attr-defined]
    if user.email == row.email and user.email_verified_at is None:
        user.email_verified_at = clock.now()
        await user.save(update_fields=["email_verified_at"])
    return user


async def request_password_reset(email: str, mailer: Mailer, wallet_url: str) -> None:
    """Sends a reset link when the email is known; answers the same either way."""
    try:
        email = normalise_email(email)
    except AccountsError:
        return
    user = await User.get_or_none(email=email, is_active=True)
    if user is None or not await _may_mail(TokenPurpose.RESET_PASSWORD, email):
        return
    token = await _issue_token(TokenPurpose.RESET_PASSWORD, email, user=user)
    await mailer.send(
        MailMessage(
            to=email,
            subject="Reset your password",
            body=f"Hello {user.name},\n\nChoose a new password by opening this link within "
            f"one hour:\n\n{wallet_url}/reset-password?token={token}\n\n"
            "If you did not ask for it, ignore this message: your password stays as it is.\n",
        )
    )


async def reset_password(token: str, new_password: str) -> User:
    row = await OneTimeToken.get_or_none(
        token_hash=token_hash(token), purpose=TokenPurpose.RESET_PASSWORD
    )
    problem = password_problem(new_password, row.email if row else "")
    if problem:  # checked before the token is spent, so a weak try can be corrected
        raise AccountsError("INVALID_INPUT", "newPassword", problem)
    row = await _redeem_token(TokenPurpose.RESET_PASSWORD, token)
    user = await User.get(id=row.user_id)  # type: ignore[attr-defined]
    user.password_hash = hash_password(new_password)
    await user.save(update_fields=["password_hash"])
    await end_all_sessions(user)  # whoever knew the old password is signed out
    return user


async def change_password(
    user: User, current_password: str, new_password: str, keep: Session | None = None
) -> None:
    """A new password; every other session of the person ends."""
    if not verify_password(user.password_hash, current_password):
        raise AccountsError("WRONG_PASSWORD", "currentPassword", "wrong password")
    problem = password_problem(new_password, user.email)
    if problem:
        raise AccountsError("INVALID_INPUT", "newPassword", problem)
    user.password_hash = hash_password(new_password)
    await user.save(update_fields=["password_hash"])
    await end_all_sessions(user, keep=keep)


# -- payment PIN and two-factor ------------------------------------------------------------


async def set_payment_pin(user: User, pin: str, current_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise AccountsError("WRONG_PASSWORD", "currentPassword", "wrong password")
    if not PIN.match(pin) or len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise AccountsError(
            "INVALID_INPUT", "pin", "use 4 to 6 digits, not all the same nor in a row"
        )
    user.pin_hash = hash_password(pin)
    user.pin_failures = 0  # a new PIN also lifts a lock from wrong PINs
    await user.save(update_fields=["pin_hash", "pin_failures"])


PIN_FAILURES_MAX = 3  # REC's rule: three wrong PINs lock spending until a new PIN is set


_pin_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
# One person's PIN is checked by one app process at a time: the process claims a turn on the
# person's row for this long (longer than any check; a process that dies holding it holds
# it no longer than this), and gives it back when its check is done.
PIN_TURN_S = 15.0
PIN_TURN_POLL_S = (0.01, 0.04)  # a process waiting for the turn asks again after this


async def check_payment_pin(user: User, pin: str) -> None:
    """Raises WRONG_PIN, or PIN_LOCKED after three wrong PINs in a row.

    One person's PIN checks run one at a time, in this process (a lock) and across every
    app process (a turn claimed on the person's row), so a burst of parallel guesses,
    wherever it is sent, meets the lock after three; a right PIN still pays while the count
    is under.
    """
    lock = _pin_locks.setdefault(user.id, asyncio.Lock())
    async with lock:
        turn = await _take_pin_turn(user.id)
        try:
            await _check_pin_in_turn(user, pin)
        finally:  # unless it ran out and another process has it now
            await User.filter(id=user.id, pin_check_until=turn).update(pin_check_until=None)


async def _take_pin_turn(user_id: int) -> datetime:
    """Waits until this process has the person's PIN turn, and says until when; raises
    TOO_MANY_ATTEMPTS if another process keeps it past PIN_TURN_S (it cannot, unless the
    clocks disagree)."""
    give_up = asyncio.get_running_loop().time() + PIN_TURN_S + 1
    while True:
        now = clock.now()
        free = Q(pin_check_until__isnull=True) | Q(pin_check_until__lt=now)
        until = now + timedelta(seconds=PIN_TURN_S)
        if await User.filter(free, id=user_id).update(pin_check_until=until):
            return until
        if asyncio.get_running_loop().time() > give_up:
            raise AccountsError(
                "TOO_MANY_ATTEMPTS",
                "pin",
                "your PIN is being checked for another payment; try again in a moment",
            )
        await asyncio.sleep(random.uniform(*PIN_TURN_POLL_S))


async def _check_pin_in_turn(user: User, pin: str) -> None:
    await user.refresh_from_db(fields=["pin_hash", "pin_failures"])
    if user.pin_hash is None:
        raise AccountsError("INVALID_INPUT", "pin", "set your payment PIN first")
    if user.pin_failures >= PIN_FAILURES_MAX:
        raise AccountsError("PIN_LOCKED", "pin", "too many wrong PINs: set a new PIN to pay")
    right = await asyncio.to_thread(verify_password, user.pin_hash, pin)
    metrics.PIN_CHECKS.inc("right" if right else "wrong")
    if right:
        if user.pin_failures:
            await User.filter(id=user.id).update(pin_failures=0)
        return
    await User.filter(id=user.id, pin_failures__lt=PIN_FAILURES_MAX).update(
        pin_failures=F("pin_failures") + 1
    )
    await user.refresh_from_db(fields=["pin_failures"])
    if user.pin_failures >= PIN_FAILURES_MAX:
        raise AccountsError("PIN_LOCKED", "pin", "too many wrong PINs: set a new PIN to pay")
    left = PIN_FAILURES_MAX - user.pin_failures
    raise AccountsError("WRONG_PIN", "pin", f"wrong PIN; {left} tries left")


async def find_account(reference: str) -> Account | None:
    """An account by its handle (with or without @) or by its number."""
    reference = reference.strip().lstrip("@").lower()
    if reference.isdigit() and len(reference) < 19:
        return await Account.get_or_none(id=int(reference))
    if not reference or len(reference) > HANDLE_MAX_LENGTH:  # no handle is longer
        return None
    return await Account.get_or_none(handle=reference)


async def account_ids_named(words: str, limit: int) -> list[int]:
    """The ids of at most `limit` accounts whose name or handle holds `words`, ignoring
    case (the oldest accounts first when more match): a history's search by party."""
    words = words.strip().lstrip("@")
    if not words:
        return []
    found = (
        Account.filter(Q(name__icontains=words) | Q(handle__icontains=words))
        .order_by("id")
        .limit(limit)
    )
    return [row.id for row in await found.only("id")]


async def start_two_factor_setup(user: User, issuer: str) -> tuple[str, str]:
    """A new secret (not yet in force) and its otpauth:// URI for an authenticator app."""
    if user.totp_enabled_at:
        raise AccountsError("INVALID_INPUT", "user", "two-factor is already on; turn it off first")
    user.totp_secret = totp.new_secret()
    await user.save(update_fields=["totp_secret"])
    return user.totp_secret, totp.provisioning_uri(user.totp_secret, user.email, issuer)


async def confirm_two_factor(user: User, code: str) -> None:
    if not user.totp_secret or user.totp_enabled_at:
        raise AccountsError("INVALID_INPUT", "code", "start the two-factor setup first")
    step = totp.matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        raise AccountsError("WRONG_TOTP", "code", "wrong code; check your device's clock")
    user.totp_enabled_at, user.totp_last_step = clock.now(), step
    await user.save(update_fields=["totp_enabled_at", "totp_last_step"])


async def disable_two_factor(user: User, current_password: str, code: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise AccountsError("WRONG_PASSWORD", "currentPassword", "wrong password")
    if not user.totp_secret or not user.totp_enabled_at:
        raise AccountsError("INVALID_INPUT", "code", "two-factor is not on")
    if totp.matching_step(user.totp_secret, code, user.totp_last_step) is None:
        raise AccountsError("WRONG_TOTP", "code", "wrong code")
    if await AdminGrant.exists(user=user):
        raise AccountsError("FORBIDDEN", "code", "administrators must keep two-factor on")
    user.totp_secret, user.totp_enabled_at = None, None
    await user.save(update_fields=["totp_secret", "totp_enabled_at"])


# -- business accounts and their members ---------------------------------------------------


async def create_business_account(owner: User, name: str) -> Account:
    name = _check_name(name)
    async with in_transaction():
        account = await create_account(AccountKind.BUSINESS, name)
        await Membership.create(user=owner, account=account, role=MemberRole.OWNER)
    return account


async def add_member(user: User, account: Account, role: MemberRole) -> Membership:
    membership, _ = await Membership.get_or_create(
        user=user, account=account, defaults={"role": role}
    )
    return membership


async def invite_member(
    account: Account, email: str, role: MemberRole, by: User, mailer: Mailer, wallet_url: str
) -> None:
    email = normalise_email(email)
    if role not in (MemberRole.OWNER, MemberRole.MANAGER, MemberRole.CASHIER):
        raise AccountsError("INVALID_INPUT", "role", "choose owner, manager or cashier")
    if account.kind != AccountKind.BUSINESS:
        raise AccountsError("INVALID_INPUT", "accountId", "only business accounts have members")
    if await Membership.exists(account=account, user__email=email):
        raise AccountsError("INVALID_INPUT", "email", "this person is already a member")
    if not await _may_mail(TokenPurpose.INVITATION, email):
        raise AccountsError("LIMIT_EXCEEDED", "email", "several invitations were sent lately")
    token = await _issue_token(
        TokenPurpose.INVITATION, email, account=account, role=role.value, created_by=by
    )
    await mailer.send(
        MailMessage(
            to=email,
            subject=f"Join {account.name}",
            body=f"{by.name} invites you to {account.name} as {role.value}. Accept within "
            f"7 days, signed in with this email:\n\n{wallet_url}/invitation?token={token}\n",
        )
    )


async def accept_invitation(user: User, token: str) -> Membership:
    row = await OneTimeToken.get_or_none(
        token_hash=token_hash(token), purpose=TokenPurpose.INVITATION
    )
    if row is not None and row.email != user.email:
        raise AccountsError("FORBIDDEN", "token", "this invitation is for another email")
    row = await _redeem_token(TokenPurpose.INVITATION, token)
    account = await Account.get(id=row.account_id)  # type: ignore[attr-defined]
    return await add_member(user, account, MemberRole(row.role or MemberRole.CASHIER))


async def remove_member(account: Account, user_id: int) -> None:
    membership = await Membership.get_or_none(account=account, user_id=user_id)
    if membership is None:
        raise AccountsError("NOT_FOUND", "userId", "no such member")
    if membership.role == MemberRole.OWNER:
        owners = await Membership.filter(account=account, role=MemberRole.OWNER).count()
        if owners == 1:
            raise AccountsError("INVALID_INPUT", "userId", "an account keeps at least one owner")
    await membership.delete()


# -- administrators ------------------------------------------------------------------------


async def grant_admin_role(
    user: User,
    role: AdminRole,
    granted_by: User | None = None,
    reason: str = "",
    actor_label: str = "",
    currencies: frozenset[str] | None = None,
) -> bool:
    """Grants the role for those currencies (None: every currency), audited; False when
    the user already held it (then nothing changes, its currencies neither)."""
    codes = frozenset(code.upper() for code in currencies) if currencies else None
    _, created = await AdminGrant.get_or_create(
        user=user,
        role=role,
        defaults={"granted_by": granted_by, "currencies": format_currency_codes(codes)},
    )
    if created:
        after = {"role": role.value}
        if codes:
            after["currencies"] = ", ".join(sorted(codes))
        await audit.record(
            granted_by,
            "admin_role.grant",
            "user",
            user.id,
            after=after,
            reason=reason,
            actor_label=actor_label,
        )
    return created


async def revoke_admin_role(user: User, role: AdminRole, by: User, reason: str) -> bool:
    deleted = await AdminGrant.filter(user=user, role=role).delete()
    if deleted:
        await audit.record(
            by, "admin_role.revoke", "user", user.id, before={"role": role.value}, reason=reason
        )
    return bool(deleted)


async def admin_roles(user: User) -> list[AdminRole]:
    return [AdminRole(grant.role) for grant in await AdminGrant.filter(user=user).order_by("role")]


async def find_user_by_email(email: str) -> User | None:
    return await User.get_or_none(email=email.strip().lower())


async def accounts_of(user: User) -> list[tuple[Account, MemberRole]]:
    memberships = await Membership.filter(user=user).order_by("id").prefetch_related("account")
    return [(m.account, MemberRole(m.role)) for m in memberships]


async def accounts_by_ids(account_ids: Iterable[int]) -> dict[int, Account]:
    """The accounts with these ids, in one query; ids of no account are left out."""
    wanted = set(account_ids)
    return {row.id: row for row in await Account.filter(id__in=list(wanted))} if wanted else {}


async def users_by_ids(user_ids: Iterable[int]) -> dict[int, User]:
    """The people with these ids, in one query; ids of nobody are left out."""
    wanted = set(user_ids)
    return {row.id: row for row in await User.filter(id__in=list(wanted))} if wanted else {}


async def members_of(account_id: int) -> list[Membership]:
    return (await members_of_accounts([account_id]))[account_id]


async def members_of_accounts(account_ids: Iterable[int]) -> dict[int, list[Membership]]:
    """Each account's memberships with their people, oldest first, in two queries."""
    members: dict[int, list[Membership]] = {account_id: [] for account_id in account_ids}
    if members:
        for membership in (
            await Membership.filter(account_id__in=list(members))
            .order_by("id")
            .prefetch_related("user")
        ):
            members[membership.account_id].append(membership)  # type: ignore[attr-defined]
    return members
