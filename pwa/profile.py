"""The person's profile: the language, the password, the payment PIN, two-factor, and
identity verification (KYC) of the active account: its tier and limits, the documents sent
and sending a new one.

Each section keeps its own state (ReactPy: a component sets only its own state) and
shows each error beside the field that caused it, in the person's language, keeping what
was typed. Only the language lives in the screen itself: changing it redraws every section.

A document cannot travel over the live component's WebSocket: server/static/wallet-upload.js
takes over the upload form's submit and POSTs the file to /graphql as a GraphQL multipart
request with the persisted operation `WalletSubmitKycDocument` (its name and hash are in
the form's data attributes). It writes the outcome, as JSON, into the hidden input
`kyc-upload-result` and dispatches an input event; the section then says what happened and
reloads the documents. Decisions of the KYC officers arrive live (`viewerEvents`), so a
document's status and the tier change on screen as they are made.

Test IDs: `profile`, `profile-language`, `password-form`, `password-current`,
`password-new`, `pin-form`, `pin-state` (`data-has-pin`), `pin-new`, `pin-password`,
`twofa-state` (`data-enabled`), `twofa-start`, `twofa-qr`, `twofa-secret`, `twofa-code`,
`twofa-confirm`, `twofa-disable-form`, `kyc`, `kyc-tier`, `kyc-documents`, `kyc-document`
(`data-status`), `kyc-upload`, `kyc-kind`, `kyc-file`, `kyc-submit`; each error
`<form>-<field>-problem`, each outcome `<form>-notice`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

from reactpy import component, event, html, use_async_effect, use_state

from pwa.charge import qr_data_uri
from pwa.forms import chosen_value, legal_links
from pwa.i18n import money, when
from pwa.paths import wallet_path
from pwa.pay import SECONDARY, sign_in_card, summary
from pwa.texts import offered_languages, problem_text, speak, text
from schema.operations import OperationError, execute, load_operations, subscribe

OPERATIONS = load_operations(Path(__file__).parent / "operations")
UPLOAD_SCRIPT = "/static/wallet-upload.js"
UPLOAD_OPERATION = "WalletSubmitKycDocument"
PASSWORD_LENGTH_MAX = 256
PIN_LENGTH_MAX = 6
CODE_LENGTH_MAX = 10  # six digits, and the spaces some apps show between them
QR_SIZE = 200
UPLOADERS = ("HOLDER", "OWNER")  # who may send the active account's documents
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
SELECT = {"display": "block", "width": "100%", "padding": ".5rem", "font": "inherit"}
# A file input is as wide as its button and its "no file chosen": narrower on a phone.
FILE_INPUT = {"width": "100%", "minWidth": "0", "boxSizing": "border-box"}
# The API's reasons for a weak password (server/accounts/passwords.py), by their start.
_PASSWORD_RULES = (
    ("use at least", "profile_password_short"),
    ("use at most", "profile_password_long"),
    ("too easy", "profile_password_easy"),
    ("must not contain", "profile_password_email"),
)


def _error_code(query_string: str) -> str:
    return parse_qs(query_string.lstrip("?")).get("error", [""])[0][:40]


def _problem_text(language: str, problem: dict[str, Any]) -> str:
    """An error of one of the profile's forms, in the person's language."""
    code, field, message = problem["code"], problem.get("field"), problem.get("message") or ""
    if code == "INVALID_INPUT" and field == "newPassword":
        key = next((k for start, k in _PASSWORD_RULES if message.startswith(start)), None)
        return text(language, key) if key else message
    if code == "INVALID_INPUT" and field == "pin":
        return text(language, "profile_pin_rule")
    if code == "INVALID_INPUT" and field == "file":
        if "10 MB" in message:
            return text(language, "profile_kyc_file_big")
        if "empty" in message:
            return text(language, "profile_kyc_file_empty")
        return text(language, "profile_kyc_file_type")
    if code == "INVALID_INPUT" and field == "code":
        return text(language, "profile_2fa_restart")
    if code == "LIMIT_EXCEEDED" and field == "file":
        return text(language, "profile_kyc_too_many")
    if code == "FORBIDDEN":
        return text(language, "profile_2fa_admin" if field == "code" else "profile_kyc_not_yours")
    if code == "UNAVAILABLE":
        return text(language, "profile_failed")
    return problem_text(language, code, message)


def _by_field(errors: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, Any]:
    """The payload's errors by the form field they belong to ("" for the form as a whole)."""
    found: dict[str, Any] = {}
    for error in errors:
        field = error.get("field") if error.get("field") in fields else ""
        found.setdefault(field or "", error)
    return found


def _problem_line(form: str, field: str, problems: dict[str, Any], language: str) -> Any:
    problem = problems.get(field)
    if problem is None:
        return ""
    test_id = f"{form}-{field or 'general'}-problem"
    return html.p(
        {
            "id": test_id,
            "key": test_id,
            "className": "error",
            "role": "alert",
            "data-testid": test_id,
            "data-code": problem["code"],
        },
        _problem_text(language, problem),
    )


def _notice(form: str, key: str, language: str) -> Any:
    if not key:
        return ""
    return html.p(
        {"role": "status", "data-testid": f"{form}-notice", "key": f"{form}-notice"},
        text(language, key),
    )


def _field(
    form: str,
    name: str,
    label: str,
    value: str,
    on_change: Any,
    problems: dict[str, Any],
    language: str,
    **attributes: Any,
) -> list[Any]:
    """A labelled input and, right under it, what is wrong with it."""
    wrong = name in problems
    test_id = f"{form}-{attributes.pop('test_name', name)}"
    return [
        html.label(
            {"key": f"{form}-{name}"},
            label,
            html.input(
                {
                    "name": name,
                    "value": value,
                    "aria-invalid": "true" if wrong else "false",
                    "aria-describedby": f"{form}-{name}-problem" if wrong else "",
                    "data-testid": test_id,
                    "onChange": on_change,
                    **attributes,
                }
            ),
        ),
        _problem_line(form, name, problems, language),
    ]


def _typed(setter: Any, limit: int) -> Any:
    return lambda e: setter(str(e["target"]["value"])[:limit])


@component
def PasswordSection(scope: dict[str, Any], language: str):  # type: ignore[no-untyped-def]
    current, set_current = use_state("")
    new, set_new = use_state("")
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    notice, set_notice = use_state("")
    busy, set_busy = use_state(False)

    async def submit(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_notice("")
        variables = {"input": {"currentPassword": current, "newPassword": new}}
        try:
            answer = (await execute(scope, OPERATIONS["WalletChangePassword"], variables))[
                "changePassword"
            ]
        except OperationError:
            answer = {"errors": [{"code": "UNAVAILABLE", "field": None, "message": ""}]}
        set_busy(False)
        set_problems(_by_field(answer["errors"], ("currentPassword", "newPassword")))
        if not answer["errors"]:
            set_current("")
            set_new("")
            set_notice("profile_password_changed")

    return html.form(
        {
            "onSubmit": event(submit, prevent_default=True),
            "className": "card stack",
            "data-testid": "password-form",
        },
        html.h3(text(language, "profile_password_title")),
        *_field(
            "password",
            "currentPassword",
            text(language, "profile_current_password"),
            current,
            _typed(set_current, PASSWORD_LENGTH_MAX),
            problems,
            language,
            type="password",
            autoComplete="current-password",
            required=True,
            test_name="current",
        ),
        *_field(
            "password",
            "newPassword",
            text(language, "new_password"),
            new,
            _typed(set_new, PASSWORD_LENGTH_MAX),
            problems,
            language,
            type="password",
            autoComplete="new-password",
            minLength=10,
            required=True,
            test_name="new",
        ),
        _problem_line("password", "", problems, language),
        _notice("password", notice, language),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "password-submit"},
            text(language, "profile_password_submit"),
        ),
    )


@component
def PinSection(scope: dict[str, Any], language: str, had_pin: bool):  # type: ignore[no-untyped-def]
    has_pin, set_has_pin = use_state(had_pin)
    pin, set_pin = use_state("")
    password, set_password = use_state("")
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    notice, set_notice = use_state("")
    busy, set_busy = use_state(False)

    async def submit(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_notice("")
        variables = {"input": {"pin": pin, "currentPassword": password}}
        try:
            answer = (await execute(scope, OPERATIONS["WalletSetPaymentPin"], variables))[
                "setPaymentPin"
            ]
        except OperationError:
            answer = {"errors": [{"code": "UNAVAILABLE", "field": None, "message": ""}]}
        set_busy(False)
        set_problems(_by_field(answer["errors"], ("pin", "currentPassword")))
        if not answer["errors"]:
            set_pin("")
            set_password("")
            set_has_pin(True)
            set_notice("profile_pin_saved")

    return html.form(
        {
            "onSubmit": event(submit, prevent_default=True),
            "className": "card stack",
            "data-testid": "pin-form",
        },
        html.h3(text(language, "pin")),
        html.p(
            {"data-testid": "pin-state", "data-has-pin": "true" if has_pin else "false"},
            text(language, "profile_pin_set" if has_pin else "profile_pin_none"),
        ),
        html.p({"className": "muted"}, text(language, "profile_pin_hint")),
        *_field(
            "pin",
            "pin",
            text(language, "profile_new_pin"),
            pin,
            _typed(set_pin, PIN_LENGTH_MAX),
            problems,
            language,
            type="password",
            inputMode="numeric",
            autoComplete="off",
            maxLength=PIN_LENGTH_MAX,
            required=True,
            test_name="new",
        ),
        *_field(
            "pin",
            "currentPassword",
            text(language, "profile_current_password"),
            password,
            _typed(set_password, PASSWORD_LENGTH_MAX),
            problems,
            language,
            type="password",
            autoComplete="current-password",
            required=True,
            test_name="password",
        ),
        _problem_line("pin", "", problems, language),
        _notice("pin", notice, language),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "pin-submit"},
            text(language, "profile_pin_submit"),
        ),
    )


@component
def TwoFactorSection(scope: dict[str, Any], language: str, was_enabled: bool):  # type: ignore[no-untyped-def]
    enabled, set_enabled = use_state(was_enabled)
    setup, set_setup = use_state(cast(Any, None))  # {secret, provisioningUri} while turning on
    code, set_code = use_state("")
    password, set_password = use_state("")
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    notice, set_notice = use_state("")
    busy, set_busy = use_state(False)

    async def run(name: str, field: str, variables: dict[str, Any] | None) -> dict[str, Any]:
        set_busy(True)
        set_notice("")
        try:
            answer = (await execute(scope, OPERATIONS[name], variables))[field]
        except OperationError:
            answer = {"errors": [{"code": "UNAVAILABLE", "field": None, "message": ""}]}
        set_busy(False)
        set_problems(_by_field(answer["errors"], ("code", "currentPassword")))
        return answer

    async def start(_: Any) -> None:
        if busy:
            return
        answer = await run("WalletStartTwoFactor", "startTwoFactorSetup", None)
        if not answer["errors"]:
            set_code("")
            set_setup({"secret": answer["secret"], "uri": answer["provisioningUri"]})

    async def confirm(_: Any) -> None:
        if busy:
            return
        answer = await run(
            "WalletConfirmTwoFactor", "confirmTwoFactor", {"input": {"code": code.strip()}}
        )
        if not answer["errors"]:
            set_setup(None)
            set_code("")
            set_enabled(True)
            set_notice("profile_2fa_enabled")
        elif answer["errors"][0]["code"] == "INVALID_INPUT":
            set_setup(None)  # the setup was lost (turned on elsewhere, say): start again

    async def disable(_: Any) -> None:
        if busy:
            return
        variables = {"input": {"currentPassword": password, "code": code.strip()}}
        answer = await run("WalletDisableTwoFactor", "disableTwoFactor", variables)
        if not answer["errors"]:
            set_code("")
            set_password("")
            set_enabled(False)
            set_notice("profile_2fa_disabled")

    code_field = _field(
        "twofa",
        "code",
        text(language, "profile_2fa_code"),
        code,
        _typed(set_code, CODE_LENGTH_MAX),
        problems,
        language,
        type="text",
        inputMode="numeric",
        autoComplete="one-time-code",
        maxLength=CODE_LENGTH_MAX,
        required=True,
    )
    state = html.p(
        {"data-testid": "twofa-state", "data-enabled": "true" if enabled else "false"},
        text(language, "profile_2fa_on" if enabled else "profile_2fa_off"),
    )
    title = html.h3(text(language, "profile_2fa_title"))
    if enabled:
        return html.form(
            {
                "onSubmit": event(disable, prevent_default=True),
                "className": "card stack",
                "data-testid": "twofa-disable-form",
            },
            title,
            state,
            _notice("twofa", notice, language),
            *_field(
                "twofa",
                "currentPassword",
                text(language, "profile_current_password"),
                password,
                _typed(set_password, PASSWORD_LENGTH_MAX),
                problems,
                language,
                type="password",
                autoComplete="current-password",
                required=True,
                test_name="password",
            ),
            *code_field,
            _problem_line("twofa", "", problems, language),
            html.button(
                {
                    "type": "submit",
                    "className": "secondary",
                    "style": SECONDARY,
                    "disabled": busy,
                    "data-testid": "twofa-disable",
                },
                text(language, "profile_2fa_disable"),
            ),
        )
    if setup is None:
        return html.section(
            {"className": "card stack", "data-testid": "twofa"},
            title,
            state,
            _notice("twofa", notice, language),
            _problem_line("twofa", "", problems, language),
            _problem_line("twofa", "code", problems, language),
            html.button(
                {
                    "type": "button",
                    "disabled": busy,
                    "data-testid": "twofa-start",
                    "onClick": start,
                },
                text(language, "profile_2fa_start"),
            ),
        )
    return html.form(
        {
            "onSubmit": event(confirm, prevent_default=True),
            "className": "card stack",
            "data-testid": "twofa-setup",
        },
        title,
        html.p(text(language, "profile_2fa_scan")),
        html.img(
            {
                "src": qr_data_uri(setup["uri"]),
                "alt": text(language, "profile_2fa_qr"),
                "width": QR_SIZE,
                "height": QR_SIZE,
                "style": {"maxWidth": "100%", "height": "auto", "justifySelf": "center"},
                "data-testid": "twofa-qr",
            }
        ),
        html.p(
            text(language, "profile_2fa_secret"),
            ": ",
            html.code(
                {
                    "data-testid": "twofa-secret",
                    "style": {"wordBreak": "break-all", "userSelect": "all"},
                },
                setup["secret"],
            ),
        ),
        *code_field,
        _problem_line("twofa", "", problems, language),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "twofa-confirm"},
            text(language, "profile_2fa_confirm"),
        ),
        html.button(
            {
                "type": "button",
                "className": "secondary",
                "style": SECONDARY,
                "data-testid": "twofa-cancel",
                "onClick": lambda _: set_setup(None),
            },
            text(language, "profile_2fa_cancel"),
        ),
    )


def _limit(value: dict[str, Any] | None, language: str) -> str:
    if value is None:
        return text(language, "profile_kyc_no_limit")
    return money(value["amount"], value["currency"], language)


def _tier(found: dict[str, Any], language: str) -> Any:
    account = found["viewer"]["activeAccount"]
    tier = account["kycLimits"]
    if tier is None:
        return ""
    next_tier = next((t for t in found["kycTiers"] if t["level"] > tier["level"]), None)
    needs = ", ".join(
        text(language, f"profile_kyc_kind_{kind}")
        for kind in (next_tier or {}).get("requiredDocuments", [])
    )
    return html.div(
        {"className": "stack", "data-testid": "kyc-tier", "data-level": str(tier["level"])},
        html.p(
            {"style": {"fontWeight": "600", "margin": "0"}},
            text(language, "profile_kyc_tier").format(level=tier["level"], name=tier["name"]),
        ),
        html.p(
            {"className": "muted", "style": {"margin": "0"}},
            text(
                language, "profile_kyc_can_send" if tier["canSend"] else "profile_kyc_cannot_send"
            ),
        ),
        summary(
            (
                text(language, "profile_kyc_per_payment"),
                _limit(tier["perPaymentLimit"], language),
                "kyc-per-payment",
                {},
            ),
            (
                text(language, "profile_kyc_monthly"),
                _limit(tier["monthlyLimit"], language),
                "kyc-monthly",
                {},
            ),
            (
                text(language, "profile_kyc_max_balance"),
                _limit(tier["maxBalance"], language),
                "kyc-max-balance",
                {},
            ),
        ),
        html.p(
            {"data-testid": "kyc-next"},
            text(language, "profile_kyc_next").format(
                level=next_tier["level"], name=next_tier["name"], documents=needs
            ),
        )
        if next_tier and needs
        else "",
    )


def _document(document: dict[str, Any], language: str, timezone: str) -> Any:
    status = document["status"]
    return html.li(
        {
            "key": document["id"],
            "className": "activity",
            "data-testid": "kyc-document",
            "data-status": status,
        },
        html.span(text(language, f"profile_kyc_kind_{document['kind']}")),
        html.span(
            {"className": "error" if status == "DECLINED" else "", "data-testid": "kyc-status"},
            text(language, f"profile_kyc_status_{status}"),
        ),
        html.span(
            {"className": "muted when"},
            text(language, "profile_kyc_sent_on").format(
                when=when(document["submittedAt"], language, timezone)
            ),
        ),
        html.span(
            {"className": "muted when"},
            text(language, "profile_kyc_valid_until").format(
                when=when(document["expiresAt"], language, timezone)
            ),
        )
        if status == "APPROVED" and document["expiresAt"]
        else "",
        html.span(
            {"className": "when", "data-testid": "kyc-reason"},
            text(language, "profile_kyc_reason").format(reason=document["reason"]),
        )
        if status in ("DECLINED", "APPROVED") and document["reason"]
        else "",
    )


@component
def KycSection(scope: dict[str, Any], currency_code: str, language: str):  # type: ignore[no-untyped-def]
    found, set_found = use_state(cast(Any, None))
    documents, set_documents = use_state(cast(Any, None))
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    notice, set_notice = use_state("")

    async def reload() -> None:
        try:
            data = await execute(scope, OPERATIONS["WalletProfileKyc"], {"currency": currency_code})
        except OperationError:
            return  # signed out meanwhile: the section stays as it was
        set_found(data)
        viewer = data.get("viewer") or {}
        account_id = (viewer.get("activeAccount") or {}).get("id")
        role = next(
            (m["role"] for m in viewer.get("accounts", []) if m["account"]["id"] == account_id),
            None,
        )
        if role not in UPLOADERS:
            set_documents(None)
            return
        try:
            mine = await execute(scope, OPERATIONS["WalletProfileKycDocuments"])
        except OperationError:
            return
        set_documents(mine["viewer"]["activeAccount"]["kycDocuments"])

    @use_async_effect(dependencies=[])
    async def follow() -> None:
        await reload()
        try:  # an officer's decision, or a tier changed: shown as it happens
            async for _ in subscribe(scope, OPERATIONS["WalletProfileEvents"]):
                await reload()
        except OperationError:
            pass  # signed out: the section stays as it is

    async def uploaded(e: Any) -> None:
        try:
            outcome = json.loads(str(e["target"]["value"]))
        except (KeyError, TypeError, ValueError):
            return
        if outcome.get("ok"):
            set_problems({})
            set_notice("profile_kyc_sent")
            await reload()
            return
        set_notice("")
        error = outcome.get("error") or {"code": "UNAVAILABLE", "field": None}
        set_problems(_by_field([error], ("file", "kind")))

    if found is None:
        return html.section({"className": "card", "aria-busy": "true"}, "…")
    account = found["viewer"]["activeAccount"]
    timezone = (found.get("currency") or {}).get("timezone") or "Europe/Madrid"
    kinds = ["ID_DOCUMENT", "PROOF_OF_ADDRESS"] + (
        ["COMPANY_REGISTRATION"] if account["kind"] == "BUSINESS" else []
    )
    file_wrong = "file" in problems
    upload = html.form(
        {
            "className": "stack",
            "data-kyc-upload": "",
            "data-operation": UPLOAD_OPERATION,
            "data-sha256": OPERATIONS[UPLOAD_OPERATION].sha256,
            "data-result": "kyc-upload-result",
            "data-testid": "kyc-upload",
            # The script takes the submit first; this only keeps the page from reloading
            # in the moment before the script has loaded.
            "onSubmit": event(lambda _: None, prevent_default=True),
        },
        html.h4(text(language, "profile_kyc_upload_title")),
        html.label(
            text(language, "profile_kyc_kind"),
            html.select(
                {"name": "kind", "style": SELECT, "data-testid": "kyc-kind"},
                *[
                    html.option(
                        {"value": kind, "key": kind}, text(language, f"profile_kyc_kind_{kind}")
                    )
                    for kind in kinds
                ],
            ),
        ),
        html.label(
            {"style": {"minWidth": "0"}},
            text(language, "profile_kyc_file"),
            html.input(
                {
                    "type": "file",
                    "style": FILE_INPUT,
                    "name": "file",
                    "accept": ACCEPTED_FILES,
                    "required": True,
                    "aria-invalid": "true" if file_wrong else "false",
                    "aria-describedby": "kyc-file-problem" if file_wrong else "",
                    "data-testid": "kyc-file",
                }
            ),
        ),
        _problem_line("kyc", "file", problems, language),
        _problem_line("kyc", "kind", problems, language),
        _problem_line("kyc", "", problems, language),
        _notice("kyc", notice, language),
        html.button(
            {"type": "submit", "data-testid": "kyc-submit"}, text(language, "profile_kyc_submit")
        ),
    )
    return html.section(
        {"className": "card stack", "data-testid": "kyc"},
        html.h3(text(language, "profile_kyc_title")),
        html.p(
            {"className": "muted"},
            text(language, "profile_kyc_account").format(account=account["name"]),
        ),
        _tier(found, language),
        html.h4(text(language, "profile_kyc_documents")) if documents is not None else "",
        (
            html.ul(
                {"className": "activity-list", "data-testid": "kyc-documents"},
                *[_document(document, language, timezone) for document in documents],
            )
            if documents
            else html.p(
                {"className": "muted", "data-testid": "kyc-no-documents"},
                text(language, "profile_kyc_no_documents"),
            )
        )
        if documents is not None
        else "",
        upload if documents is not None else "",
        html.input(
            {
                "type": "text",
                "hidden": True,
                "id": "kyc-upload-result",
                "aria-hidden": "true",
                "tabIndex": -1,
                "data-testid": "kyc-upload-result",
                "onChange": uploaded,
            }
        ),
        html.script({"src": UPLOAD_SCRIPT}),
    )


@component
def Profile(scope: dict[str, Any], currency_code: str, language: str, query: str):  # type: ignore[no-untyped-def]
    found, set_found = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    saved, set_saved = use_state(False)

    async def refresh() -> None:
        set_found(await execute(scope, OPERATIONS["WalletProfile"]))

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            await refresh()
        except OperationError:
            set_found(None)
        set_loaded(True)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (found or {}).get("viewer")
    if not viewer or not viewer["user"]:
        return sign_in_card(
            language,
            wallet_path(currency_code, "profile"),
            "profile_sign_in",
            _error_code(query),
            "profile-sign-in",
        )
    user = viewer["user"]
    language = speak(user["language"], language)

    async def choose_language(e: Any) -> None:
        chosen = chosen_value(e)
        if chosen not in offered_languages(language) or chosen == language:
            return
        try:
            await execute(scope, OPERATIONS["WalletSetLanguage"], {"input": {"language": chosen}})
            await refresh()
        except OperationError:
            return  # the screen keeps its language; nothing changed
        set_saved(True)

    return html.div(
        {"className": "stack", "data-testid": "profile", "lang": language},
        html.h2(text(language, "profile_title")),
        html.p(
            {"className": "muted", "data-testid": "profile-who"}, user["name"], " · ", user["email"]
        ),
        html.nav(
            html.a(
                {"href": wallet_path(currency_code), "data-testid": "profile-home"},
                text(language, "back_to_wallet"),
            )
        ),
        html.section(
            {"className": "card stack"},
            html.label(
                {"className": "language"},
                text(language, "language"),
                html.select(
                    {
                        "value": language,
                        "data-testid": "profile-language",
                        "aria-describedby": "profile-language-hint",
                        "onChange": choose_language,
                    },
                    *[
                        html.option({"value": code, "key": code}, name)
                        for code, name in offered_languages(language).items()
                    ],
                ),
            ),
            html.p(
                {"id": "profile-language-hint", "className": "muted"},
                text(language, "profile_language_hint"),
            ),
            _notice("language", "profile_language_saved" if saved else "", language),
        ),
        PasswordSection(scope, language, key="password"),
        PinSection(scope, language, user["hasPaymentPin"], key="pin"),
        TwoFactorSection(scope, language, user["twoFactorEnabled"], key="twofa"),
        KycSection(scope, currency_code, language, key="kyc"),
        legal_links(currency_code, language, "profile-legal", intro=False),
    )
