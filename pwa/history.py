"""The wallet's history: the active account's transactions, newest first, a page at a time,
filtered by kind, direction, period and words; each one opens to show its details and,
once the journal has sealed it, its place in the ledger (sequence and hash). Beside it,
the statement of a period as a CSV file (pwa/statement.py).

The filters are a plain GET form, so that they live in the address
(`/wallet/rec/history?kind=PAYMENT&direction=OUT&from=2026-03-01&to=2026-03-31&search=pa`):
a filtered history can be bookmarked, shared between tabs, and comes back after reloading.
Days are calendar days in the currency's time zone, the last one included; the API is
asked from the start of the first day (`since`) to the start of the day after the last
(`until`, exclusive). The statement covers the period chosen, or this month so far when
none is, with every kind of transaction.

Test IDs: `history`, `history-sign-in`, `history-filters`, `history-kind`,
`history-direction`, `history-from`, `history-to`, `history-search`, `history-apply`,
`history-clear`, `history-<field>-problem`, `history-list`, `history-item` (with
`data-id`, `data-kind`, `data-direction`, `data-amount`), `history-item-toggle`,
`history-item-details`, `history-sequence`, `history-hash`, `history-sealing`,
`history-more`, `history-empty`, `history-failed`, `history-statement`,
`history-statement-period`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date
from reactpy import component, html, use_async_effect, use_state

from pwa.i18n import locale_of, signed_money, when
from pwa.paths import STATEMENT, wallet_path
from pwa.pay import HASH, SECONDARY, sign_in_card, summary
from pwa.statement import PeriodError, day_of, period_bounds
from pwa.texts import problem_text, speak, text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
PAGE_SIZE = 20
SEARCH_LENGTH_MAX = 100
KINDS = ("PAYMENT", "TOPUP", "REDEMPTION", "REFUND", "BONUS", "ADJUSTMENT")
DIRECTIONS = {"IN": "history_in", "OUT": "history_out"}
_SELECT = {"font": "inherit", "padding": ".5rem", "width": "100%"}


@dataclass(frozen=True)
class Filters:
    """What the address asks for; `problems` by field (`from`, `to`) when it cannot be."""

    kind: str = ""
    direction: str = ""
    first_day: date | None = None
    last_day: date | None = None
    typed: dict[str, str] = field(default_factory=dict)  # the dates as given
    search: str = ""
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.kind or self.direction or self.first_day or self.last_day or self.search)


def filters_from(query_string: str) -> Filters:
    given = {k: v[0] for k, v in parse_qs(query_string.lstrip("?")).items() if v}
    kind = given.get("kind", "").upper()
    direction = given.get("direction", "").upper()
    typed = {name: given.get(name, "").strip()[:10] for name in ("from", "to")}
    days: dict[str, date | None] = {}
    problems: dict[str, str] = {}
    for name, value in typed.items():
        try:
            days[name] = day_of(value, name) if value else None
        except PeriodError:
            days[name], problems[name] = None, "HISTORY_BAD_DATE"
    first_day, last_day = days["from"], days["to"]
    if first_day and last_day and first_day > last_day:
        problems["to"] = "HISTORY_BAD_PERIOD"
    return Filters(
        kind=kind if kind in KINDS else "",
        direction=direction if direction in DIRECTIONS else "",
        first_day=first_day,
        last_day=last_day,
        typed=typed,
        search=given.get("search", "").strip()[:SEARCH_LENGTH_MAX],
        problems=problems,
    )


def _today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def statement_period(filters: Filters, timezone: str) -> tuple[date, date]:
    """The days the statement link covers: those chosen, else this month up to today."""
    if filters.problems:
        filters = Filters()
    last_day = filters.last_day or max(_today(timezone), filters.first_day or date.min)
    first_day = filters.first_day or last_day.replace(day=1)
    return first_day, last_day


def _variables(filters: Filters, currency: str, timezone: str) -> dict[str, Any]:
    variables: dict[str, Any] = {"currency": currency, "first": PAGE_SIZE}
    if filters.kind:
        variables["kind"] = [filters.kind]
    if filters.direction:
        variables["direction"] = filters.direction
    if filters.search:
        variables["search"] = filters.search
    if filters.first_day or filters.last_day:
        since, until = period_bounds(
            filters.first_day or date(1970, 1, 1), filters.last_day or date(9998, 12, 31), timezone
        )
        if filters.first_day:
            variables["since"] = since
        if filters.last_day:
            variables["until"] = until
    return variables


def _problem(language: str, problems: dict[str, str], name: str) -> Any:
    if name not in problems:
        return ""
    return html.p(
        {
            "id": f"history-{name}-problem",
            "className": "error",
            "role": "alert",
            "data-testid": f"history-{name}-problem",
        },
        problem_text(language, problems[name], ""),
    )


def _filter_form(code: str, language: str, filters: Filters) -> Any:
    """A GET form: applying it loads /wallet/<code>/history with the filters in the address."""

    def date_input(name: str, label: str) -> Any:
        wrong = name in filters.problems
        return html.label(
            text(language, label),
            html.input(
                {
                    "type": "date",
                    "name": name,
                    "defaultValue": filters.typed.get(name, ""),
                    "aria-invalid": "true" if wrong else "false",
                    "aria-describedby": f"history-{name}-problem" if wrong else "",
                    "data-testid": f"history-{name}",
                }
            ),
        )

    def choice(name: str, label: str, chosen: str, options: list[tuple[str, str]]) -> Any:
        return html.label(
            text(language, label),
            html.select(
                {"name": name, "data-testid": f"history-{name}", "style": _SELECT},
                *[
                    html.option(
                        {"value": value, "key": value or "all", "selected": value == chosen},
                        shown,
                    )
                    for value, shown in options
                ],
            ),
        )

    form = html.form(
        {
            "method": "get",
            "action": wallet_path(code, "history"),
            "className": "stack",
            "data-testid": "history-filters",
        },
        choice(
            "kind",
            "history_kind",
            filters.kind,
            [("", text(language, "history_all_kinds"))]
            + [(kind, text(language, f"kind_{kind}")) for kind in KINDS],
        ),
        choice(
            "direction",
            "history_direction",
            filters.direction,
            [("", text(language, "history_both"))]
            + [(value, text(language, key)) for value, key in DIRECTIONS.items()],
        ),
        date_input("from", "history_from"),
        _problem(language, filters.problems, "from"),
        date_input("to", "history_to"),
        _problem(language, filters.problems, "to"),
        html.label(
            text(language, "history_search"),
            html.input(
                {
                    "type": "search",
                    "name": "search",
                    "maxLength": SEARCH_LENGTH_MAX,
                    "defaultValue": filters.search,
                    "aria-describedby": "history-search-hint",
                    "data-testid": "history-search",
                }
            ),
        ),
        html.p(
            {"id": "history-search-hint", "className": "muted"},
            text(language, "history_search_hint"),
        ),
        html.div(
            {"style": {"display": "flex", "flexWrap": "wrap", "gap": ".75rem"}},
            html.button(
                {"type": "submit", "data-testid": "history-apply"}, text(language, "history_apply")
            ),
            html.a(
                {"href": wallet_path(code, "history"), "data-testid": "history-clear"},
                text(language, "history_clear"),
            )
            if filters.active
            else "",
        ),
    )
    return html.details(
        {"open": filters.active or bool(filters.problems), "data-testid": "history-filter-box"},
        html.summary(
            {"data-testid": "history-filters-toggle", "style": {"cursor": "pointer"}},
            text(language, "history_filters"),
        ),
        form,
    )


def _statement(language: str, filters: Filters, currency: str, timezone: str) -> Any:
    first_day, last_day = statement_period(filters, timezone)
    link = (
        STATEMENT
        + "?"
        + urlencode(
            {"currency": currency, "from": first_day.isoformat(), "to": last_day.isoformat()}
        )
    )
    locale = locale_of(language)
    return html.section(
        {"className": "card stack", "aria-labelledby": "history-statement-title"},
        html.h2({"id": "history-statement-title"}, text(language, "history_statement")),
        html.p(
            {"data-testid": "history-statement-period"},
            text(language, "history_statement_period").format(
                start=format_date(first_day, format="long", locale=locale),
                end=format_date(last_day, format="long", locale=locale),
            ),
        ),
        html.a(
            {
                "href": link,
                "download": "",
                "className": "button",
                "data-testid": "history-statement",
            },
            text(language, "history_statement_download"),
        ),
    )


@component
def HistoryItem(  # type: ignore[no-untyped-def]
    scope: dict[str, Any], item: dict[str, Any], handle: str, language: str, timezone: str
):
    """One transaction: a line that opens to its details and, once sealed, its seal."""
    opened, set_opened = use_state(False)
    seal, set_seal = use_state(cast(Any, item if item["sequence"] is not None else None))
    checked, set_checked = use_state(False)

    async def toggle(_: Any) -> None:
        set_opened(not opened)
        if opened or seal is not None:
            return
        try:  # sealed since the page loaded?
            found = (await execute(scope, OPERATIONS["WalletHistorySeal"], {"id": item["id"]}))[
                "node"
            ]
        except OperationError:
            found = None
        if found and found.get("sequence") is not None:
            set_seal(found)
        set_checked(True)

    incoming = (item["to"] or {}).get("handle") == handle
    other = (item["from"] if incoming else item["to"]) or {}
    party = text(language, "from_party" if incoming else "to_party").format(
        name=other.get("name") or "?"
    )
    amount = item["amount"]
    details_id = f"history-details-{item['id']}"
    details: Any = ""
    if opened:

        def who(party: dict[str, Any] | None) -> str:
            party = party or {}
            return f"{party.get('name') or '?'} (@{party.get('handle') or '?'})"

        reason = item.get("reason") or ""
        details = html.div(
            {"id": details_id, "className": "stack", "data-testid": "history-item-details"},
            summary(
                (
                    text(language, "pay_when"),
                    when(item["createdAt"], language, timezone),
                    "history-when",
                    {},
                ),
                (
                    text(language, "history_from_account"),
                    who(item["from"]),
                    "history-from-party",
                    {},
                ),
                (text(language, "history_to_account"), who(item["to"]), "history-to-party", {}),
                (text(language, "pay_memo_short"), item["memo"], "history-memo", {})
                if item["memo"]
                else None,
                (text(language, "history_reason"), reason, "history-reason", {})
                if reason
                else None,
                (text(language, "pay_sequence"), str(seal["sequence"]), "history-sequence", {})
                if seal
                else None,
                (text(language, "pay_hash"), seal["hash"], "history-hash", HASH) if seal else None,
                (text(language, "history_id"), item["id"], "history-id", HASH),
            ),
            ""
            if seal
            else html.p(
                {"className": "muted", "role": "status", "data-testid": "history-sealing"},
                text(language, "history_sealing") if checked else "…",
            ),
        )
    return html.li(
        {
            "className": "activity",
            "style": {"display": "block"},
            "data-testid": "history-item",
            "data-id": item["id"],
            "data-kind": item["kind"],
            "data-direction": "IN" if incoming else "OUT",
            "data-amount": amount["amount"],
        },
        html.button(
            {
                "type": "button",
                "aria-expanded": "true" if opened else "false",
                "aria-controls": details_id,
                "data-testid": "history-item-toggle",
                "onClick": toggle,
                "style": {
                    "display": "grid",
                    "gridTemplateColumns": "1fr auto",
                    "gap": ".15rem .75rem",
                    "width": "100%",
                    "textAlign": "start",
                    "background": "none",
                    "border": "0",
                    "padding": ".25rem 0",
                    "color": "inherit",
                    "font": "inherit",
                    "cursor": "pointer",
                },
            },
            html.span(
                {"className": "what", "style": {"minWidth": "0", "overflowWrap": "anywhere"}},
                text(language, f"kind_{item['kind']}"),
                " · ",
                party,
            ),
            html.span(
                {
                    "className": "amount in" if incoming else "amount out",
                    "data-testid": "history-amount",
                },
                signed_money(amount["amount"], amount["currency"], language, incoming),
            ),
            html.span({"className": "muted when"}, when(item["createdAt"], language, timezone)),
            html.span(
                {"className": "muted memo", "style": {"overflowWrap": "anywhere"}}, item["memo"]
            )
            if item["memo"]
            else "",
        ),
        details,
    )


@component
def History(scope: dict[str, Any], currency_code: str, language: str, query: str):  # type: ignore[no-untyped-def]
    filters, _ = use_state(lambda: filters_from(query))
    found, set_found = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    items, set_items = use_state(cast(list[dict[str, Any]], []))
    cursor, set_cursor = use_state(cast(Any, None))
    more, set_more = use_state(False)
    busy, set_busy = use_state(False)
    failed, set_failed = use_state(False)

    def timezone_of(data: dict[str, Any] | None) -> str:
        return ((data or {}).get("currency") or {}).get("timezone") or "Europe/Madrid"

    async def load_page(
        data: dict[str, Any], after: str | None, shown: list[dict[str, Any]]
    ) -> None:
        set_busy(True)
        variables = _variables(filters, currency_code, timezone_of(data))
        try:
            result = await execute(scope, OPERATIONS["WalletHistory"], variables | {"after": after})
        except OperationError:
            set_failed(True)
            set_busy(False)
            return
        wallet = ((result.get("viewer") or {}).get("activeAccount") or {}).get("wallet")
        connection = (wallet or {}).get("transactions") or {
            "edges": [],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        }
        set_items(shown + [edge["node"] for edge in connection["edges"]])
        set_cursor(connection["pageInfo"]["endCursor"])
        set_more(connection["pageInfo"]["hasNextPage"])
        set_failed(False)
        set_busy(False)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            data = await execute(
                scope, OPERATIONS["WalletHistoryViewer"], {"currency": currency_code}
            )
        except OperationError:
            data = None
        set_found(data)
        set_loaded(True)
        viewer = (data or {}).get("viewer") or {}
        if data and viewer.get("activeAccount") and data.get("currency") and not filters.problems:
            await load_page(data, None, [])

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (found or {}).get("viewer")
    if not viewer or not viewer["user"]:
        error_code = parse_qs(query.lstrip("?")).get("error", [""])[0][:40]
        return sign_in_card(
            language,
            wallet_path(currency_code, "history"),
            "history_sign_in",
            error_code,
            "history-sign-in",
        )
    language = speak(viewer["user"]["language"], language)
    account = viewer["activeAccount"]
    currency = (found or {}).get("currency")
    if account is None or currency is None:
        return html.p({"role": "alert"}, problem_text(language, "FORBIDDEN", ""))
    timezone = timezone_of(found)

    async def load_more(_: Any) -> None:
        if not busy and more:
            await load_page(cast(dict[str, Any], found), cursor, items)

    if failed:
        listing: Any = html.p(
            {"className": "error", "role": "alert", "data-testid": "history-failed"},
            text(language, "history_failed"),
        )
    elif filters.problems:
        listing = ""
    elif items:
        listing = html.ul(
            {"className": "activity-list", "data-testid": "history-list"},
            *[
                HistoryItem(scope, item, account["handle"], language, timezone, key=item["id"])
                for item in items
            ],
        )
    elif busy:
        listing = html.p(
            {"aria-busy": "true", "className": "muted"}, text(language, "history_loading")
        )
    else:
        listing = html.p(
            {"className": "muted", "data-testid": "history-empty"},
            text(language, "history_none_match" if filters.active else "history_empty"),
        )
    return html.div(
        {"className": "stack", "data-testid": "history", "lang": language},
        html.nav(
            html.a(
                {"href": wallet_path(currency_code), "data-testid": "nav-home"},
                text(language, "nav_home"),
            )
        ),
        html.section(
            {"className": "card stack", "aria-labelledby": "history-title"},
            html.h2({"id": "history-title"}, text(language, "history_title")),
            html.p(
                {"className": "muted"}, text(language, "history_of").format(account=account["name"])
            ),
            _filter_form(currency_code, language, filters),
            html.div({"aria-live": "polite"}, listing),
            html.button(
                {
                    "type": "button",
                    "style": SECONDARY,
                    "className": "secondary",
                    "disabled": busy,
                    "data-testid": "history-more",
                    "onClick": load_more,
                },
                text(language, "history_loading") if busy else text(language, "history_more"),
            )
            if more and not failed
            else "",
        ),
        _statement(language, filters, currency["code"], timezone),
    )
