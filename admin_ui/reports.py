"""Reports: a period (from, to: days in the currency's time zone), the B2B totals of that
period on screen, and the report files to download, each as CSV and PDF
(admin_ui/reports_export.py serves them). Downloads go through
server/static/admin-download.js, which shows how much has arrived while a long export
streams, then saves the file. Every administrator may read reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlencode

from reactpy import component, event, html, use_async_effect, use_ref, use_state

from admin_ui.ui import OPERATIONS, money, problem, table
from schema.operations import OperationError, execute

DOWNLOAD_SCRIPT = "/static/admin-download.js"
DD = {"margin": "0", "fontWeight": "600"}
REPORTS = (
    ("b2b", "B2B payments"),
    ("transactions", "Transactions"),
    ("issuance", "Issuance and redemption"),
)


def _default_period() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    return today.replace(day=1).isoformat(), today.isoformat()


def _date_input(label: str, test_id: str, value: str, on_change: Any) -> Any:
    return html.label(
        label,
        html.input(
            {
                "type": "date",
                "value": value,
                "required": True,
                "data-testid": test_id,
                "onChange": lambda e: on_change(str(e["target"]["value"])[:10]),
            }
        ),
    )


def _downloads(currency: str, first_day: str, last_day: str) -> Any:
    query = urlencode({"currency": currency, "from": first_day, "to": last_day})
    items = []
    for report, label in REPORTS:
        links = [
            html.a(
                {
                    "key": extension,
                    "href": f"/admin/reports/{report}.{extension}?{query}",
                    "data-report-download": "",
                    "data-progress": "report-progress",
                    "data-status": "report-status",
                    "data-testid": f"download-{report}-{extension}",
                    "download": "",
                    "style": {"marginRight": ".75rem"},
                },
                extension.upper(),
            )
            for extension in ("csv", "pdf")
        ]
        items.append(html.li({"key": report}, html.span(f"{label}: "), *links))
    return html.section(
        {"data-testid": "report-downloads"},
        html.h3("Download"),
        html.ul(*items),
        html.progress(
            {
                "id": "report-progress",
                "data-testid": "report-progress",
                "hidden": True,
                "aria-label": "Download progress",
            }
        ),
        html.p(
            {
                "id": "report-status",
                "role": "status",
                "aria-live": "polite",
                "className": "muted",
                "data-testid": "report-status",
            }
        ),
        html.script({"src": DOWNLOAD_SCRIPT}),
    )


def _totals(report: dict[str, Any]) -> Any:
    return html.dl(
        {
            "className": "figures",
            "data-testid": "b2b-totals",
            "style": {
                "display": "grid",
                "gridTemplateColumns": "max-content max-content",
                "gap": ".25rem 1.5rem",
            },
        },
        html.dt("Payments"),
        html.dd({"data-testid": "b2b-payments", "style": DD}, str(report["payments"])),
        html.dt("Paid (gross)"),
        html.dd({"data-testid": "b2b-total", "style": DD}, money(report["total"])),
        html.dt("Refunded"),
        html.dd(
            {"data-testid": "b2b-refunded", "style": DD},
            f"{money(report['refunded'])} ({report['refunds']})",
        ),
        html.dt("Net"),
        html.dd({"data-testid": "b2b-net", "style": DD}, money(report["net"])),
    )


def _b2b(report: dict[str, Any]) -> Any:
    pairs = [
        html.tr(
            {"key": f"{p['payer']['handle']}>{p['payee']['handle']}"},
            html.td(p["payer"]["name"]),
            html.td(p["payee"]["name"]),
            html.td(str(p["payments"])),
            html.td(money(p["amount"])),
            html.td(money(p["refunded"])),
            html.td(money(p["net"])),
        )
        for p in report["pairs"]
    ]
    categories = [
        html.tr(
            {"key": c["category"] or "-"},
            html.td(c["category"] or "(no shop)"),
            html.td(str(c["payments"])),
            html.td(money(c["amount"])),
            html.td(money(c["net"])),
        )
        for c in report["categories"]
    ]
    return html.section(
        {"data-testid": "b2b-report"},
        html.h3("Payments between businesses"),
        _totals(report),
        table(
            "b2b-pairs",
            ["Payer", "Payee", "Payments", "Paid", "Refunded", "Net"],
            pairs,
            "No payments between businesses in this period.",
        ),
        html.h4("Per category of the payee"),
        table("b2b-categories", ["Category", "Payments", "Paid", "Net"], categories),
    )


@component
def Reports(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    default_from, default_to = _default_period()
    first_day, set_first_day = use_state(default_from)
    last_day, set_last_day = use_state(default_to)
    shown, set_shown = use_state(f"{default_from}/{default_to}")  # the period on screen
    report, set_report = use_state(cast(Any, None))
    failure, set_failure = use_state("")

    latest = use_ref("")  # the last period asked for: a slower earlier answer is dropped

    @use_async_effect(dependencies=[currency, shown])
    async def load() -> None:
        asked = latest.current = f"{currency}/{shown}"
        set_failure("")
        since, _, until = shown.partition("/")
        variables = {"currency": currency, "from": since, "to": until}
        try:
            found = await execute(scope, OPERATIONS["AdminB2bReport"], variables)
        except OperationError as refused:
            if latest.current == asked:
                set_report(None)
                set_failure(str(refused))
            return
        if latest.current == asked:
            set_report(found["b2bReport"])

    async def show(_: Any) -> None:
        if not (first_day and last_day):
            set_failure("Give both days of the period.")
            return
        set_shown(f"{first_day}/{last_day}")

    return html.section(
        {"data-testid": "section-reports"},
        html.h2("Reports"),
        html.form(
            {
                "className": "inline",
                "data-testid": "report-period",
                "onSubmit": event(show, prevent_default=True),
            },
            _date_input("From", "report-from", first_day, set_first_day),
            _date_input("To", "report-to", last_day, set_last_day),
            html.button({"type": "submit", "data-testid": "report-show"}, "Show"),
        ),
        html.p(
            {"className": "muted"},
            f"{currency}: days in the currency's time zone, both included, at most 366.",
        ),
        problem(failure, "report-problem"),
        _b2b(report) if report else "",
        _downloads(currency, first_day, last_day),
    )
