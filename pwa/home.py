"""The wallet's front door: welcome, sign in and register for visitors; for a signed-in
person, the balance and recent activity, both updated live through `walletEvents`.

The balance and the activity carry stable test IDs and data attributes
(`home-balance` with `data-amount` and `data-currency`, `recent-activity`,
`activity-item`): the offline snapshot (server/static/wallet-offline.js) reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

from reactpy import component, event, html, use_async_effect, use_state

from pwa.forms import chosen_value, forgot_password_link, legal_links, sign_in_fields
from pwa.i18n import money, signed_money, when
from pwa.paths import SIGN_IN, SIGN_OUT, wallet_path
from pwa.texts import offered_languages, problem_text, speak, text
from schema.operations import OperationError, execute, load_operations, subscribe

OPERATIONS = load_operations(Path(__file__).parent / "operations")


def _sign_in(code: str, language: str, error_code: str, email: str = "") -> Any:
    return html.form(
        {
            "method": "post",
            "action": SIGN_IN,
            "className": "card stack",
            "data-testid": "home-sign-in",
        },
        html.input({"type": "hidden", "name": "next", "value": wallet_path(code)}),
        *sign_in_fields(
            language,
            lambda name: (
                {"defaultValue": email, "data-testid": f"sign-in-{name}"}
                if name == "email"
                else {"data-testid": f"sign-in-{name}"}
            ),
        ),
        html.p(
            {"className": "error", "role": "alert", "data-testid": "sign-in-error"},
            problem_text(language, error_code, ""),
        )
        if error_code
        else "",
        html.button({"type": "submit"}, text(language, "sign_in")),
        forgot_password_link(code, language),
    )


@component
def Register(scope: dict[str, Any], code: str, language: str):  # type: ignore[no-untyped-def]
    fields, set_fields = use_state(
        lambda: {"name": "", "email": "", "password": "", "language": language}
    )
    problem, set_problem = use_state(cast(Any, None))
    busy, set_busy = use_state(False)
    done, set_done = use_state(False)

    def change(name: str) -> Any:
        return lambda e: set_fields(fields | {name: chosen_value(e)[:254]})

    async def submit(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_problem(None)
        try:
            asked = {"input": fields | {"currency": code}}  # the mail's link opens this wallet
            answer = (await execute(scope, OPERATIONS["WalletRegister"], asked))["register"]
        except OperationError:
            answer = {"errors": [{"code": "UNAVAILABLE", "message": "", "field": None}]}
        set_busy(False)
        if answer["errors"]:
            set_problem(answer["errors"][0])
            return
        set_done(True)

    def field(name: str, label: str, kind: str, autocomplete: str) -> Any:
        wrong = problem is not None and problem["field"] == name
        return html.label(
            label,
            html.input(
                {
                    "name": name,
                    "type": kind,
                    "autoComplete": autocomplete,
                    "required": True,
                    "value": fields[name],
                    "aria-invalid": "true" if wrong else "false",
                    "aria-describedby": "register-problem" if wrong else "",
                    "data-testid": f"register-{name}",
                    "onChange": change(name),
                }
            ),
        )

    if done:  # on to signing in, in the language just chosen
        chosen = speak(fields["language"], language)
        return html.div(
            html.p({"role": "status", "data-testid": "registered"}, text(chosen, "registered")),
            _sign_in(code, chosen, "", fields["email"]),
        )
    return html.form(
        {
            "onSubmit": event(submit, prevent_default=True),
            "className": "card stack",
            "data-testid": "register",
        },
        html.h2(text(speak(fields["language"], language), "create_account")),
        field("name", text(speak(fields["language"], language), "your_name"), "text", "name"),
        field("email", text(speak(fields["language"], language), "email"), "email", "email"),
        field(
            "password",
            text(speak(fields["language"], language), "password"),
            "password",
            "new-password",
        ),
        html.label(
            text(speak(fields["language"], language), "language"),
            html.select(
                {
                    "name": "language",
                    "value": fields["language"],
                    "data-testid": "register-language",
                    "onChange": change("language"),
                },
                *[
                    html.option({"value": lang, "key": lang}, name)
                    for lang, name in offered_languages(language).items()
                ],
            ),
        ),
        legal_links(code, speak(fields["language"], language), "register-legal"),
        html.p(
            {
                "id": "register-problem",
                "className": "error",
                "role": "alert",
                "data-testid": "register-problem",
            },
            problem_text(speak(fields["language"], language), problem["code"], problem["message"]),
        )
        if problem
        else "",
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "register-submit"},
            text(speak(fields["language"], language), "create_account"),
        ),
    )


@component
def Welcome(scope: dict[str, Any], code: str, language: str, query_string: str):  # type: ignore[no-untyped-def]
    registering, set_registering = use_state(False)
    error_code = parse_qs(query_string.lstrip("?")).get("error", [""])[0][:40]
    if registering:
        return Register(scope, code, language)
    return html.div(
        html.p({"className": "lead"}, text(language, "welcome_intro")),
        _sign_in(code, language, error_code),
        html.p(
            text(language, "no_account_yet"),
            " ",
            html.button(
                {
                    "type": "button",
                    "className": "link",
                    "data-testid": "show-register",
                    "onClick": lambda _: set_registering(True),
                },
                text(language, "create_account"),
            ),
        ),
        html.p(
            html.a(
                {"href": wallet_path(code, "map"), "data-testid": "nav-map"},
                text(language, "map_title"),
            )
        ),
    )


def _activity(item: dict[str, Any], account_handle: str, language: str, timezone: str) -> Any:
    incoming = (item["to"] or {}).get("handle") == account_handle
    other = item["from"] if incoming else item["to"]
    party = text(language, "from_party" if incoming else "to_party").format(
        name=(other or {}).get("name") or "?"
    )
    amount = item["amount"]
    return html.li(
        {"key": item["id"], "data-testid": "activity-item", "className": "activity"},
        html.span({"className": "what"}, text(language, f"kind_{item['kind']}"), " · ", party),
        html.span(
            {"className": "amount in" if incoming else "amount out"},
            signed_money(amount["amount"], amount["currency"], language, incoming),
        ),
        html.span({"className": "muted when"}, when(item["createdAt"], language, timezone)),
        html.span({"className": "muted memo"}, item["memo"]) if item["memo"] else "",
    )


def _more(code: str, language: str, business: bool) -> Any:
    """The other screens: history, accounts and profile; the till and the shop page for a
    business account."""
    pages = ["history", "accounts", "profile"] + (["till", "shop"] if business else [])
    return html.nav(
        {"className": "more", "aria-label": text(language, "nav_more")},
        *[
            html.a(
                {"href": wallet_path(code, page), "data-testid": f"nav-{page}", "key": page},
                text(language, f"nav_{page}"),
            )
            for page in pages
        ],
    )


@component
def Home(scope: dict[str, Any], currency: dict[str, Any], query_string: str):  # type: ignore[no-untyped-def]
    data, set_data = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    code = currency["code"]

    async def refresh() -> None:
        set_data(await execute(scope, OPERATIONS["WalletHome"], {"currency": code}))

    @use_async_effect(dependencies=[])
    async def follow() -> None:
        try:
            await refresh()
        except OperationError:
            set_data(None)
        set_loaded(True)
        try:  # live: any change of the wallet reloads what the screen shows
            async for _ in subscribe(scope, OPERATIONS["WalletHomeEvents"], {"currency": code}):
                await refresh()
        except OperationError:
            pass  # signed out, or not allowed: the screen stays as it is

    language = currency["defaultLanguage"]
    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (data or {}).get("viewer")
    if not viewer or not viewer["user"]:
        return Welcome(scope, code, language, query_string)
    language = speak(viewer["user"]["language"], language)
    account = viewer["activeAccount"] or {}
    wallet = account.get("wallet") or {
        "balance": {"amount": f"{0:.{currency['decimals']}f}", "currency": code},
        "transactions": {"edges": []},
    }
    balance = wallet["balance"]
    items = [edge["node"] for edge in wallet["transactions"]["edges"]]

    async def choose_language(e: Any) -> None:
        chosen = chosen_value(e)
        try:
            await execute(scope, OPERATIONS["WalletSetLanguage"], {"input": {"language": chosen}})
            await refresh()
        except OperationError:
            pass  # the screen keeps its language; nothing changed

    timezone = currency.get("timezone") or "Europe/Madrid"
    return html.div(
        {"className": "stack", "data-testid": "home", "lang": language},
        html.p({"className": "muted"}, text(language, "hello").format(name=viewer["user"]["name"])),
        html.section(
            {"className": "card balance"},
            html.p(
                {"className": "muted"}, text(language, "balance"), " · ", account.get("name", "")
            ),
            html.p(
                {
                    "className": "amount big",
                    "data-testid": "home-balance",
                    "data-amount": balance["amount"],
                    "data-currency": balance["currency"],
                    "aria-live": "polite",
                },
                money(balance["amount"], balance["currency"], language),
            ),
            html.nav(
                {"className": "actions"},
                html.a(
                    {
                        "href": wallet_path(code, "pay"),
                        "className": "button",
                        "data-testid": "nav-pay",
                    },
                    text(language, "pay_title"),
                ),
                html.a(
                    {
                        "href": wallet_path(code, "charge"),
                        "className": "button",
                        "data-testid": "nav-charge",
                    },
                    text(language, "charge_title"),
                ),
                html.a(
                    {
                        "href": wallet_path(code, "top-up"),
                        "className": "button",
                        "data-testid": "nav-buy",
                    },
                    text(language, "nav_buy"),
                ),
                html.a(
                    {
                        "href": wallet_path(code, "map"),
                        "className": "button",
                        "data-testid": "nav-map",
                    },
                    text(language, "map_title"),
                ),
            ),
        ),
        _more(code, language, account.get("kind") == "BUSINESS"),
        html.section(
            {"className": "card"},
            html.h2(text(language, "recent_activity")),
            html.ul(
                {"className": "activity-list", "data-testid": "recent-activity"},
                *[_activity(item, account.get("handle", ""), language, timezone) for item in items],
            )
            if items
            else html.p(
                {"className": "muted", "data-testid": "no-activity"}, text(language, "no_activity")
            ),
        ),
        html.label(
            {"className": "language"},
            text(language, "language"),
            html.select(
                {"value": language, "data-testid": "home-language", "onChange": choose_language},
                *[
                    html.option({"value": lang, "key": lang}, name)
                    for lang, name in offered_languages(language).items()
                ],
            ),
        ),
        html.form(
            {"method": "post", "action": SIGN_OUT},
            html.input({"type": "hidden", "name": "next", "value": wallet_path(code)}),
            html.button({"type": "submit", "className": "secondary"}, text(language, "sign_out")),
        ),
    )
