"""The administrators' report files: `/admin/reports/<report>.<csv|pdf>?currency=&from=&to=`.

Reports: `b2b` (payments between business accounts), `transactions` (every entry of the
period) and `issuance` (card top-ups, cash issuance and redemptions per day). Everything
comes through the GraphQL schema (the persisted operations of
admin_ui/operations/reports.graphql), run in-process with the request's session cookie, as
the wallet's statement does (pwa/statement.py): the API decides who may read and checks
the period.

CSV: UTF-8 with a byte-order mark, CRLF lines, streamed as it is produced (the
transactions page by page, 100 a page), so a file of any length is never held in memory. A
cell that starts like a formula (= + - @) gets a leading apostrophe. The B2B and issuance
files hold blocks, each with its own header row, separated by an empty line.

PDF: the same rows as tables with a title, the period and the totals, written by fpdf2 with
its built-in Helvetica (Windows-1252: Catalan letters and the euro sign print; any other
character prints as "?"). A PDF is built whole, off the event loop; the transactions PDF
holds at most PDF_ROWS_MAX rows and says so when there were more (the CSV has them all).

Answers: 200 with the file as an attachment; 400 with the reason for a bad period or
currency; 401 when nobody is signed in; 403 for anyone who is not an administrator, and
for an administrator of other currencies than the one asked for ("you administer only GRA,
not REC", as the API says).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from admin_ui.ui import OPERATIONS
from schema.operations import OperationError, execute
from schema.permissions import not_administered

PAGE_SIZE = 100
PAGES_MAX = 100_000
PDF_ROWS_MAX = 2_000
RATE_LIMIT_WAITS_MAX = 30
REPORTS = ("b2b", "transactions", "issuance")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

B2B_PAIR_COLUMNS = (
    "payer_name",
    "payer_handle",
    "payee_name",
    "payee_handle",
    "payments",
    "amount",
    "refunds",
    "refunded",
    "net",
    "currency",
)
B2B_SHOP_COLUMNS = (
    "shop_name",
    "shop_handle",
    "category",
    "payments_made",
    "paid",
    "payments_received",
    "received",
    "refunds_given",
    "refunds_received",
    "currency",
)
B2B_CATEGORY_COLUMNS = ("category", "payments", "amount", "refunded", "net", "currency")
B2B_TOTAL_COLUMNS = ("total", "payments", "amount", "refunds", "refunded", "net", "currency")
TRANSACTION_COLUMNS = (
    "date",
    "kind",
    "from_name",
    "from_handle",
    "to_name",
    "to_handle",
    "amount",
    "currency",
    "memo",
    "reason",
    "sequence",
    "hash",
    "transaction_id",
)
ISSUANCE_COLUMNS = (
    "day",
    "card_top_ups",
    "card_top_up_amount",
    "cash_issues",
    "cash_issue_amount",
    "redemptions",
    "redeemed_amount",
    "other_minted",
    "other_burned",
    "minted",
    "burned",
    "net",
    "currency",
)


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([_cell(value) for value in values])
    return out.getvalue()


def _day(given: str | None, name: str) -> str:
    text = (given or "").strip()
    if not _DATE.fullmatch(text):
        raise Refused(400, f"{name}: give a date like 2026-03-31")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"{name}: {text!r} is not a date") from None
    return text


async def _run(request: Request, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
    """One persisted operation; a long export that meets the rate limit waits its turn.
    What the API refuses (a bad period) is a 400 with its words."""
    for _ in range(RATE_LIMIT_WAITS_MAX):
        try:
            return await execute(request.scope, OPERATIONS[operation], variables)
        except OperationError as problem:
            if "too many requests" not in str(problem):
                raise Refused(400, str(problem)) from None
            await asyncio.sleep(2)
    raise Refused(503, "rate limited for too long")


async def _admitted(request: Request) -> list[str] | None:
    """The currencies the administrator administers (None: all of them)."""
    found = await execute(request.scope, OPERATIONS["AdminViewer"], {})
    viewer = found.get("viewer")
    if not viewer or not viewer.get("user"):
        raise Refused(401, "sign in to the admin panel first")
    if not viewer.get("adminRoles"):
        raise Refused(403, "only administrators may download reports")
    managed: list[str] | None = viewer.get("adminCurrencies")
    return managed


async def _request(request: Request) -> tuple[str, str, str, str]:
    """The currency, period and time zone asked for, once the viewer may have them."""
    managed = await _admitted(request)
    params = request.query_params
    code = (params.get("currency") or "").strip().upper()[:10]
    if code and managed is not None and code not in managed:
        raise Refused(403, not_administered(managed, code))
    first_day, last_day = _day(params.get("from"), "from"), _day(params.get("to"), "to")
    if not code:
        raise Refused(400, "currency: give a currency code")
    currency = (await _run(request, "AdminReportCurrency", {"code": code})).get("currency")
    if currency is None:
        raise Refused(400, f"currency: no currency {code!r}")
    return code, first_day, last_day, currency["timezone"] or "UTC"


def _b2b_blocks(report: dict[str, Any]) -> list[tuple[str, Sequence[str], list[list[str]]]]:
    """The B2B report as (title, columns, rows) blocks: pairs, shops, categories, total."""
    code = report["currency"]
    pairs = [
        [
            pair["payer"]["name"],
            pair["payer"]["handle"],
            pair["payee"]["name"],
            pair["payee"]["handle"],
            str(pair["payments"]),
            pair["amount"]["amount"],
            str(pair["refunds"]),
            pair["refunded"]["amount"],
            pair["net"]["amount"],
            code,
        ]
        for pair in report["pairs"]
    ]
    shops = [
        [
            shop["account"]["name"],
            shop["account"]["handle"],
            shop["category"],
            str(shop["paymentsMade"]),
            shop["paid"]["amount"],
            str(shop["paymentsReceived"]),
            shop["received"]["amount"],
            shop["refundsGiven"]["amount"],
            shop["refundsReceived"]["amount"],
            code,
        ]
        for shop in report["shops"]
    ]
    categories = [
        [
            group["category"] or "(no shop)",
            str(group["payments"]),
            group["amount"]["amount"],
            group["refunded"]["amount"],
            group["net"]["amount"],
            code,
        ]
        for group in report["categories"]
    ]
    total = [
        [
            "total",
            str(report["payments"]),
            report["total"]["amount"],
            str(report["refunds"]),
            report["refunded"]["amount"],
            report["net"]["amount"],
            code,
        ]
    ]
    return [
        ("Who paid whom", B2B_PAIR_COLUMNS, pairs),
        ("Per shop", B2B_SHOP_COLUMNS, shops),
        ("Per category (of the payee)", B2B_CATEGORY_COLUMNS, categories),
        ("Total", B2B_TOTAL_COLUMNS, total),
    ]


def _issuance_rows(report: dict[str, Any]) -> list[list[str]]:
    code = report["currency"]

    def row(figures: dict[str, Any]) -> list[str]:
        return [
            figures["day"] or "total",
            str(figures["cardTopUps"]),
            figures["cardTopUpAmount"]["amount"],
            str(figures["cashIssues"]),
            figures["cashIssueAmount"]["amount"],
            str(figures["redemptions"]),
            figures["redeemedAmount"]["amount"],
            figures["otherMinted"]["amount"],
            figures["otherBurned"]["amount"],
            figures["minted"]["amount"],
            figures["burned"]["amount"],
            figures["net"]["amount"],
            code,
        ]

    return [row(day) for day in report["days"]] + [row(report["total"])]


def _transaction_row(node: dict[str, Any], zone: ZoneInfo) -> list[str]:
    moment = datetime.fromisoformat(node["createdAt"]).astimezone(zone)
    sender, receiver = node["from"] or {}, node["to"] or {}
    return [
        moment.isoformat(timespec="seconds"),
        node["kind"],
        sender.get("name") or "",
        sender.get("handle") or "",
        receiver.get("name") or "",
        receiver.get("handle") or "",
        node["amount"]["amount"],
        node["amount"]["currency"],
        node["memo"] or "",
        node["reason"] or "",
        "" if node["sequence"] is None else str(node["sequence"]),
        node["hash"] or "",
        node["id"],
    ]


async def _transaction_pages(
    request: Request, variables: dict[str, Any], first_page: dict[str, Any]
) -> AsyncIterator[list[dict[str, Any]]]:
    page, pages = first_page, 1
    while True:
        yield [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"] or pages >= PAGES_MAX:
            return
        # A failure from here on ends the transfer unfinished: the client sees an error.
        after = page["pageInfo"]["endCursor"]
        page = (await _run(request, "AdminTransactionsExport", variables | {"after": after}))[
            "adminTransactions"
        ]
        pages += 1


# PDF


def _latin(text: str) -> str:
    """What Helvetica can print (Windows-1252); anything else becomes "?"."""
    return text.encode("cp1252", errors="replace").decode("cp1252")


class _Pdf(FPDF):
    def __init__(self, title: str, period: str, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.report_title, self.period = title, period
        self.set_auto_page_break(True, margin=12)
        self.set_margins(10, 10, 10)
        self.set_title(_latin(f"{title}, {period}"))
        self.add_page()
        self.set_font("Helvetica", "B", 15)
        self.cell(0, 8, _latin(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 10)
        self.cell(0, 6, _latin(period), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, _latin(f"{self.report_title}, {self.period} - page {self.page_no()}"))

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def note(self, text: str) -> None:
        self.set_font("Helvetica", "", 9)
        self.multi_cell(0, 5, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def grid(
        self,
        columns: Sequence[str],
        widths: Sequence[float],
        rows: Iterable[Sequence[str]],
        numeric: Callable[[int], bool],
    ) -> None:
        """A table: the header row again on each new page; long cells are cut."""
        size = 7.5

        def header() -> None:
            self.set_font("Helvetica", "B", size)
            for name, width in zip(columns, widths, strict=True):
                self.cell(width, 5, _latin(_fit(name, width, size)), border="B")
            self.ln(5)
            self.set_font("Helvetica", "", size)

        header()
        for row in rows:
            if self.will_page_break(5):
                self.add_page()
                header()
            for index, (value, width) in enumerate(zip(row, widths, strict=True)):
                align = "R" if numeric(index) else "L"
                self.cell(width, 5, _latin(_fit(value, width, size)), align=align)
            self.ln(5)


def _fit(text: str, width_mm: float, size: float) -> str:
    # Helvetica averages about half its size in width; cut to what fits, with an ellipsis.
    fits = max(3, int(width_mm / (size * 0.353 * 0.52)))
    return text if len(text) <= fits else text[: fits - 1] + "…"


def _widths(columns: Sequence[str], total: float, wide: dict[str, float]) -> list[float]:
    """Column widths filling `total` mm: the named ones get their share weight."""
    weights = [wide.get(name, 1.0) for name in columns]
    return [total * weight / sum(weights) for weight in weights]


def _is_number(columns: Sequence[str]) -> Callable[[int], bool]:
    text = {"payer_name", "payer_handle", "payee_name", "payee_handle", "shop_name"}
    text |= {"shop_handle", "category", "currency", "total", "day", "date", "kind"}
    text |= {"from_name", "from_handle", "to_name", "to_handle", "memo", "reason", "hash"}
    text |= {"transaction_id"}
    return lambda index: columns[index] not in text


def _b2b_pdf(blocks: list[tuple[str, Sequence[str], list[list[str]]]], period: str) -> bytes:
    pdf = _Pdf("B2B report: payments between businesses", period, landscape=True)
    pdf.note(
        "Gross payments by the day paid; refunds by the day refunded; net is payments "
        "minus refunds."
    )
    wide = {"payer_name": 2.2, "payee_name": 2.2, "shop_name": 2.4, "category": 1.6}
    for title, columns, rows in blocks:
        pdf.heading(title)
        if rows:
            pdf.grid(columns, _widths(columns, 277, wide), rows, _is_number(columns))
        else:
            pdf.note("None.")
    return bytes(pdf.output())


def _issuance_pdf(rows: list[list[str]], period: str) -> bytes:
    pdf = _Pdf("Issuance and redemption", period, landscape=True)
    pdf.note(
        "Card top-ups and cash issuance (issueFunds) are minted; approved cash-outs are "
        "burned; net is minted minus burned. The last row holds the totals."
    )
    columns = ISSUANCE_COLUMNS
    pdf.grid(columns, _widths(columns, 277, {"day": 1.3}), rows, _is_number(columns))
    return bytes(pdf.output())


def _transactions_pdf(rows: list[list[str]], period: str, more: bool) -> bytes:
    pdf = _Pdf("Transactions", period, landscape=True)
    pdf.note(f"{len(rows)} transactions, oldest first.")
    if more:
        pdf.note(f"Only the first {PDF_ROWS_MAX} are here: download the CSV for all of them.")
    columns = TRANSACTION_COLUMNS[:10]  # sequence, hash and id: in the CSV
    wide = {"date": 1.9, "from_name": 1.8, "to_name": 1.8, "memo": 2.0, "reason": 2.0}
    pdf.grid(
        columns,
        _widths(columns, 277, wide),
        (row[:10] for row in rows),
        _is_number(columns),
    )
    return bytes(pdf.output())


# Responses


def _name(report: str, code: str, first_day: str, last_day: str, extension: str) -> str:
    return f"{report}-{re.sub(r'[^A-Za-z0-9]', '-', code)}-{first_day}-{last_day}.{extension}"


def _headers(filename: str) -> dict[str, str]:
    return {
        "content-disposition": f'attachment; filename="{filename}"',
        "cache-control": "no-store",
    }


async def export(request: Request) -> Response:
    report, extension = request.path_params["report"], request.path_params["format"]
    if report not in REPORTS or extension not in ("csv", "pdf"):
        return PlainTextResponse("no such report", status_code=404)
    try:
        code, first_day, last_day, timezone = await _request(request)
        variables: dict[str, Any] = {"currency": code, "from": first_day, "to": last_day}
        period = f"{code}, {first_day} to {last_day} ({timezone})"
        filename = _name(report, code, first_day, last_day, extension)
        if report == "transactions":
            variables["first"] = PAGE_SIZE
            first_page = (await _run(request, "AdminTransactionsExport", variables))[
                "adminTransactions"
            ]
            zone = ZoneInfo(timezone)
            if extension == "csv":
                return _transactions_csv(request, variables, first_page, zone, filename)
            rows: list[list[str]] = []
            more = False
            async for nodes in _transaction_pages(request, variables, first_page):
                rows.extend(_transaction_row(node, zone) for node in nodes)
                if len(rows) > PDF_ROWS_MAX:
                    rows, more = rows[:PDF_ROWS_MAX], True
                    break
            content = await asyncio.to_thread(_transactions_pdf, rows, period, more)
            return Response(content, media_type="application/pdf", headers=_headers(filename))
        if report == "b2b":
            found = (await _run(request, "AdminB2bReport", variables))["b2bReport"]
            blocks = _b2b_blocks(found)
            if extension == "csv":
                title = ("B2B report", code, first_day, last_day)
                return _blocks_csv(title, blocks, filename)
            content = await asyncio.to_thread(_b2b_pdf, blocks, period)
            return Response(content, media_type="application/pdf", headers=_headers(filename))
        found = (await _run(request, "AdminIssuanceReport", variables))["issuanceReport"]
        issued = _issuance_rows(found)
        if extension == "csv":
            title = ("Issuance and redemption", code, first_day, last_day)
            return _blocks_csv(title, [("", ISSUANCE_COLUMNS, issued)], filename)
        content = await asyncio.to_thread(_issuance_pdf, issued, period)
        return Response(content, media_type="application/pdf", headers=_headers(filename))
    except Refused as refused:
        return PlainTextResponse(str(refused), status_code=refused.status)


def _csv_response(lines: AsyncIterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(
        lines, media_type="text/csv; charset=utf-8", headers=_headers(filename)
    )


def _blocks_csv(
    title: tuple[str, ...],
    blocks: list[tuple[str, Sequence[str], list[list[str]]]],
    filename: str,
) -> StreamingResponse:
    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + _csv_line(title)
        for _, columns, rows in blocks:
            yield "\r\n" + _csv_line(columns)
            for row in rows:
                yield _csv_line(row)

    return _csv_response(lines(), filename)


def _transactions_csv(
    request: Request,
    variables: dict[str, Any],
    first_page: dict[str, Any],
    zone: ZoneInfo,
    filename: str,
) -> StreamingResponse:
    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + _csv_line(TRANSACTION_COLUMNS)
        async for nodes in _transaction_pages(request, variables, first_page):
            yield "".join(_csv_line(_transaction_row(node, zone)) for node in nodes)

    return _csv_response(lines(), filename)
