"""Demo data for `rec run` and `rec demo`: residents, Barcelona shops, administrators,
and for a second currency (Gra) a market stall.

Loaded once; a second call finds the data and changes nothing. Passwords are random,
printed at first load and kept (mode 0600) in the data folder so later starts can show
them again.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from server import clock
from server.accounts import totp
from server.accounts.admin_currencies import limit_admin_role
from server.accounts.models import Account, AccountKind, AdminRole, MemberRole, User
from server.accounts.services import (
    accounts_of,
    add_member,
    create_account,
    create_user,
    find_user_by_email,
    grant_admin_role,
    set_payment_pin,
)
from server.currencies.models import Currency
from server.currencies.services import get_currency, list_currencies
from server.directory import offers
from server.directory.services import (
    ExceptionInput,
    WeeklyInput,
    create_merchant_profile,
    local_today,
    profile_of,
    set_opening_hours,
    time_zone,
)
from server.kyc.services import set_account_level
from server.ledger.services import issue, open_wallet

CREDENTIALS_FILE = "demo-credentials.json"
DEMO_ISSUE_MAJOR = 100
SUPERADMIN_EMAIL = "superadmin@demo.rec.example"
# The demo's people and Barcelona shops are REC's; every other currency installed is
# loaded after it, so that REC's data is the same whichever other currencies there are.
MAIN_CURRENCY = "REC"


@dataclass(frozen=True)
class DemoShop:
    name: str
    category: str
    address: str
    neighbourhood: str
    latitude: str
    longitude: str
    owner_name: str
    owner_email: str
    # The currency the shop takes (and whose map shows it); when that currency is not
    # installed, the shop takes every currency that is.
    currency: str = MAIN_CURRENCY
    city: str = "Barcelona"
    owner_language: str = "ca"


RESIDENTS = (
    ("Anna Puig", "anna@demo.rec.example", "ca"),
    ("Jordi Serra", "jordi@demo.rec.example", "ca"),
    ("Lucía Fernández", "lucia@demo.rec.example", "es"),
)

# Real streets of Barcelona, with their coordinates.
SHOPS = (
    DemoShop(
        "Forn de Pa Sant Antoni",
        "bakery",
        "Carrer del Comte Borrell, 52",
        "Sant Antoni",
        "41.378650",
        "2.158530",
        "Marta Soler",
        "marta@demo.rec.example",
    ),
    DemoShop(
        "Llibreria La Central del Raval",
        "bookshop",
        "Carrer d'Elisabets, 6",
        "El Raval",
        "41.382730",
        "2.168400",
        "Pere Vidal",
        "pere@demo.rec.example",
    ),
    DemoShop(
        "Verdures Can Mercadal",
        "grocery",
        "Plaça del Mercadal, 7",
        "Sant Andreu",
        "41.435270",
        "2.189590",
        "Núria Camps",
        "nuria@demo.rec.example",
    ),
    DemoShop(
        "Cafè de la Rambla del Poblenou",
        "cafe",
        "Rambla del Poblenou, 80",
        "Poblenou",
        "41.401420",
        "2.202620",
        "Oriol Roca",
        "oriol@demo.rec.example",
    ),
)


# Shops of the other currencies, created once their currency's turn comes.
CURRENCY_SHOPS = (
    DemoShop(
        "Puesto de la Cooperativa del Valle",
        "grocery",
        "Plaza del Mercado, 1",
        "El Valle",
        "28.658500",
        "-17.918200",
        "Carmen Rodríguez",
        "carmen@demo.rec.example",
        currency="GRA",
        city="Los Llanos de Aridane",
        owner_language="es",
    ),
)


def _every(days: range | tuple[int, ...], opens: str, closes: str) -> list[WeeklyInput]:
    return [WeeklyInput(day, opens, closes) for day in days]


MONDAY_TO_SATURDAY = range(0, 6)
# Each demo shop's week (0 is Monday), as such shops keep it in Barcelona.
SHOP_HOURS = {
    "Forn de Pa Sant Antoni": [
        *_every(MONDAY_TO_SATURDAY, "07:00", "14:00"),
        *_every(MONDAY_TO_SATURDAY, "17:00", "20:30"),
        WeeklyInput(6, "07:30", "14:00"),
    ],
    "Llibreria La Central del Raval": _every(MONDAY_TO_SATURDAY, "10:00", "21:00"),
    "Verdures Can Mercadal": [
        *_every(MONDAY_TO_SATURDAY, "08:00", "14:00"),
        *_every((1, 2, 3, 4), "17:00", "20:00"),
    ],
    # Past midnight at the weekend.
    "Cafè de la Rambla del Poblenou": [
        *_every((0, 1, 2, 3, 6), "08:00", "00:30"),
        *_every((4, 5), "08:00", "02:00"),
    ],
    # Market mornings, Tuesday to Saturday.
    "Puesto de la Cooperativa del Valle": _every((1, 2, 3, 4, 5), "08:00", "14:00"),
}
# Each offer starts on the day the demo is loaded and lasts that many days (None: no end).
SHOP_OFFERS: dict[str, tuple[str, str, int | None, int | None]] = {
    # kind, title, percent off, days
    "Forn de Pa Sant Antoni": ("classic", "Coca de recapte i cafè per 5 REC", None, None),
    "Llibreria La Central del Raval": ("free", "Un punt de llibre amb cada compra", None, 60),
    "Cafè de la Rambla del Poblenou": ("percentage", "10% en esmorzars amb REC", 10, 30),
    "Puesto de la Cooperativa del Valle": ("classic", "Una docena de huevos por 4 GRA", None, None),
}

# (name, email, role, the currencies the role is limited to: none for all of them)
ADMINS: tuple[tuple[str, str, AdminRole, tuple[str, ...]], ...] = (
    ("Super Admin", SUPERADMIN_EMAIL, AdminRole.SUPERADMIN, ()),
    ("Tresoreria", "treasurer@demo.rec.example", AdminRole.TREASURER, ()),
    # Who runs Gra's market administers Gra only (left out when Gra is not installed).
    ("Gra Admin", "gra-admin@demo.rec.example", AdminRole.SUPERADMIN, ("GRA",)),
)


def _password() -> str:
    return "rec-" + secrets.token_urlsafe(12)


def _pin() -> str:
    """Four digits, not all the same nor in a row (what set_payment_pin accepts)."""
    while True:
        pin = f"{secrets.randbelow(10**4):04d}"
        if len(set(pin)) > 1 and pin not in "0123456789" and pin not in "9876543210":
            return pin


async def load_demo(data_dir: Path) -> list[dict[str, str]] | None:
    """Creates the demo data; returns its sign-ins, or None when it was already there."""
    if await find_user_by_email(SUPERADMIN_EMAIL):
        return None
    data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (first: never lose a password)
    # REC first, then the others by code.
    currencies = sorted(
        (currency.code for currency in await list_currencies()),
        key=lambda code: code != MAIN_CURRENCY,
    )
    sign_ins: list[dict[str, str]] = []

    async def person(name: str, email: str, language: str, role: str) -> User:
        password = _password()
        user = await create_user(email, password, name, language)
        user.email_verified_at = clock.now()  # demo addresses cannot receive mail
        await user.save(update_fields=["email_verified_at"])
        sign_ins.append({"role": role, "email": email, "password": password})
        for membership in await user.memberships.all().prefetch_related("account"):
            for code in currencies:
                await open_wallet(membership.account.id, code)
        return user

    async def open_shop(shop: DemoShop) -> None:
        owner = await person(
            shop.owner_name, shop.owner_email, shop.owner_language, f"owner of {shop.name}"
        )
        account = await create_account(AccountKind.BUSINESS, shop.name)
        await add_member(owner, account, MemberRole.OWNER)  # type: ignore[arg-type]
        await create_merchant_profile(
            account,
            category=shop.category,
            address=f"{shop.address}, {shop.city}",
            neighbourhood=shop.neighbourhood,
            latitude=shop.latitude,
            longitude=shop.longitude,
        )
        for code in [shop.currency] if shop.currency in currencies else currencies:
            await open_wallet(account.id, code)
            shops.setdefault(code, []).append(account)

    residents = [
        await person(name, email, language, "resident") for name, email, language in RESIDENTS
    ]
    shops: dict[str, list[Account]] = {}
    for shop in SHOPS:
        await open_shop(shop)
    treasurer: User | None = None
    superadmin: User | None = None
    for name, email, role, limited_to in ADMINS:
        if not set(limited_to) <= set(currencies):
            continue
        admin = await person(name, email, "ca", role.value)
        await grant_admin_role(admin, role, reason="demo data", actor_label="rec demo")
        if limited_to:
            await limit_admin_role(
                admin, role, frozenset(limited_to), reason="demo data", actor_label="rec demo"
            )
            sign_ins[-1]["currencies"] = ",".join(limited_to)
        # Administrators sign in with two-factor: the demo sets it up and shows the secret.
        admin.totp_secret = totp.new_secret()  # type: ignore[attr-defined]
        admin.totp_enabled_at = clock.now()  # type: ignore[attr-defined]
        await admin.save(update_fields=["totp_secret", "totp_enabled_at"])  # type: ignore[attr-defined]
        sign_ins[-1]["totp_secret"] = admin.totp_secret  # type: ignore[attr-defined]
        if role == AdminRole.TREASURER:
            treasurer = admin
        if role == AdminRole.SUPERADMIN and not limited_to:
            superadmin = admin

    # Each resident can pay at once: a payment PIN, identity checked (KYC1), and money
    # issued by the treasurer as at an exchange office, in every currency.
    assert treasurer is not None and superadmin is not None
    for resident in residents:
        entry = next(e for e in sign_ins if e["email"] == resident.email)
        entry["pin"] = _pin()
        await set_payment_pin(resident, entry["pin"], entry["password"])
    opened: set[int] = set()
    for code in currencies:
        for shop in CURRENCY_SHOPS:
            if shop.currency == code:
                await open_shop(shop)
        currency = await get_currency(code)
        assert currency is not None
        for resident in residents:
            account = (await accounts_of(resident))[0][0]
            await set_account_level(
                account, currency.id, 1, superadmin, "demo: identity checked at the civic centre"
            )
            await issue(
                treasurer,
                account,
                currency,
                DEMO_ISSUE_MAJOR * 10**currency.decimals,
                "demo: cash at the exchange office",
                f"demo-{code}-{resident.id}",
            )
        # The shops appear on the currency's map: KYC2, their hours and offers set.
        await _open_shops(shops.get(code, []), superadmin, currency, opened)

    path = data_dir / CREDENTIALS_FILE
    path.write_text(json.dumps(sign_ins, indent=2, ensure_ascii=False))
    path.chmod(0o600)
    return sign_ins


async def _open_shops(
    shops: list[Account], officer: User, currency: Currency, opened: set[int]
) -> None:
    """The currency's demo shops on its map (KYC2, as if their documents were checked),
    with their week's hours and their offers (once per shop, whatever it takes)."""
    for account in shops:
        await set_account_level(
            account, currency.id, 2, officer, "demo: shop documents checked in person"
        )
    today = local_today(time_zone(currency.timezone))
    for account in shops:
        if account.id in opened:
            continue
        opened.add(account.id)
        profile = await profile_of(account.id)
        assert profile is not None
        # Closed on the next Christmas Day, whatever day of the week it falls on.
        christmas = today.replace(month=12, day=25)
        if christmas < today:
            christmas = christmas.replace(year=today.year + 1)
        closures = [ExceptionInput(christmas, closed=True)]
        await set_opening_hours(profile, SHOP_HOURS.get(account.name, []), closures, today)
        if account.name in SHOP_OFFERS:
            kind, title, percent_off, days = SHOP_OFFERS[account.name]
            ends_on = today + timedelta(days=days) if days is not None else None
            offer = offers.OfferInput(kind, title, today, "", percent_off, ends_on)
            await offers.add_offer(profile, offer, today)


def saved_sign_ins(data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / CREDENTIALS_FILE
    return json.loads(path.read_text()) if path.exists() else []


def format_sign_ins(sign_ins: list[dict[str, str]]) -> str:
    width = max((len(entry["email"]) for entry in sign_ins), default=0)
    lines = []
    for entry in sign_ins:
        limit = f" of {entry['currencies']} only" if entry.get("currencies") else ""
        line = f"    {entry['email']:<{width}}  {entry['password']}  ({entry['role']}{limit})"
        if entry.get("pin"):
            line += f"  payment PIN {entry['pin']}"
        if entry.get("totp_secret"):
            line += f"\n    {'':<{width}}  two-factor secret for an authenticator app: {entry['totp_secret']}"
        lines.append(line)
    return "\n".join(lines)
