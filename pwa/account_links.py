"""The pages that links in our mail open (confirming an email, choosing a new password,
joining an account), and the one that asks for a password reset link."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from reactpy import component, event, html, use_async_effect, use_state

from pwa.forms import sign_in_fields
from pwa.paths import wallet_path
from pwa.texts import text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")


def token_from(query_string: str) -> str:
    return parse_qs(query_string.lstrip("?")).get("token", [""])[0][:200]


@component
def VerifyEmail(scope: dict[str, Any], token: str, language: str):  # type: ignore[no-untyped-def]
    outcome, set_outcome = use_state("")

    @use_async_effect(dependencies=[])
    async def confirm() -> None:
        try:
            data = await execute(
                scope, OPERATIONS["WalletVerifyEmail"], {"input": {"token": token}}
            )
        except OperationError:
            set_outcome("invalid_link")
            return
        set_outcome("email_confirmed" if data["verifyEmail"]["ok"] else "invalid_link")

    if not outcome:
        return html.p({"aria-busy": "true"}, "…")
    return html.p({"role": "status", "data-testid": "link-outcome"}, text(language, outcome))


@component
def ResetPassword(scope: dict[str, Any], token: str, language: str):  # type: ignore[no-untyped-def]
    password, set_password = use_state("")
    outcome, set_outcome = use_state("")
    problem, set_problem = use_state("")

    async def submit(_: Any) -> None:
        variables = {"input": {"token": token, "newPassword": password}}
        try:
            data = await execute(scope, OPERATIONS["WalletResetPassword"], variables)
        except OperationError:
            set_problem(text(language, "invalid_link"))
            return
        errors = data["resetPassword"]["errors"]
        if errors:
            code = errors[0]["code"]
            set_problem(
                text(language, "invalid_link") if code == "INVALID_TOKEN" else errors[0]["message"]
            )
            return
        set_outcome("password_changed")

    if outcome:
        return html.p({"role": "status", "data-testid": "link-outcome"}, text(language, outcome))
    return html.form(
        {"onSubmit": event(submit, prevent_default=True), "className": "card stack"},
        html.label(
            text(language, "new_password"),
            html.input(
                {
                    "type": "password",
                    "name": "new-password",
                    "autoComplete": "new-password",
                    "minLength": 10,
                    "required": True,
                    "value": password,
                    "onChange": lambda e: set_password(e["target"]["value"]),
                }
            ),
        ),
        html.p({"className": "error", "role": "alert", "data-testid": "link-problem"}, problem)
        if problem
        else "",
        html.button({"type": "submit"}, text(language, "save_password")),
    )


@component
def AcceptInvitation(scope: dict[str, Any], token: str, language: str):  # type: ignore[no-untyped-def]
    """Signs in for this one act, accepts, and signs out again: the wallet's own sign-in
    keeps the person's session."""
    fields, set_fields = use_state({"email": "", "password": "", "totp": ""})
    joined, set_joined = use_state("")
    problem, set_problem = use_state("")

    async def submit(_: Any) -> None:
        credentials = {
            "email": fields["email"],
            "password": fields["password"],
            "totp": fields["totp"] or None,
        }
        try:
            login = (await execute(scope, OPERATIONS["WalletSignIn"], {"input": credentials}))[
                "login"
            ]
            if login["errors"]:
                set_problem(login["errors"][0]["message"])
                return
            bearer = login["token"]
            accepted = await execute(
                scope,
                OPERATIONS["WalletAcceptInvitation"],
                {"input": {"token": token}},
                bearer=bearer,
            )
            await execute(scope, OPERATIONS["WalletSignOut"], bearer=bearer)
        except OperationError:
            set_problem(text(language, "invalid_link"))
            return
        result = accepted["acceptInvitation"]
        if result["errors"]:
            code = result["errors"][0]["code"]
            set_problem(
                text(language, "invalid_link")
                if code == "INVALID_TOKEN"
                else result["errors"][0]["message"]
            )
            return
        set_joined(result["account"]["name"])

    if joined:
        return html.p(
            {"role": "status", "data-testid": "link-outcome"},
            text(language, "invitation_accepted").format(account=joined),
        )
    return html.form(
        {"onSubmit": event(submit, prevent_default=True), "className": "card stack"},
        html.p(text(language, "invitation_intro")),
        *sign_in_fields(
            language,
            lambda name: {
                "value": fields[name],
                "onChange": lambda e: set_fields(fields | {name: e["target"]["value"]}),
            },
        ),
        html.p({"className": "error", "role": "alert", "data-testid": "link-problem"}, problem)
        if problem
        else "",
        html.button({"type": "submit"}, text(language, "accept_invitation")),
    )


EMAIL_LENGTH_MAX = 254


@component
def ForgotPassword(scope: dict[str, Any], code: str, language: str):  # type: ignore[no-untyped-def]
    """Asks for a reset link by mail. The answer is the same whether or not an account has
    that address (the API's too), so the page tells nobody who is registered."""
    email, set_email = use_state("")
    sent_to, set_sent_to = use_state("")
    problem, set_problem = use_state("")
    busy, set_busy = use_state(False)

    async def submit(_: Any) -> None:
        if busy or not email.strip():
            return
        set_busy(True)
        set_problem("")
        variables = {"input": {"email": email.strip(), "currency": code}}  # its link: here
        try:
            await execute(scope, OPERATIONS["WalletRequestPasswordReset"], variables)
        except OperationError:
            set_problem(text(language, "forgot_failed"))
            set_busy(False)
            return
        set_busy(False)
        set_sent_to(email.strip())

    if sent_to:
        return html.section(
            {"className": "card stack", "data-testid": "forgot-password", "lang": language},
            html.h2(text(language, "forgot_title")),
            html.p(
                {"role": "status", "data-testid": "forgot-sent"},
                text(language, "forgot_sent").format(email=sent_to),
            ),
            html.a(
                {"href": wallet_path(code), "data-testid": "forgot-back"}, text(language, "sign_in")
            ),
        )
    return html.form(
        {
            "onSubmit": event(submit, prevent_default=True),
            "className": "card stack",
            "data-testid": "forgot-password",
            "lang": language,
        },
        html.h2(text(language, "forgot_title")),
        html.p(text(language, "forgot_intro")),
        html.label(
            text(language, "email"),
            html.input(
                {
                    "type": "email",
                    "name": "email",
                    "autoComplete": "username",
                    "required": True,
                    "maxLength": EMAIL_LENGTH_MAX,
                    "value": email,
                    "aria-invalid": "true" if problem else "false",
                    "aria-describedby": "forgot-problem" if problem else "",
                    "data-testid": "forgot-email",
                    "onChange": lambda e: set_email(e["target"]["value"][:EMAIL_LENGTH_MAX]),
                }
            ),
        ),
        html.p(
            {
                "id": "forgot-problem",
                "className": "error",
                "role": "alert",
                "data-testid": "forgot-problem",
            },
            problem,
        )
        if problem
        else "",
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "forgot-submit"},
            text(language, "forgot_submit"),
        ),
        html.a(
            {"href": wallet_path(code), "data-testid": "forgot-back"},
            text(language, "back_to_wallet"),
        ),
    )
