"""People and accounts: find a person by name, email or handle, and open their page: their
accounts with balances and transactions (ten at a time) in the chosen currency, KYC tier and
documents, memberships and sessions. Superadmins block, unblock and lift PIN locks there,
each with a reason for the audit log; other administrators only read."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from reactpy import component, event, html, use_async_effect, use_state

from admin_ui.ui import OPERATIONS, first_error, money, problem, table, when
from schema.operations import OperationError, execute

PAGE_SIZE = 25
HOLDER = "HOLDER"


def _people_href(currency: str, user_id: str = "") -> str:
    """The search page, or a person's page, in the chosen currency."""
    suffix = "?" + urlencode({"currency": currency}) if currency else ""
    return f"/admin/people/{user_id}{suffix}" if user_id else f"/admin/people{suffix}"


def _personal_tier(person: dict[str, Any]) -> str:
    """The KYC tier of the person's own (personal) account, in the chosen currency."""
    for membership in person["memberships"]:
        if membership["role"] == HOLDER:
            tier = membership["account"]["kycTier"]
            return "—" if tier is None else str(tier)
    return "—"


def _status(person: dict[str, Any]) -> str:
    return "Blocked" if person["blocked"] else "Active"


@component
def People(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    if rest:
        return PersonPage(scope, viewer, currency, rest, key=rest)
    return PeopleSearch(scope, currency)


# -- the search ------------------------------------------------------------------------------


@component
def PeopleSearch(scope: dict[str, Any], currency: str):  # type: ignore[no-untyped-def]
    typed, set_typed = use_state("")
    searched, set_searched = use_state("")
    found, set_found = use_state(cast(Any, None))  # {"people", "more", "end": cursor}
    failure, set_failure = use_state("")

    async def fetch(words: str, after: str | None) -> dict[str, Any] | None:
        variables = {"search": words, "first": PAGE_SIZE, "after": after, "currency": currency}
        try:
            answer = (await execute(scope, OPERATIONS["AdminPeople"], variables))["adminPeople"]
        except OperationError as refusal:
            set_failure(str(refusal))
            return None
        set_failure("")
        return {
            "people": [edge["node"] for edge in answer["edges"]],
            "more": answer["pageInfo"]["hasNextPage"],
            "end": answer["pageInfo"]["endCursor"],
        }

    @use_async_effect(dependencies=[searched])
    async def load() -> None:
        result = await fetch(searched, None)
        if result is not None:
            set_found(result)

    async def submit(_: Any) -> None:
        words = typed.strip()
        if words == searched:  # the same words: look again (someone may have registered)
            result = await fetch(words, None)
            if result is not None:
                set_found(result)
        set_searched(words)

    async def more(_: Any) -> None:
        if not found or not found["more"]:
            return
        result = await fetch(searched, found["end"])
        if result is not None:
            set_found({**result, "people": found["people"] + result["people"]})

    form = html.form(
        {"onSubmit": event(submit, prevent_default=True), "role": "search", "className": "card"},
        html.label(
            "Name, email or handle ",
            html.input(
                {
                    "type": "search",
                    "name": "search",
                    "value": typed,
                    "maxLength": 100,
                    "onChange": lambda e: set_typed(e["target"]["value"]),
                    "data-testid": "people-search",
                }
            ),
        ),
        html.button({"type": "submit", "data-testid": "people-search-go"}, "Search"),
    )
    if found is None:
        results: Any = html.p({"aria-busy": "true"}, "…")
    else:
        rows = [_person_row(person, currency) for person in found["people"]]
        results = html.div(
            html.p(
                {"className": "muted", "data-testid": "people-count", "aria-live": "polite"},
                f"{len(rows)} {'person' if len(rows) == 1 else 'people'}"
                + (f" matching “{searched}”" if searched else "")
                + (" so far" if found["more"] else "")
                + ".",
            ),
            table(
                "people",
                ["Name", "Email", "Handles", "Status", f"Tier {currency}".strip()],
                rows,
                "Nobody matches.",
            ),
            html.button({"type": "button", "onClick": more, "data-testid": "people-more"}, "More")
            if found["more"]
            else "",
        )
    return html.section(
        {"data-testid": "section-people"},
        html.h2("People and accounts"),
        form,
        problem(failure, "people-problem"),
        results,
    )


def _person_row(person: dict[str, Any], currency: str) -> Any:
    handles = ", ".join("@" + m["account"]["handle"] for m in person["memberships"])
    return html.tr(
        {"key": person["id"], "data-testid": "person-row"},
        html.td(html.a({"href": _people_href(currency, person["id"])}, person["name"])),
        html.td(person["email"]),
        html.td(handles or "—"),
        html.td(
            html.strong({"className": "error"}, "Blocked")
            if person["blocked"]
            else ("PIN locked" if person["pinLocked"] else "Active")
        ),
        html.td(_personal_tier(person)),
    )


# -- a person's page ---------------------------------------------------------------------------


@component
def PersonPage(scope: dict[str, Any], viewer: dict[str, Any], currency: str, user_id: str):  # type: ignore[no-untyped-def]
    person, set_person = use_state(cast(Any, None))
    failure, set_failure = use_state("")
    version, set_version = use_state(0)
    roles = set(viewer["adminRoles"])

    @use_async_effect(dependencies=[version])
    async def load() -> None:
        variables = {
            "id": user_id,
            "currency": currency or None,
            "withDocuments": "KYC_OFFICER" in roles,
        }
        try:
            node = (await execute(scope, OPERATIONS["AdminPerson"], variables))["node"]
        except OperationError as refusal:
            set_failure(str(refusal))
            return
        # Another type's ID (an account's, say) answers an empty object here.
        set_person(node if node and "email" in node else {})

    back = html.p(html.a({"href": _people_href(currency)}, "← People"))
    if failure:
        return html.section({"data-testid": "person"}, back, problem(failure, "person-problem"))
    if person is None:
        return html.section({"aria-busy": "true"}, "…")
    if not person:
        return html.section(
            {"data-testid": "person"},
            back,
            html.p({"role": "alert", "data-testid": "person-missing"}, "No such person."),
        )

    def reload() -> None:
        set_version(version + 1)

    return html.section(
        {"data-testid": "person"},
        back,
        html.h2(person["name"]),
        _summary(person),
        PersonActions(scope, person, reload) if "SUPERADMIN" in roles else "",
        html.h3("Accounts"),
        *[_account(scope, m, currency, "KYC_OFFICER" in roles) for m in person["memberships"]],
        html.h3("Sessions"),
        table(
            "sessions",
            ["Started", "Last seen", "Until", "State", "Two-factor", "Browser or program"],
            [_session_row(index, s) for index, s in enumerate(person["sessions"])],
            "Never signed in.",
        ),
    )


def _summary(person: dict[str, Any]) -> Any:
    def item(label: str, value: Any, test_id: str = "") -> list[Any]:
        test = {"data-testid": test_id} if test_id else {}
        return [
            html.dt({"key": f"{label}-term"}, label),
            html.dd({"key": f"{label}-value", "style": {"margin": "0"}, **test}, value),
        ]

    pin = "not set"
    if person["hasPaymentPin"]:
        pin = "locked (3 wrong PINs)" if person["pinLocked"] else "set"
        if person["pinFailures"] and not person["pinLocked"]:
            pin += f" ({person['pinFailures']} wrong)"
    grid = {"display": "grid", "gridTemplateColumns": "max-content 1fr", "gap": ".25rem 1rem"}
    return html.dl(
        {"className": "card", "style": grid, "data-testid": "person-summary"},
        *item("Email", person["email"]),
        *item(
            "Status",
            html.strong({"className": "error"}, "Blocked") if person["blocked"] else "Active",
            "person-status",
        ),
        *item("Email confirmed", "yes" if person["emailVerified"] else "no"),
        *item("Two-factor", "on" if person["twoFactorEnabled"] else "off"),
        *item("Payment PIN", pin, "person-pin"),
        *item("Language", person["language"]),
        *item(
            "Administrator roles",
            ", ".join(r.lower() for r in person["adminRoles"]) or "none",
        ),
        *item("Registered", when(person["createdAt"])),
    )


@component
def AccountHistory(  # type: ignore[no-untyped-def]
    scope: dict[str, Any], account: dict[str, Any], currency: str, first: dict[str, Any] | None
):
    """The account's transactions in the currency, ten at a time: the first page came with
    the person; "Older transactions" adds the next ten below, as long as there are more."""
    rows, set_rows = use_state(lambda: [edge["node"] for edge in (first or {}).get("edges", [])])
    page, set_page = use_state(lambda: (first or {}).get("pageInfo") or {"hasNextPage": False})
    busy, set_busy = use_state(False)
    failure, set_failure = use_state("")

    async def older(_: Any) -> None:
        if busy or not page["hasNextPage"]:
            return
        set_busy(True)
        variables = {"id": account["id"], "currency": currency or None, "after": page["endCursor"]}
        try:
            node = (await execute(scope, OPERATIONS["AdminAccountHistory"], variables))["node"]
        except OperationError as refusal:
            set_busy(False)
            set_failure(str(refusal))
            return
        found = node["wallet"]["transactions"]
        set_rows(lambda shown: shown + [edge["node"] for edge in found["edges"]])
        set_page(found["pageInfo"])
        set_failure("")
        set_busy(False)

    handle = account["handle"]
    return html.div(
        table(
            f"transactions-{handle}",
            ["When", "Kind", "Amount", "From", "To", "Memo"],
            [
                html.tr(
                    {"key": t["id"]},
                    html.td(when(t["createdAt"])),
                    html.td(t["kind"].lower()),
                    html.td(money(t["amount"])),
                    html.td(f"{t['from']['name']} @{t['from']['handle']}"),
                    html.td(f"{t['to']['name']} @{t['to']['handle']}"),
                    html.td(t["memo"] or "—"),
                )
                for t in rows
            ],
            "No transactions.",
        ),
        html.button(
            {
                "type": "button",
                "disabled": busy,
                "data-testid": f"older-{handle}",
                "onClick": older,
            },
            "Loading…" if busy else "Older transactions",
        )
        if page["hasNextPage"]
        else "",
        problem(failure, f"history-problem-{handle}"),
    )


def _account(
    scope: dict[str, Any], membership: dict[str, Any], currency: str, officer: bool
) -> Any:
    account = membership["account"]
    wallet = account["wallet"]
    tier = account["kycTier"]
    documents = account.get("kycDocuments")
    if documents is None:
        kyc: Any = html.p({"className": "muted"}, "KYC documents are shown to KYC officers.")
    else:
        kyc = table(
            f"documents-{account['handle']}",
            ["Document", "Status", "Sent", "Reason", "File"],
            [
                html.tr(
                    {"key": document["id"]},
                    html.td(document["kind"].lower().replace("_", " ")),
                    html.td(document["status"].lower()),
                    html.td(when(document["submittedAt"])),
                    html.td(document["reason"] or "—"),
                    html.td(html.a({"href": document["downloadUrl"]}, "Open")),
                )
                for document in documents
            ],
            "No documents sent.",
        )
    return html.article(
        {"key": account["id"], "className": "card", "data-testid": "person-account"},
        html.h4(f"{account['name']} · @{account['handle']}"),
        html.p(
            f"{account['kind'].lower()} account · {membership['role'].lower()} · "
            f"KYC tier {'—' if tier is None else tier} · balance ",
            html.strong(
                {"data-testid": f"balance-{account['handle']}"},
                money(wallet["balance"]) if wallet else f"no {currency} wallet",
            ),
        ),
        html.h5(f"Transactions in {currency}, newest first".strip()),
        AccountHistory(
            scope,
            account,
            currency,
            wallet["transactions"] if wallet else None,
            key=f"{account['id']}-{currency}",
        ),
        html.h5("KYC documents"),
        kyc,
    )


def _session_row(index: int, session: dict[str, Any]) -> Any:
    if session["active"]:
        state = "active"
    elif session["endedAt"]:
        state = f"ended {when(session['endedAt'])}"
    else:
        state = "expired"
    return html.tr(
        {"key": str(index), "data-testid": "session-row"},
        html.td(when(session["createdAt"])),
        html.td(when(session["lastSeenAt"])),
        html.td(when(session["expiresAt"])),
        html.td(state),
        html.td("yes" if session["twoFactorPassed"] else "no"),
        html.td(session["userAgent"] or "—"),
    )


# -- what a superadmin may do ----------------------------------------------------------------


@component
def PersonActions(scope: dict[str, Any], person: dict[str, Any], reload: Any):  # type: ignore[no-untyped-def]
    block = "AdminUnblockUser" if person["blocked"] else "AdminBlockUser"
    return html.div(
        {"data-testid": "person-actions"},
        html.h3("Actions"),
        ReasonedAction(
            scope,
            person["id"],
            block,
            "Unblock" if person["blocked"] else "Block",
            "unblockUser" if person["blocked"] else "blockUser",
            "block",
            reload,
            "Blocking signs the person out everywhere and refuses their sign-ins."
            if not person["blocked"]
            else "Unblocking lets the person sign in again.",
            False,
        ),
        ReasonedAction(
            scope,
            person["id"],
            "AdminResetPinLock",
            "Reset PIN lock",
            "resetPinLock",
            "pin",
            reload,
            "Forgets the wrong PINs, so the person's PIN pays again."
            if person["pinFailures"]
            else "No wrong PINs to forget.",
            not person["pinFailures"],
        ),
    )


@component
def ReasonedAction(  # type: ignore[no-untyped-def]
    scope: dict[str, Any],
    user_id: str,
    operation: str,
    label: str,
    payload: str,
    test_id: str,
    reload: Any,
    hint: str,
    idle: bool,
):
    """One action on the person: a reason, a button, and the refusal beside it. `idle`:
    nothing to do now (the button is off)."""
    reason, set_reason = use_state("")
    failure, set_failure = use_state("")
    busy, set_busy = use_state(False)

    async def submit(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        variables = {"input": {"userId": user_id, "reason": reason}}
        try:
            answer = (await execute(scope, OPERATIONS[operation], variables))[payload]
        except OperationError as refusal:
            answer = {"errors": [{"message": str(refusal)}]}
        set_busy(False)
        message = first_error(answer)
        set_failure(message)
        if not message:
            set_reason("")
            reload()

    return html.form(
        {
            "onSubmit": event(submit, prevent_default=True),
            "className": "card",
            "data-testid": f"action-{test_id}",
        },
        html.p({"className": "muted"}, hint),
        html.label(
            "Reason ",
            html.input(
                {
                    "name": "reason",
                    "value": reason,
                    "maxLength": 500,
                    "onChange": lambda e: set_reason(e["target"]["value"]),
                    "data-testid": f"{test_id}-reason",
                }
            ),
        ),
        html.button(
            {"type": "submit", "disabled": busy or idle, "data-testid": f"{test_id}-submit"},
            label,
        ),
        problem(failure, f"{test_id}-problem"),
    )
