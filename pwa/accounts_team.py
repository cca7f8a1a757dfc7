"""The members of the active business account (`Account.members`, owners and managers),
and for owners inviting someone by email with a role (`inviteMember`) and removing a
member after a confirmation (`removeMember`).

The API keeps at least one owner: the last owner gets no remove button on themselves, and
whatever the API still refuses shows beside that member, in the person's language. An
owner who removes themselves (another owner remains) is told so, with a way back to their
accounts. An invitation becomes a member when accepted (/wallet/<code>/invitation?token=...).

Test IDs: `team`, `member-item` (`data-email`, `data-role`), `member-remove`,
`member-remove-confirm`, `member-remove-cancel`, `member-problem`, `team-notice`,
`invite-form`, `invite-email`, `invite-role`, `invite-send`, `invite-<field>-problem`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from reactpy import component, html, use_async_effect, use_state

from pwa.accounts_parts import (
    BREAK,
    ITEM,
    LIST,
    SELECT,
    SMALL_BUTTON,
    UNAVAILABLE,
    calling,
    confirmation,
    field_problems,
    notice,
    problem_line,
    problem_of,
    tied,
)
from pwa.forms import chosen_value
from pwa.paths import wallet_path
from pwa.texts import text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
ROLES = ("OWNER", "MANAGER", "CASHIER")
EMAIL_LENGTH_MAX = 254


def _member_item(
    member: dict[str, Any], language: str, me: str, removable: bool, state: dict[str, Any]
) -> Any:
    user_id = member["userId"]
    mine = user_id == me
    problem = state["problem"]
    problem_words = (
        problem_of(language, "member", problem)
        if problem is not None and problem.get("userId") == user_id
        else ""
    )
    if state["confirming"] == user_id:
        action: Any = confirmation(
            "member-remove",
            text(language, "acc_remove_member_confirm").format(name=member["name"]),
            text(language, "acc_remove_yes"),
            text(language, "acc_cancel"),
            calling(state["remove"], member),
            lambda _: state["confirm"](None),
            state["busy"],
        )
    elif removable:
        action = html.button(
            {
                "type": "button",
                "className": "secondary",
                "style": SMALL_BUTTON | {"justifySelf": "start"},
                "aria-label": text(language, "acc_remove_member_label").format(name=member["name"]),
                "data-testid": "member-remove",
                "onClick": lambda _: state["confirm"](user_id),
            },
            text(language, "acc_remove_member"),
        )
    else:
        action = ""
    return html.li(
        {
            "key": user_id,
            "data-testid": "member-item",
            "data-email": member["email"],
            "data-role": member["role"],
            "style": ITEM | {"display": "grid", "gap": ".15rem"},
        },
        html.strong(
            {"style": BREAK}, member["name"], f" {text(language, 'acc_you')}" if mine else ""
        ),
        html.span({"className": "muted", "style": BREAK}, member["email"]),
        html.span(text(language, f"acc_role_{member['role']}")),
        action,
        html.p(
            {"className": "error", "role": "alert", "data-testid": "member-problem"},
            problem_words,
        )
        if problem_words
        else "",
    )


def _invite_form(
    language: str, fields: dict[str, str], problems: dict[str, str], busy: bool, on: Any
) -> Any:
    """No <form>: a select inside one sends its every option with each event."""
    return html.div(
        {
            "className": "stack",
            "role": "group",
            "aria-labelledby": "invite-title",
            "data-testid": "invite-form",
        },
        html.h4({"id": "invite-title", "style": {"margin": "0"}}, text(language, "acc_invite")),
        html.label(
            text(language, "acc_invite_email"),
            html.input(
                {
                    "type": "email",
                    "autoComplete": "off",
                    "maxLength": EMAIL_LENGTH_MAX,
                    "value": fields["email"],
                    "data-testid": "invite-email",
                    "onChange": on["change"]("email"),
                    **tied("invite-email", problems.get("email", "")),
                }
            ),
        ),
        problem_line("invite-email", problems.get("email", "")),
        html.label(
            text(language, "acc_invite_role"),
            html.select(
                {
                    "value": fields["role"],
                    "style": SELECT,
                    "data-testid": "invite-role",
                    "onChange": on["change"]("role"),
                    **tied("invite-role", problems.get("role", "")),
                },
                *[
                    html.option(
                        {"value": role, "key": role}, text(language, f"acc_role_hint_{role}")
                    )
                    for role in ROLES
                ],
            ),
        ),
        problem_line("invite-role", problems.get("role", "")),
        problem_line("invite-form", problems.get("", "")),
        html.button(
            {
                "type": "button",
                "disabled": busy,
                "style": {"justifySelf": "start"},
                "data-testid": "invite-send",
                "onClick": on["send"],
            },
            text(language, "acc_send_invitation"),
        ),
    )


@component
def Team(scope: dict[str, Any], account_id: str, is_owner: bool, me: str, code: str, language: str):  # type: ignore[no-untyped-def]
    members, set_members = use_state(cast(Any, None))
    failed, set_failed = use_state(False)
    left, set_left = use_state(False)
    confirming, set_confirming = use_state(cast(Any, None))
    problem, set_problem = use_state(cast(Any, None))
    busy, set_busy = use_state(False)
    message, set_message = use_state("")
    fields, set_fields = use_state({"email": "", "role": "CASHIER"})
    invite_problem, set_invite_problem = use_state(cast(Any, None))

    async def reload() -> None:
        try:
            answer = await execute(scope, OPERATIONS["WalletAccountMembers"], {"id": account_id})
        except OperationError:
            set_failed(True)
            return
        set_failed(False)
        set_members(((answer.get("node") or {}).get("members")) or [])

    @use_async_effect(dependencies=[])
    async def load() -> None:
        await reload()

    async def remove(member: dict[str, Any]) -> None:
        if busy:
            return
        set_busy(True)
        set_problem(None)
        variables = {"input": {"accountId": account_id, "userId": member["userId"]}}
        try:
            answer = (await execute(scope, OPERATIONS["WalletRemoveMember"], variables))[
                "removeMember"
            ]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        set_confirming(None)
        if answer["errors"]:
            set_problem(answer["errors"][0] | {"userId": member["userId"]})
        elif member["userId"] == me:
            set_left(True)
        else:
            set_message(text(language, "acc_member_removed").format(name=member["name"]))
            await reload()
        set_busy(False)

    def change(name: str) -> Any:
        return lambda e: set_fields(fields | {name: chosen_value(e)[:EMAIL_LENGTH_MAX]})

    async def send(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_invite_problem(None)
        email = fields["email"].strip()
        variables = {
            "input": {
                "accountId": account_id,
                "email": email,
                "role": fields["role"],
                "currency": code,  # the invitation's link opens this currency's wallet
            }
        }
        try:
            answer = (await execute(scope, OPERATIONS["WalletInviteMember"], variables))[
                "inviteMember"
            ]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        if answer["errors"]:
            set_invite_problem(answer["errors"][0])
        else:
            set_message(text(language, "acc_invited").format(email=email))
            set_fields(fields | {"email": ""})
        set_busy(False)

    if left:
        return html.section(
            {"className": "card stack", "data-testid": "team"},
            notice("team-notice", text(language, "acc_left")),
            html.a({"href": wallet_path(code, "accounts")}, text(language, "acc_title")),
        )
    if members is None:
        body: Any = (
            html.p({"role": "alert", "className": "error"}, text(language, "acc_unavailable"))
            if failed
            else html.p({"aria-busy": "true"}, "…")
        )
    else:
        owners = sum(1 for m in members if m["role"] == "OWNER")
        state = {
            "problem": problem,
            "confirming": confirming,
            "busy": busy,
            "remove": remove,
            "confirm": set_confirming,
        }
        body = html.ul(
            {"style": LIST},
            *[
                _member_item(
                    m,
                    language,
                    me,
                    is_owner and not (m["userId"] == me and m["role"] == "OWNER" and owners == 1),
                    state,
                )
                for m in members
            ],
        )
    problems = field_problems(language, "invite", invite_problem, ("email", "role"))
    return html.section(
        {"className": "card stack", "data-testid": "team"},
        html.h3({"style": {"margin": "0"}}, text(language, "acc_members")),
        notice("team-notice", message),
        body,
        _invite_form(language, fields, problems, busy, {"change": change, "send": send})
        if is_owner
        else "",
    )
