"""A wallet's statement as CSV: `/wallet/statement.csv?currency=REC&from=2026-03-01&to=2026-03-31`.

The active account's transactions in that currency from the first day to the last, both
included, as calendar days in the currency's time zone; newest first, like the history.
Everything comes through the GraphQL schema (the history screen's own persisted
operations), run with the request's credentials: the session cookie, or a bearer token.
Rows are streamed page by page (100 a page), so a statement of any length is sent without
being held in memory.

Columns: date (ISO 8601 in the currency's time zone), kind, direction (IN or OUT),
counterparty name, counterparty handle, memo, amount (a decimal string, negative when the
money went out), currency, sequence and hash (empty until the journal seals the entry),
transaction id (the API's global ID). UTF-8 with a byte-order mark, so that spreadsheets
read accents right. A name or memo that starts like a formula (= + - @) gets a leading
apostrophe, so that no spreadsheet runs it.

Answers: 200 with the file as an attachment; 400 with a plain message for a missing or
impossible period or an unknown currency; 401 when nobody is signed in.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from schema.context import runtime_from_scope
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
PAGE_SIZE = 100
PAGES_MAX = 100_000  # ten million rows: far past any wallet, but a bound all the same
RATE_LIMIT_WAITS_MAX = 30  # a very long statement waits its turn rather than failing
YEAR_MIN, YEAR_MAX = 1970, 9998
COLUMNS = (
    "date",
    "kind",
    "direction",
    "counterparty_name",
    "counterparty_handle",
    "memo",
    "amount",
    "currency",
    "sequence",
    "hash",
    "transaction_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class PeriodError(ValueError):
    """A period a statement (or the history's filter) cannot cover."""


def day_of(given: str | None, name: str) -> date:
    """A YYYY-MM-DD date from a query parameter, or PeriodError saying what is wrong."""
    if not given:
        raise PeriodError(f"{name}: give a date like 2026-03-31")
    try:
        day = date.fromisoformat(given.strip()[:10]) if len(given.strip()) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise PeriodError(f"{name}: {given[:20]!r} is not a date like 2026-03-31")
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise PeriodError(f"{name}: a date from {YEAR_MIN} to {YEAR_MAX}")
    return day


def period_bounds(first_day: date, last_day: date, timezone: str) -> tuple[str, str]:
    """`since` (inclusive) and `until` (exclusive) for the API: from the start of the first
    day to the start of the day after the last, in the currency's time zone."""
    if first_day > last_day:
        raise PeriodError("from must not be after to")
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time(), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)
    return start.isoformat(), end.isoformat()


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def statement_row(node: dict[str, Any], handle: str, timezone: str) -> list[str]:
    """One transaction as the statement's columns, seen from the account `handle`."""
    incoming = (node["to"] or {}).get("handle") == handle
    other = (node["from"] if incoming else node["to"]) or {}
    amount = node["amount"]
    moment = datetime.fromisoformat(node["createdAt"]).astimezone(ZoneInfo(timezone))
    return [
        moment.isoformat(timespec="seconds"),
        node["kind"],
        "IN" if incoming else "OUT",
        _cell(other.get("name") or ""),
        _cell(other.get("handle") or ""),
        _cell(node["memo"] or ""),
        amount["amount"] if incoming else "-" + amount["amount"],
        amount["currency"],
        "" if node["sequence"] is None else str(node["sequence"]),
        node["hash"] or "",
        node["id"],
    ]


def _csv_line(values: list[str] | tuple[str, ...]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


async def _page(request: Request, variables: dict[str, Any]) -> dict[str, Any] | None:
    """One page of the history, or None when the wallet does not exist. A long statement
    may meet the rate limit: it waits and asks again."""
    for _ in range(RATE_LIMIT_WAITS_MAX):
        try:
            data = await execute(request.scope, OPERATIONS["WalletHistory"], variables)
        except OperationError as problem:
            if "too many requests" not in str(problem):
                raise
            await asyncio.sleep(2)
            continue
        account = (data.get("viewer") or {}).get("activeAccount") or {}
        wallet = account.get("wallet")
        return wallet["transactions"] if wallet else None
    raise OperationError("rate limited for too long")


async def statement(request: Request) -> Response:
    params = request.query_params
    code = (params.get("currency") or runtime_from_scope(request.scope).settings.default_currency)[
        :10
    ].upper()
    try:
        first_day, last_day = day_of(params.get("from"), "from"), day_of(params.get("to"), "to")
        if first_day > last_day:
            raise PeriodError("from must not be after to")
    except PeriodError as problem:
        return PlainTextResponse(str(problem), status_code=400)
    try:
        found = await execute(request.scope, OPERATIONS["WalletHistoryViewer"], {"currency": code})
    except OperationError as problem:
        return PlainTextResponse(str(problem), status_code=400)
    viewer = found.get("viewer")
    if not viewer:
        return PlainTextResponse("sign in to download a statement", status_code=401)
    account, currency = viewer.get("activeAccount"), found.get("currency")
    if account is None:
        return PlainTextResponse("no active account", status_code=403)
    if currency is None:
        return PlainTextResponse(f"currency: no currency {code!r}", status_code=400)
    timezone = currency["timezone"] or "Europe/Madrid"
    since, until = period_bounds(first_day, last_day, timezone)
    variables = {"currency": code, "first": PAGE_SIZE, "since": since, "until": until}
    first_page = await _page(request, variables)  # refusals answer before the file starts

    async def rows() -> AsyncIterator[str]:
        yield "\ufeff" + _csv_line(COLUMNS)
        page, pages = first_page, 1
        while page is not None:
            for edge in page["edges"]:
                yield _csv_line(statement_row(edge["node"], account["handle"], timezone))
            if not page["pageInfo"]["hasNextPage"] or pages >= PAGES_MAX:
                return
            # A failure from here on ends the transfer unfinished: the client sees an error.
            page = await _page(request, variables | {"after": page["pageInfo"]["endCursor"]})
            pages += 1

    handle = re.sub(r"[^A-Za-z0-9_-]", "-", account["handle"])
    name = f"statement-{handle}-{code}-{first_day}-{last_day}.csv"
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )
