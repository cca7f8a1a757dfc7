"""The payment PIN, the password and two-factor of the signed-in person."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.errors import MutationError, from_domain
from schema.permissions import THROUGH_PARENT, SignedIn, mutation, policy
from server.accounts import services
from server.accounts.errors import AccountsError


@strawberry.input
class SetPaymentPinInput:
    pin: str
    current_password: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class TwoFactorCodeInput:
    code: str


@strawberry.input
class SetLanguageInput:
    language: str = strawberry.field(description="ca, es or en")


@strawberry.input
class DisableTwoFactorInput:
    current_password: str
    code: str


@policy(THROUGH_PARENT)
@strawberry.type
class SecurityPayload:
    ok: bool
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class TwoFactorSetupPayload:
    secret: str | None = strawberry.field(description="Base32 secret for manual entry.")
    provisioning_uri: str | None = strawberry.field(description="otpauth:// URI, as a QR code.")
    errors: list[MutationError]


async def _attempt(action) -> SecurityPayload:  # type: ignore[no-untyped-def]
    try:
        await action
    except AccountsError as error:
        return SecurityPayload(ok=False, errors=from_domain(error))
    return SecurityPayload(ok=True, errors=[])


@strawberry.type
class SecurityMutations:
    @mutation(rule=SignedIn(), description="Sets the PIN that payments ask for.")
    async def set_payment_pin(self, info: Info, input: SetPaymentPinInput) -> SecurityPayload:
        user = info.context.principal.user
        return await _attempt(services.set_payment_pin(user, input.pin, input.current_password))

    @mutation(rule=SignedIn(), description="The language the wallet and the mail use.")
    async def set_language(self, info: Info, input: SetLanguageInput) -> SecurityPayload:
        return await _attempt(services.set_language(info.context.principal.user, input.language))

    @mutation(rule=SignedIn())
    async def change_password(self, info: Info, input: ChangePasswordInput) -> SecurityPayload:
        user = info.context.principal.user
        return await _attempt(
            services.change_password(
                user, input.current_password, input.new_password, info.context.principal.session
            )
        )

    @mutation(rule=SignedIn(), description="Step 1 of two-factor: a secret for the app.")
    async def start_two_factor_setup(self, info: Info) -> TwoFactorSetupPayload:
        user = info.context.principal.user
        issuer = info.context.runtime.default_branding.theme.name
        try:
            secret, uri = await services.start_two_factor_setup(user, issuer)
        except AccountsError as error:
            return TwoFactorSetupPayload(
                secret=None, provisioning_uri=None, errors=from_domain(error)
            )
        return TwoFactorSetupPayload(secret=secret, provisioning_uri=uri, errors=[])

    @mutation(rule=SignedIn(), description="Step 2 of two-factor: a code turns it on.")
    async def confirm_two_factor(self, info: Info, input: TwoFactorCodeInput) -> SecurityPayload:
        user = info.context.principal.user
        return await _attempt(services.confirm_two_factor(user, input.code))

    @mutation(rule=SignedIn())
    async def disable_two_factor(self, info: Info, input: DisableTwoFactorInput) -> SecurityPayload:
        user = info.context.principal.user
        return await _attempt(services.disable_two_factor(user, input.current_password, input.code))
