"""The admin panel's sections: where each lives, who sees it in the menu, what draws it.

Each section is a component `Section(scope, viewer, currency, rest)`: `viewer` is the
AdminViewer answer (`adminRoles` among it), `currency` the code chosen in the header, `rest`
the path after `/admin/<section>/` (a person's ID, an order's ID). Sections show what their
roles may read and offer only the actions the API would allow; the API decides either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ALL_ADMINS = frozenset({"SUPERADMIN", "KYC_OFFICER", "TREASURER", "SUPPORT"})


@dataclass(frozen=True)
class Section:
    path: str  # /admin/<path>; "" is the dashboard
    label: str
    roles: frozenset[str]  # who sees it in the menu
    component: Callable[..., Any]
    every_currency: bool = False  # only for administrators of every currency

    def visible_to(self, roles: list[str], currencies: list[str] | None = None) -> bool:
        """For these roles, limited to these currencies (None: every currency)."""
        if self.every_currency and currencies is not None:
            return False
        return bool(self.roles & set(roles))


def sections() -> list[Section]:
    # Imported here: each section's module imports the panel's helpers.
    from admin_ui.adjustments import Adjustments
    from admin_ui.audit import AuditLog
    from admin_ui.dashboard import Dashboard
    from admin_ui.kyc import KycReview
    from admin_ui.outbox import Outbox
    from admin_ui.people import People
    from admin_ui.pos import PointsOfSale
    from admin_ui.reports import Reports
    from admin_ui.settings import CurrencySettings
    from admin_ui.treasury import Treasury

    return [
        Section("", "Dashboard", ALL_ADMINS, Dashboard),
        Section("people", "People and accounts", ALL_ADMINS, People),
        Section("adjustments", "Adjustments", ALL_ADMINS, Adjustments),
        Section("kyc", "KYC review", ALL_ADMINS, KycReview),
        Section("pos", "Points of sale", ALL_ADMINS, PointsOfSale),
        Section("treasury", "Treasury", ALL_ADMINS, Treasury),
        Section("reports", "Reports", ALL_ADMINS, Reports),
        Section("audit", "Audit log", ALL_ADMINS, AuditLog),
        Section("settings", "Currency settings", ALL_ADMINS, CurrencySettings),
        # Its reset links open anyone's account: superadmins of every currency only.
        Section("outbox", "Mail sandbox", frozenset({"SUPERADMIN"}), Outbox, every_currency=True),
    ]
