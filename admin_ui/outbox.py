"""The development mail sandbox: what the platform would have mailed (superadmins only:
it holds working reset links)."""

from __future__ import annotations

from typing import Any

from reactpy import component, html, use_async_effect, use_state

from admin_ui.ui import OPERATIONS, when
from schema.operations import OperationError, execute


@component
def Outbox(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    mails, set_mails = use_state(None)
    failure, set_failure = use_state("")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            answer = await execute(scope, OPERATIONS["AdminOutbox"], {"first": 50})
        except OperationError as problem:
            set_failure(str(problem))
            return
        set_mails([edge["node"] for edge in answer["sandboxOutbox"]["edges"]])

    if failure:
        return html.p({"role": "alert"}, failure)
    if mails is None:
        return html.section({"aria-busy": "true"}, "…")
    return html.section(
        {"data-testid": "outbox"},
        html.h2("Mail sandbox"),
        html.p({"className": "muted"}, "In development, mail is kept here instead of being sent."),
        html.ul(
            {"className": "outbox"},
            *[
                html.li(
                    {"key": str(index)},
                    html.strong(mail["subject"]),
                    f" → {mail['to']} · {when(mail['createdAt'])}",
                    html.pre(mail["body"]),
                )
                for index, mail in enumerate(mails)
            ],
        )
        if mails
        else html.p("No mail yet."),
    )
