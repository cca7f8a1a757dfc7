"""The active business account's API keys, for its owners (`Account.apiKeys`): each with
its name, public prefix, scopes and use; a new one (`createApiKey`) with a name and scopes
among those the API accepts (`apiKeyScopes`), its secret shown this once; revoking one
(`revokeApiKey`) after a confirmation.

Test IDs: `api-keys`, `api-key-item` (`data-name`, `data-revoked`), `api-key-revoke`,
`api-key-revoke-confirm`, `api-key-revoke-cancel`, `api-key-problem`, `api-keys-notice`,
`key-form`, `key-name`, `key-scope-<scope>` (":" as "-"), `key-create`,
`key-<field>-problem`, `key-secret` with `key-secret-value`, `-copy`, `-done`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state

from pwa.accounts_parts import (
    BREAK,
    FIELDSET,
    ITEM,
    LIST,
    SMALL_BUTTON,
    UNAVAILABLE,
    calling,
    checkbox,
    confirmation,
    field_problems,
    notice,
    problem_line,
    problem_of,
    safe_id,
    secret_panel,
    tied,
)
from pwa.i18n import when
from pwa.texts import TEXTS, text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
NAME_LENGTH_MAX = 80


def scope_label(language: str, scope: str) -> str:
    key = f"acc_scope_{scope}"
    return f"{scope}: {text(language, key)}" if key in TEXTS else scope


def _key_item(key: dict[str, Any], language: str, timezone: str, state: dict[str, Any]) -> Any:
    revoked = key["revokedAt"] is not None
    problem = state["problem"]
    problem_words = (
        problem_of(language, "revoke", problem)
        if problem is not None and problem.get("keyId") == key["id"]
        else ""
    )
    if revoked:
        action: Any = html.span(
            {"className": "muted"},
            text(language, "acc_key_revoked_at").format(
                when=when(key["revokedAt"], language, timezone)
            ),
        )
    elif state["confirming"] == key["id"]:
        action = confirmation(
            "api-key-revoke",
            text(language, "acc_revoke_confirm").format(name=key["name"]),
            text(language, "acc_revoke_yes"),
            text(language, "acc_cancel"),
            calling(state["revoke"], key),
            lambda _: state["confirm"](None),
            state["busy"],
        )
    else:
        action = html.button(
            {
                "type": "button",
                "className": "secondary",
                "style": SMALL_BUTTON | {"justifySelf": "start"},
                "aria-label": text(language, "acc_revoke_label").format(name=key["name"]),
                "data-testid": "api-key-revoke",
                "onClick": lambda _: state["confirm"](key["id"]),
            },
            text(language, "acc_revoke"),
        )
    used = key["lastUsedAt"]
    return html.li(
        {
            "key": key["id"],
            "data-testid": "api-key-item",
            "data-name": key["name"],
            "data-revoked": "true" if revoked else "false",
            "style": ITEM
            | {"display": "grid", "gap": ".15rem"}
            | ({"opacity": ".7"} if revoked else {}),
        },
        html.strong({"style": BREAK}, key["name"]),
        html.code({"style": BREAK}, key["prefix"], "…"),
        html.span({"className": "muted", "style": BREAK}, ", ".join(key["scopes"])),
        html.span(
            {"className": "muted"},
            text(language, "acc_key_created_at").format(
                when=when(key["createdAt"], language, timezone)
            ),
            " · ",
            text(language, "acc_key_used_at").format(when=when(used, language, timezone))
            if used
            else text(language, "acc_key_never_used"),
        ),
        action,
        html.p(
            {"className": "error", "role": "alert", "data-testid": "api-key-problem"}, problem_words
        )
        if problem_words
        else "",
    )


def _key_form(
    language: str,
    scopes: list[str],
    fields: dict[str, Any],
    problems: dict[str, str],
    busy: bool,
    on: dict[str, Any],
) -> Any:
    chosen: list[str] = fields["scopes"]
    return html.form(
        {
            "className": "stack",
            "noValidate": True,
            "aria-labelledby": "key-form-title",
            "data-testid": "key-form",
            "onSubmit": event(on["create"], prevent_default=True),
        },
        html.h4({"id": "key-form-title", "style": {"margin": "0"}}, text(language, "acc_new_key")),
        html.label(
            text(language, "acc_key_name"),
            html.input(
                {
                    "type": "text",
                    "autoComplete": "off",
                    "maxLength": NAME_LENGTH_MAX,
                    "value": fields["name"],
                    "data-testid": "key-name",
                    "onChange": lambda e: on["name"](e["target"]["value"][:NAME_LENGTH_MAX]),
                    **tied("key-name", problems.get("name", "")),
                }
            ),
        ),
        problem_line("key-name", problems.get("name", "")),
        html.fieldset(
            {
                "style": FIELDSET,
                "className": "stack",
                **tied("key-scopes", problems.get("scopes", "")),
            },
            html.legend(text(language, "acc_scopes")),
            *[
                checkbox(
                    f"key-scope-{safe_id(scope)}",
                    scope_label(language, scope),
                    scope in chosen,
                    partial(on["scope"], scope),
                )
                for scope in scopes
            ],
        ),
        problem_line("key-scopes", problems.get("scopes", "")),
        problem_line("key-form", problems.get("", "")),
        html.button(
            {
                "type": "submit",
                "disabled": busy,
                "style": {"justifySelf": "start"},
                "data-testid": "key-create",
            },
            text(language, "acc_create_key"),
        ),
    )


@component
def ApiKeys(
    scope: dict[str, Any], account_id: str, scopes: list[str], language: str, timezone: str
):  # type: ignore[no-untyped-def]
    keys, set_keys = use_state(cast(Any, None))
    failed, set_failed = use_state(False)
    confirming, set_confirming = use_state(cast(Any, None))
    problem, set_problem = use_state(cast(Any, None))
    busy, set_busy = use_state(False)
    message, set_message = use_state("")
    fields, set_fields = use_state(cast(dict[str, Any], {"name": "", "scopes": []}))
    form_problem, set_form_problem = use_state(cast(Any, None))
    secret, set_secret = use_state(cast(Any, None))

    async def reload() -> None:
        try:
            answer = await execute(scope, OPERATIONS["WalletAccountApiKeys"], {"id": account_id})
        except OperationError:
            set_failed(True)
            return
        set_failed(False)
        set_keys(((answer.get("node") or {}).get("apiKeys")) or [])

    @use_async_effect(dependencies=[])
    async def load() -> None:
        await reload()

    async def revoke(key: dict[str, Any]) -> None:
        if busy:
            return
        set_busy(True)
        set_problem(None)
        try:
            answer = (
                await execute(scope, OPERATIONS["WalletRevokeApiKey"], {"input": {"id": key["id"]}})
            )["revokeApiKey"]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        set_confirming(None)
        if answer["errors"]:
            set_problem(answer["errors"][0] | {"keyId": key["id"]})
        else:
            set_message(text(language, "acc_revoked").format(name=key["name"]))
            await reload()
        set_busy(False)

    def choose(scope_name: str, on_off: bool) -> None:
        others = [s for s in fields["scopes"] if s != scope_name]
        set_fields(fields | {"scopes": others + ([scope_name] if on_off else [])})

    async def create(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_form_problem(None)
        values = {
            "accountId": account_id,
            "name": fields["name"].strip(),
            "scopes": fields["scopes"],
        }
        try:
            answer = (await execute(scope, OPERATIONS["WalletCreateApiKey"], {"input": values}))[
                "createApiKey"
            ]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        if answer["errors"]:
            set_form_problem(answer["errors"][0])
        else:
            set_secret({"name": answer["apiKey"]["name"], "value": answer["secret"]})
            set_message("")
            set_fields({"name": "", "scopes": []})
            await reload()
        set_busy(False)

    if keys is None:
        listing: Any = (
            html.p({"role": "alert", "className": "error"}, text(language, "acc_unavailable"))
            if failed
            else html.p({"aria-busy": "true"}, "…")
        )
    elif not keys:
        listing = html.p({"className": "muted"}, text(language, "acc_no_api_keys"))
    else:
        state = {
            "problem": problem,
            "confirming": confirming,
            "busy": busy,
            "revoke": revoke,
            "confirm": set_confirming,
        }
        listing = html.ul({"style": LIST}, *[_key_item(k, language, timezone, state) for k in keys])
    problems = field_problems(language, "key", form_problem, ("name", "scopes"))
    return html.section(
        {"className": "card stack", "data-testid": "api-keys"},
        html.h3({"style": {"margin": "0"}}, text(language, "acc_api_keys")),
        html.p({"className": "muted"}, text(language, "acc_api_keys_intro")),
        notice("api-keys-notice", message),
        secret_panel(
            "key-secret",
            language,
            text(language, "acc_key_secret").format(name=secret["name"]),
            secret["value"],
            text(language, "acc_secret_warning"),
            lambda _: set_secret(None),
        )
        if secret
        else "",
        listing,
        _key_form(
            language,
            scopes,
            fields,
            problems,
            busy,
            {"create": create, "name": lambda v: set_fields(fields | {"name": v}), "scope": choose},
        ),
    )
