"""Signing in and out, sessions, throttling, and who a request comes from."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from server import clock
from server.accounts import totp
from server.accounts.errors import AccountsError
from server.accounts.models import (
    Account,
    AdminGrant,
    AdminRole,
    ApiKey,
    MemberRole,
    Membership,
    Session,
    SignInThrottle,
    User,
)
from server.accounts.passwords import hash_password, verify_password
from server.accounts.principal import ANONYMOUS, Principal, PrincipalKind
from server.accounts.tokens import new_token, same, token_hash

# Growing delays: after the free failures, each failure doubles the wait, up to a cap.
FREE_FAILURES_PER_EMAIL = 5
FREE_FAILURES_PER_IP = 20
DELAY_S_MAX = 15 * 60
FAILURES_FORGOTTEN_AFTER = timedelta(hours=1)
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)
EMAIL_LENGTH_MAX = 254  # User.email's; SignInThrottle.key holds "email:" and that much
API_KEY_LOOKUP_LENGTH_MAX = 16  # ApiKey.lookup's: a longer one is no key's
# Verifying against this when the email is unknown keeps both answers equally slow.
_DUMMY_HASH = hash_password("no such user: constant-time answer")


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    user: User


async def _claim_attempt(key: str, free_attempts: int) -> int:
    """Counts this attempt before the password is checked, atomically, so that parallel
    attempts cannot slip past the limit. Returns 0 to go ahead, else the seconds to wait.

    Past the free attempts, one attempt is let through per delay, and each sets the next,
    doubled delay: of attempts racing for that slot, the conditional update picks one.
    """
    now = clock.now()
    try:
        await SignInThrottle.get_or_create(key=key, defaults={"last_failure_at": now})
    except IntegrityError:  # created by a concurrent attempt
        pass
    await SignInThrottle.filter(key=key, last_failure_at__lt=now - FAILURES_FORGOTTEN_AFTER).update(
        failures=0, blocked_until=None
    )
    await SignInThrottle.filter(key=key).update(failures=F("failures") + 1, last_failure_at=now)
    row = await SignInThrottle.get(key=key)
    if row.failures <= free_attempts:
        return 0
    if row.blocked_until is None or row.blocked_until <= now:
        delay_s = min(2 ** (row.failures - free_attempts - 1), DELAY_S_MAX)
        claimed = await SignInThrottle.filter(id=row.id, blocked_until=row.blocked_until).update(
            blocked_until=now + timedelta(seconds=delay_s)
        )
        if claimed:
            return 0
        row = await SignInThrottle.get(key=key)
    # Refused without a try: this attempt does not count, nor lengthen the wait.
    await SignInThrottle.filter(key=key).update(failures=F("failures") - 1)
    remaining = (row.blocked_until - now).total_seconds() if row.blocked_until else 1
    return max(1, int(remaining + 0.999))


def _email_key(email: str) -> str:
    """An address's throttle key; a longer address than any person's is cut to fit."""
    return f"email:{email[:EMAIL_LENGTH_MAX]}"


async def _claim(email: str, ip: str) -> None:
    wait_s = await _claim_attempt(f"ip:{ip}", FREE_FAILURES_PER_IP)
    if not wait_s:
        wait_s = await _claim_attempt(_email_key(email), FREE_FAILURES_PER_EMAIL)
        if wait_s:  # the address's attempt did not happen either
            await SignInThrottle.filter(key=f"ip:{ip}").update(failures=F("failures") - 1)
    if wait_s:
        raise AccountsError(
            "TOO_MANY_ATTEMPTS", "email", f"too many sign-in attempts; try again in {wait_s} s"
        )


async def _uncount(email: str, ip: str) -> None:
    for key in (_email_key(email), f"ip:{ip}"):
        await SignInThrottle.filter(key=key, failures__gt=0).update(failures=F("failures") - 1)


async def _succeeded(email: str, ip: str) -> None:
    await SignInThrottle.filter(key=_email_key(email)).delete()
    await SignInThrottle.filter(key=f"ip:{ip}", failures__gt=0).update(failures=F("failures") - 1)


async def sign_in(
    email: str,
    password: str,
    totp_code: str | None,
    *,
    ip: str,
    user_agent: str,
    lifetime_s: int,
) -> SignedIn:
    email = email.strip().lower()
    await _claim(email, ip)
    # A longer address is nobody's (and the store refuses to compare it with User.email).
    user = await User.get_or_none(email=email) if len(email) <= EMAIL_LENGTH_MAX else None
    password_ok = await asyncio.to_thread(
        verify_password, user.password_hash if user else _DUMMY_HASH, password
    )
    if user is None or not password_ok or not user.is_active:
        # One answer for an unknown email, a wrong password and a blocked person.
        raise AccountsError("INVALID_CREDENTIALS", "password", "wrong email or password")
    two_factor_passed = False
    if user.totp_enabled_at and user.totp_secret:
        if not totp_code:
            await _uncount(email, ip)  # the right password, asked for its second step
            raise AccountsError(
                "TWO_FACTOR_REQUIRED", "totp", "enter the code from your authenticator app"
            )
        step = totp.matching_step(user.totp_secret, totp_code, user.totp_last_step)
        # A code counts once, even sent to two app processes at the same moment: the step
        # is claimed in the store, and only the first claim moves it on.
        claimed = step is not None and await User.filter(
            id=user.id, totp_last_step__lt=step
        ).update(totp_last_step=step)
        if not claimed:
            raise AccountsError("WRONG_TOTP", "totp", "wrong or already used code")
        user.totp_last_step = step
        two_factor_passed = True
    await _succeeded(email, ip)
    membership = await Membership.filter(user=user).order_by("id").first()
    if membership is None:  # every person has a personal account; reaching here is a bug
        raise AccountsError("INVALID_CREDENTIALS", "password", "wrong email or password")
    token, hashed = new_token()
    session = await Session.create(
        token_hash=hashed,
        user=user,
        active_account_id=membership.account_id,  # type: ignore[attr-defined]
        two_factor_passed=two_factor_passed,
        ip=ip[:64],
        user_agent=user_agent[:200],
        expires_at=clock.now() + timedelta(seconds=lifetime_s),
    )
    return SignedIn(token=token, session=session, user=user)


async def end_session(session: Session) -> None:
    session.ended_at = clock.now()
    await session.save(update_fields=["ended_at"])


async def end_all_sessions(user: User, keep: Session | None = None) -> None:
    sessions = Session.filter(user=user, ended_at=None)
    if keep is not None:
        sessions = sessions.exclude(id=keep.id)
    await sessions.update(ended_at=clock.now())


Credentials = tuple[str | None, str | None]  # (bearer token or API key, session cookie)


async def _principals_of_sessions(sessions: list[Session]) -> dict[int, Principal]:
    """The principals of valid sessions (user loaded), by session id, in three queries."""
    user_ids = {session.user_id for session in sessions}  # type: ignore[attr-defined]
    memberships: dict[int, dict[int, MemberRole]] = {user_id: {} for user_id in user_ids}
    for m in await Membership.filter(user_id__in=user_ids):
        memberships[m.user_id][m.account_id] = m.role  # type: ignore[attr-defined]
    grants: dict[int, set[AdminRole]] = {user_id: set() for user_id in user_ids}
    # One set of currencies for the person, across roles: None once any grant is unlimited.
    scopes: dict[int, frozenset[str] | None] = {user_id: frozenset() for user_id in user_ids}
    for g in await AdminGrant.filter(user_id__in=user_ids):
        grantee: int = g.user_id  # type: ignore[attr-defined]
        grants[grantee].add(AdminRole(g.role))
        held, codes = scopes[grantee], g.currency_codes
        scopes[grantee] = None if held is None or codes is None else held | codes
    active_ids = {s.active_account_id for s in sessions} - {None}  # type: ignore[attr-defined]
    accounts = {a.id: a for a in await Account.filter(id__in=active_ids)} if active_ids else {}
    principals = {}
    for session in sessions:
        user = session.user
        granted = frozenset(grants[user.id])
        in_force = session.two_factor_passed and user.totp_enabled_at is not None
        principals[session.id] = Principal(
            kind=PrincipalKind.USER,
            user=user,
            session=session,
            account=accounts.get(session.active_account_id),  # type: ignore[attr-defined]
            memberships=memberships[user.id],
            admin_roles=granted if in_force else frozenset(),
            dormant_admin_roles=frozenset() if in_force else granted,
            admin_currencies=scopes[user.id] if granted else None,
        )
    return principals


async def _sessions_by_token(tokens: set[str]) -> dict[str, Principal]:
    """The principal of each session token that is valid now; the others are left out."""
    if not tokens:
        return {}
    hashes = {token_hash(token): token for token in tokens}
    now = clock.now()
    sessions = [
        s
        for s in await Session.filter(token_hash__in=list(hashes)).select_related("user")
        if not s.ended_at and s.expires_at > now and s.user.is_active
    ]
    for session in sessions:
        if now - session.last_seen_at > SESSION_TOUCH_INTERVAL:
            session.last_seen_at = now
            await session.save(update_fields=["last_seen_at"])
    principals = await _principals_of_sessions(sessions)
    return {hashes[s.token_hash]: principals[s.id] for s in sessions}


async def _api_keys_by_secret(secrets: set[str]) -> dict[str, Principal]:
    """The principal of each API key secret that is valid now; the others are left out."""
    lookups: dict[str, list[str]] = {}
    for secret in secrets:
        parts = secret.split("_")
        if len(parts) == 3 and parts[0] == "reck" and len(parts[1]) <= API_KEY_LOOKUP_LENGTH_MAX:
            lookups.setdefault(parts[1], []).append(secret)
    if not lookups:
        return {}
    now = clock.now()
    found = {}
    for key in await ApiKey.filter(lookup__in=list(lookups)).select_related("account"):
        for secret in lookups[key.lookup]:
            if key.revoked_at or not same(key.secret_hash, token_hash(secret.split("_")[2])):
                continue
            if key.last_used_at is None or now - key.last_used_at > API_KEY_TOUCH_INTERVAL:
                key.last_used_at = now
                await key.save(update_fields=["last_used_at"])
            found[secret] = Principal(kind=PrincipalKind.API_KEY, api_key=key, account=key.account)
    return found


def _credential(bearer: str | None, cookie: str | None) -> str | None:
    """A bearer token (session token or API key) wins over the cookie."""
    return bearer or cookie or None


async def authenticate_many(credentials: list[Credentials]) -> list[Principal]:
    """Who each pair of credentials is, now, in one batch: a handful of queries however
    many there are (the subscriptions that re-check their viewer for the same event)."""
    chosen = [_credential(bearer, cookie) for bearer, cookie in credentials]
    keys = {c for c in chosen if c and c.startswith("reck_")}
    sessions = {c for c in chosen if c and not c.startswith("reck_")}
    known = {**await _api_keys_by_secret(keys), **await _sessions_by_token(sessions)}
    return [known.get(c, ANONYMOUS) if c else ANONYMOUS for c in chosen]


async def authenticate_session(token: str) -> Principal:
    """The principal of a session token, or anonymous when it is unknown or over."""
    return (await _sessions_by_token({token})).get(token, ANONYMOUS)


async def authenticate(bearer: str | None, cookie: str | None) -> Principal:
    """A bearer token (session token or API key) wins over the cookie."""
    return (await authenticate_many([(bearer, cookie)]))[0]


async def switch_account(principal: Principal, account_id: int) -> Session:
    if principal.session is None or principal.role_in(account_id) is None:
        raise AccountsError("NOT_FOUND", "accountId", "no such account among yours")
    session = principal.session
    session.active_account_id = account_id  # type: ignore[attr-defined]
    await session.save(update_fields=["active_account_id"])
    return session
