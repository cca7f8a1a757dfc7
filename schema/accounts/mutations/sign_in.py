"""register, login, logout, email verification and password reset."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.accounts.types import User, Viewer
from schema.accounts.viewer import viewer_of
from schema.accounts.wallet_links import wallet_url
from schema.errors import MutationError, from_domain
from schema.permissions import THROUGH_PARENT, Anyone, SignedIn, mutation, policy
from server.accounts import services
from server.accounts.errors import AccountsError
from server.accounts.sign_in import authenticate_session, end_session, sign_in


@strawberry.input
class RegisterInput:
    email: str
    password: str
    name: str
    language: str = "ca"
    currency: str | None = strawberry.field(
        default=None,
        description="The currency whose wallet the emailed link opens (its code); "
        "null: the host's or the default currency's.",
    )


@policy(THROUGH_PARENT)
@strawberry.type
class RegisterPayload:
    user: User | None
    errors: list[MutationError]


@strawberry.input
class LoginInput:
    email: str
    password: str
    totp: str | None = strawberry.field(default=None, description="The authenticator's code.")


@policy(THROUGH_PARENT)
@strawberry.type
class LoginPayload:
    token: str | None = strawberry.field(
        description="A bearer token for programs; browsers get the same session as a cookie."
    )
    viewer: Viewer | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class LogoutPayload:
    errors: list[MutationError]


@strawberry.input
class TokenInput:
    token: str


@strawberry.input
class EmailInput:
    email: str
    currency: str | None = strawberry.field(
        default=None,
        description="The currency whose wallet the emailed link opens (its code); "
        "null: the host's or the default currency's.",
    )


@strawberry.input
class ResetPasswordInput:
    token: str
    new_password: str


@policy(THROUGH_PARENT)
@strawberry.type
class AccessPayload:
    """The outcome of a mutation that returns nothing but success or errors."""

    ok: bool
    errors: list[MutationError]


def _done(errors: list[MutationError] | None = None) -> AccessPayload:
    return AccessPayload(ok=not errors, errors=errors or [])


@strawberry.type
class SignInMutations:
    @mutation(rule=Anyone(), description="Creates a person and their personal account.")
    async def register(self, info: Info, input: RegisterInput) -> RegisterPayload:
        context = info.context
        wallet, refused = wallet_url(context, input.currency)
        if refused:
            return RegisterPayload(user=None, errors=refused)
        try:
            user = await services.register(
                input.email,
                input.password,
                input.name,
                input.language,
                context.runtime.mailer,
                wallet,
            )
        except AccountsError as error:
            return RegisterPayload(user=None, errors=from_domain(error))
        return RegisterPayload(user=User(row=user), errors=[])

    @mutation(rule=Anyone(), description="Starts a session: sets the cookie, returns a token.")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        context = info.context
        try:
            signed_in = await sign_in(
                input.email,
                input.password,
                input.totp,
                ip=context.client_ip,
                user_agent=context.user_agent,
                lifetime_s=context.runtime.settings.session_lifetime_s,
            )
        except AccountsError as error:
            return LoginPayload(token=None, viewer=None, errors=from_domain(error))
        context.set_session_cookie(signed_in.token)
        principal = await authenticate_session(signed_in.token)
        return LoginPayload(token=signed_in.token, viewer=await viewer_of(principal), errors=[])

    @mutation(rule=SignedIn(), description="Ends this session, on every device using it.")
    async def logout(self, info: Info) -> LogoutPayload:
        session = info.context.principal.session
        if session is not None:
            await end_session(session)
        info.context.clear_session_cookie()
        return LogoutPayload(errors=[])

    @mutation(rule=Anyone(), description="Confirms an email address with the emailed token.")
    async def verify_email(self, input: TokenInput) -> AccessPayload:
        try:
            await services.verify_email(input.token)
        except AccountsError as error:
            return _done(from_domain(error))
        return _done()

    @mutation(
        rule=SignedIn(),
        description="Sends a new confirmation email; its link opens the wallet of `currency` "
        "(a code; null: the host's or the default currency's).",
    )
    async def request_email_verification(
        self, info: Info, currency: str | None = None
    ) -> AccessPayload:
        user = info.context.principal.user
        wallet, refused = wallet_url(info.context, currency)
        if refused:
            return _done(refused)
        if user.email_verified_at is None:
            try:
                await services.send_email_verification(user, info.context.runtime.mailer, wallet)
            except AccountsError as error:
                return _done(from_domain(error))
        return _done()

    @mutation(
        rule=Anyone(),
        description="Emails a reset link when the address is known; answers alike either way.",
    )
    async def request_password_reset(self, info: Info, input: EmailInput) -> AccessPayload:
        wallet, refused = wallet_url(info.context, input.currency)
        if refused:
            return _done(refused)
        await services.request_password_reset(input.email, info.context.runtime.mailer, wallet)
        return _done()

    @mutation(rule=Anyone(), description="Sets a new password with the emailed token.")
    async def reset_password(self, input: ResetPasswordInput) -> AccessPayload:
        try:
            await services.reset_password(input.token, input.new_password)
        except AccountsError as error:
            return _done(from_domain(error))
        return _done()
