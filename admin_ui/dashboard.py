"""Dashboard: a currency's figures, live through the `adminStats` subscription.

Big numbers (payments in the last hour, volume today, active wallets, supply), two bar
charts drawn here as inline SVG (per minute in the last hour, per day over 30 days; each
draws the number of payments and the volume side by side, with a title, a legend and a
text summary), the top shops and the neighbourhoods.
The subscription answers at once and again within moments of each payment: the screen
changes without a reload.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from reactpy import component, html, use_async_effect, use_state

from admin_ui.ui import OPERATIONS, money, problem, table
from schema.operations import OperationError, subscribe

CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 600, 140, 2
GRID_STYLE = {
    "display": "grid",
    "gridTemplateColumns": "repeat(auto-fit, minmax(12rem, 1fr))",
    "gap": ".75rem",
}
BLOCK_STYLE = {"margin": "0 0 .75rem"}
VALUE_STYLE = {"fontSize": "1.75rem", "fontWeight": "700", "margin": "0"}


def _payments(count: int) -> str:
    return f"{count} payment" if count == 1 else f"{count} payments"


def _amount(value: dict[str, str]) -> Decimal:
    return Decimal(value["amount"])


def _minute_label(iso: str) -> str:
    return iso[11:16]  # "09:15" (UTC, as the API gives it)


def _day_label(iso: str) -> str:
    return iso[:10]  # local midnight: its date


def _figure(test_id: str, label: str, value: str, note: str = "") -> Any:
    return html.div(
        {"className": "card stat", "key": test_id},
        html.p({"className": "muted"}, label),
        html.p({"className": "stat-value", "data-testid": test_id, "style": VALUE_STYLE}, value),
        html.p({"className": "muted"}, note) if note else "",
    )


SERIES = (  # each chart's two measures, side by side in each slot, each to its own scale
    ("payments", "Payments", "var(--primary)", lambda p: Decimal(p["payments"])),
    ("volume", "Volume", "var(--secondary)", lambda p: _amount(p["volume"])),
)


def _chart(
    test_id: str, title: str, points: list[dict[str, Any]], describe: Any, summary: str
) -> Any:
    """Two bars per point, the number of payments and the volume, each scaled to its own
    largest; each pair says what it stands for in its own <title>. The summary is the
    chart's text twin; the legend names the bars."""
    step = Decimal(CHART_WIDTH) / max(len(points), 1)
    width = max(int(step / len(SERIES)) - CHART_GAP, 1)
    slots: list[Any] = [[] for _ in points]
    for number, (series, _, fill, size) in enumerate(SERIES):
        sizes = [size(point) for point in points]
        largest = max(sizes, default=Decimal(0)) or Decimal(1)
        for index, value in enumerate(sizes):
            height = int((value / largest * (CHART_HEIGHT - 10)).to_integral_value())
            if value and height < 2:
                height = 2  # a small minute or day still shows
            slots[index].append(
                html.svg.rect(
                    {
                        "key": series,
                        "data-series": series,
                        "x": str(int(index * step + number * (width + 1))),
                        "y": str(CHART_HEIGHT - height),
                        "width": str(width),
                        "height": str(height),
                        "fill": fill,
                    }
                )
            )
    bars = [
        html.svg.g({"key": str(index)}, html.title(describe(point)), *slots[index])
        for index, point in enumerate(points)
    ]
    legend = html.p(
        {"className": "muted chart-legend"},
        *[
            html.span(
                {"key": series, "style": {"marginRight": "1rem"}},
                html.span(
                    {
                        "aria-hidden": "true",
                        "style": {
                            "display": "inline-block",
                            "width": ".75rem",
                            "height": ".75rem",
                            "background": fill,
                            "marginRight": ".25rem",
                        },
                    }
                ),
                name,
            )
            for series, name, fill, _ in SERIES
        ],
    )
    return html.figure(
        {"className": "card chart", "data-testid": test_id, "style": BLOCK_STYLE},
        html.svg(
            {
                "viewBox": f"0 0 {CHART_WIDTH} {CHART_HEIGHT}",
                "width": "100%",
                "role": "img",
                "aria-labelledby": f"{test_id}-title",
                "aria-describedby": f"{test_id}-summary",
                "preserveAspectRatio": "none",
            },
            html.title({"id": f"{test_id}-title"}, title),
            html.svg.line(
                {
                    "x1": "0",
                    "y1": str(CHART_HEIGHT - 0.5),
                    "x2": str(CHART_WIDTH),
                    "y2": str(CHART_HEIGHT - 0.5),
                    "stroke": "currentColor",
                    "strokeWidth": "1",
                }
            ),
            *bars,
        ),
        html.figcaption(
            html.strong(title),
            legend,
            html.p({"id": f"{test_id}-summary", "data-testid": f"{test_id}-summary"}, summary),
        ),
    )


def _minutes_chart(points: list[dict[str, Any]], code: str) -> Any:
    count = sum(p["payments"] for p in points)
    total = sum((_amount(p["volume"]) for p in points), Decimal(0))
    busiest = max(points, key=lambda p: p["payments"], default=None)
    summary = f"{_payments(count)} worth {total} {code} in the last 60 minutes"
    if busiest and busiest["payments"]:
        summary += (
            f"; the busiest minute, {_minute_label(busiest['start'])} UTC, "
            f"had {busiest['payments']} ({money(busiest['volume'])})."
        )
    else:
        summary += "."
    return _chart(
        "chart-minutes",
        f"Payments and volume per minute, last hour ({code})",
        points,
        lambda p: (
            f"{_minute_label(p['start'])} UTC: {_payments(p['payments'])}, {money(p['volume'])}"
        ),
        summary,
    )


def _days_chart(points: list[dict[str, Any]], code: str) -> Any:
    total = sum((_amount(p["volume"]) for p in points), Decimal(0))
    count = sum(p["payments"] for p in points)
    busiest = max(points, key=lambda p: _amount(p["volume"]), default=None)
    summary = f"{_payments(count)} worth {total} {code} over the last 30 days"
    if busiest and busiest["payments"]:
        summary += (
            f"; the biggest day, {_day_label(busiest['start'])}, "
            f"took {money(busiest['volume'])} in {_payments(busiest['payments'])}."
        )
    else:
        summary += "."
    return _chart(
        "chart-days",
        f"Payments and volume per day, last 30 days ({code})",
        points,
        lambda p: f"{_day_label(p['start'])}: {money(p['volume'])} in {_payments(p['payments'])}",
        summary,
    )


def _shops(rows: list[dict[str, Any]]) -> Any:
    return table(
        "top-shops",
        ["Shop", "Handle", "Payments", "Received"],
        [
            html.tr(
                {
                    "key": row["account"]["id"],
                    "data-testid": f"top-shop-{row['account']['handle']}",
                },
                html.td(row["account"]["name"]),
                html.td("@" + row["account"]["handle"]),
                html.td({"className": "number"}, str(row["payments"])),
                html.td({"className": "number"}, money(row["volume"])),
            )
            for row in rows
        ],
        "No payments to shops in the last 30 days.",
    )


def _neighbourhoods(rows: list[dict[str, Any]]) -> Any:
    return table(
        "neighbourhoods",
        ["Neighbourhood", "Payments", "Volume"],
        [
            html.tr(
                {
                    "key": row["name"] or "-",
                    "data-testid": f"neighbourhood-{row['name'] or 'none'}",
                },
                html.td(row["name"] or "Not given"),
                html.td({"className": "number"}, str(row["payments"])),
                html.td({"className": "number"}, money(row["volume"])),
            )
            for row in rows
        ],
        "No payments to shops in the last 30 days.",
    )


def _figures(stats: dict[str, Any]) -> Any:
    code = stats["currency"]
    minutes, days = stats["perMinute"], stats["perDay"]
    hour_payments = sum(p["payments"] for p in minutes)
    hour_volume = sum((_amount(p["volume"]) for p in minutes), Decimal(0))
    today = days[-1] if days else {"payments": 0, "volume": {"amount": "0", "currency": code}}
    return html.div(
        html.div(
            {"className": "stats-grid", "style": GRID_STYLE | BLOCK_STYLE},
            _figure(
                "stat-payments-hour",
                "Payments, last hour",
                str(hour_payments),
                f"{hour_volume} {code}",
            ),
            _figure(
                "stat-volume-today",
                "Volume today",
                money(today["volume"]),
                _payments(today["payments"]),
            ),
            _figure(
                "stat-active-wallets",
                "Active wallets, 30 days",
                str(stats["activeWallets"]),
                f"of {stats['totalWallets']} wallets",
            ),
            _figure("stat-supply", "In circulation", money(stats["supply"]), "minted less burned"),
        ),
        _minutes_chart(minutes, code),
        _days_chart(days, code),
        html.section(
            {"className": "card", "style": BLOCK_STYLE},
            html.h3("Top shops, last 30 days"),
            _shops(stats["topShops"]),
        ),
        html.section(
            {"className": "card", "style": BLOCK_STYLE},
            html.h3("Payments to shops by neighbourhood, last 30 days"),
            _neighbourhoods(stats["neighbourhoods"]),
        ),
        html.p(
            {"className": "muted", "data-testid": "stats-generated-at"},
            f"Figures as of {stats['generatedAt'][:19].replace('T', ' ')} UTC; "
            "they update by themselves.",
        ),
    )


@component
def Dashboard(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    stats, set_stats = use_state(cast(Any, None))
    failure, set_failure = use_state("")

    @use_async_effect(dependencies=[currency])
    async def follow() -> None:
        set_stats(None)
        set_failure("")
        try:  # live: the first answer at once, then one after each change
            async for answer in subscribe(
                scope, OPERATIONS["AdminDashboardStats"], {"currency": currency}
            ):
                set_stats(answer["adminStats"])
        except OperationError as error:
            set_failure(str(error))

    return html.section(
        {"data-testid": "section-dashboard", "aria-live": "off"},
        html.h2(f"Dashboard · {currency}"),
        problem(failure, "dashboard-problem"),
        _figures(stats) if stats else html.p({"aria-busy": "true"}, "Loading the figures…"),
    )
