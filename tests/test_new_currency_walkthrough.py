"""docs/new-currency.md followed step by step, as a community would: a third currency,
Trigo (TRI), added next to the shipped REC and GRA on a running platform, without
touching code. Its folder is copied from Gra's and made its own (theme, logo and icons,
fonts, words, legal texts); `rec currency add TRI` installs it (twice: the second run
changes nothing); `rec serve` serves it; a superadmin of TRI only, made on the command
line, gives a colleague TRI's treasurer and KYC roles; money is issued and paid in TRI;
and REC and GRA, and the balances people hold in them, stay as they were. Real processes,
real stores and Debian's Chromium."""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from pymongo import MongoClient

from server.accounts import totp
from server.settings import PROJECT_ROOT, Settings
from server.stores.embedded import EmbeddedDocumentServer
from tests.conftest import (
    BIN,
    LiveServer,
    _copy_stores,
    rec_env,
    run_rec,
    served,
    server_settings,
)
from tests.helpers.browser import PageWatch, brand_look
from tests.helpers.graphql import LOGIN, GraphQLClient, new_admin, turn_on_two_factor
from tests.helpers.waiting import until

ARTIFACTS = Path(__file__).parent / "artifacts"

# What the community chooses (docs/new-currency.md, steps 1 and 3).
PRIMARY, ON_PRIMARY, SECONDARY = "#1F4E79", "#FFFFFF", "#3A8FB7"
BACKGROUND, SURFACE, TEXT = "#F2F7FA", "#FFFFFF", "#13212C"
THEME = {
    "code": '"TRI"',
    "name": '"Trigo"',
    "full_name": '"Trigo, la moneda de los molinos del Alto Valle"',
    "symbol": '"Tg"',
    "tagline": '"Del molino a la mesa"',
    "decimals": "3",  # thousandths: 12.345 TRI (REC has 2, GRA 0)
    "default_language": '"en"',
    "languages": '["en", "es"]',
    "timezone": '"America/Montevideo"',
    "issuer_name": '"Trigo Emisor"',
    "topup_minimum": "20",
    "primary": f'"{PRIMARY}"',
    "on_primary": f'"{ON_PRIMARY}"',
    "secondary": f'"{SECONDARY}"',
    "background": f'"{BACKGROUND}"',
    "surface": f'"{SURFACE}"',
    "text": f'"{TEXT}"',
    "operator": '"Molinos del Alto Valle, Asociación"',
    "contact": '"datos@trigo.example"',
}
# A logo of its own: a wheat-yellow triangle on a blue rounded square.
LOGO = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" role="img" aria-label="Trigo">
  <rect x="16" y="16" width="480" height="480" rx="96" fill="{PRIMARY}"/>
  <path d="M256 72 L440 424 H72 Z" fill="#FFD966"/>
  <circle cx="256" cy="316" r="44" fill="{PRIMARY}"/>
</svg>
"""
WHEAT = (0xFF, 0xD9, 0x66)
WORDS = {
    "en": {
        "welcome_intro": "Your Trigo wallet: pay the miller and the baker in wheat.",
        "hello": "Welcome back to the mill, {name}",
        "map_title": "Mills",
    },
    "es": {
        "welcome_intro": "Tu monedero Trigo: paga al molinero y al panadero en trigo.",
        "hello": "Bienvenida al molino, {name}",
        "map_title": "Molinos",
    },
}
LEGAL = {
    ("en", "terms"): "# Trigo terms of use\n\nMolinos del Alto Valle, Asociación runs Trigo. "
    "Write to datos@trigo.example.\n\n**Trigo** counts in thousandths.",
    ("en", "privacy"): "# Trigo privacy notice\n\nMolinos del Alto Valle keeps your name and "
    "email address to run your Trigo wallet. Write to datos@trigo.example.",
    ("es", "terms"): "# Condiciones de uso de Trigo\n\nMolinos del Alto Valle, Asociación "
    "gestiona Trigo. Escríbenos a datos@trigo.example.",
    ("es", "privacy"): "# Aviso de privacidad de Trigo\n\nMolinos del Alto Valle guarda tu "
    "nombre y tu correo para llevar tu monedero Trigo.",
}
ICONS = ("icon-192.png", "icon-512.png", "icon-maskable-512.png")

ME = "{ viewer { user { id name language } activeAccount { id handle } } }"
BALANCE = """query($currency: String!) { viewer { activeAccount { wallet(currency: $currency) {
  balance { amount currency } } } } }"""
TIER = """mutation($input: SetAccountKycTierInput!) {
  setAccountKycTier(input: $input) { tier errors { code } } }"""
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id createdAt amount { amount currency } } errors { field code message } } }"""
PAY = """mutation($input: PayInput!) { pay(input: $input) {
  transaction { id amount { amount currency } } errors { field code message } } }"""
GRANT = """mutation($input: AdminRoleInput!) {
  grantAdminRole(input: $input) { user { id } errors { code message } } }"""
ADMIN = "{ viewer { adminRoles adminCurrencies twoFactorRequired } }"
CURRENCIES = """{ currencies { code name fullName symbol decimals tagline defaultLanguage
  languages timezone topUpMinimum { amount currency }
  theme { primaryColor backgroundColor logoUrl icon192Url icon512Url maskableIconUrl } } }"""
TIERS = """query($currency: String!) { kycTiers(currency: $currency) {
  level canSend perPaymentLimit { amount currency } monthlyLimit { amount currency } } }"""


# --- the folder: docs/new-currency.md steps 2 to 7 ----------------------------------------


def _set(text: str, key: str, value: str) -> str:
    """theme.toml with the one line `key = ...` given a new value (its comment dropped)."""
    line = re.compile(rf"^{re.escape(key)} = .*$", re.MULTILINE)
    assert len(line.findall(text)) == 1, f"theme.toml has no single {key!r} line"
    return line.sub(f"{key} = {value}", text)


def make_folder(branding: Path) -> Path:
    """branding/tri/, from a copy of Gra's, changed as the guide says."""
    shutil.copytree(PROJECT_ROOT / "branding" / "rec", branding / "rec")
    shutil.copytree(PROJECT_ROOT / "branding" / "gra", branding / "gra")
    tri = branding / "tri"
    shutil.copytree(branding / "gra", tri)  # 2. cp -r branding/gra branding/tri

    theme = (tri / "theme.toml").read_text(encoding="utf-8")  # 3. its own values
    for key, value in THEME.items():
        theme = _set(theme, key, value)
    # 5. the device's own fonts: no [fonts] section (nor its comment), no fonts/ folder.
    theme, removed = re.subn(r"\n(#[^\n]*\n)*\[fonts\]\n(?:[^\[\n][^\n]*\n)*", "\n", theme)
    assert removed == 1
    (tri / "theme.toml").write_text(theme.replace("Gra, the currency", "Trigo, the currency"))
    shutil.rmtree(tri / "fonts")

    (tri / "logo.svg").write_text(LOGO, encoding="utf-8")  # 4. its logo, then its icons
    drawn = subprocess.run(
        [str(BIN / "python"), "branding/make_icons.py", str(tri)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert drawn.returncode == 0, drawn.stderr

    for language, words in WORDS.items():  # 6. the wallet's words, per language
        lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in words.items()]
        (tri / "texts" / f"{language}.toml").write_text("\n".join(lines) + "\n", "utf-8")
    for (language, name), text in LEGAL.items():  # 7. its own terms and privacy notice
        (tri / "legal" / language / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    return tri


# --- what the stores hold, to show that a second `rec currency add` changes nothing ----


def snapshot(settings: Settings) -> dict[str, list[str]]:
    """Every row of every relational table and every document, as text, sorted (the
    currencies' `updated_at` left out: refreshing names and theme may touch it)."""
    assert settings.database_url
    rows: dict[str, list[str]] = {}
    with sqlite3.connect(settings.database_url.removeprefix("sqlite://")) as database:
        database.row_factory = sqlite3.Row
        tables = database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in tables.fetchall():
            found = []
            for row in database.execute(f'SELECT * FROM "{table}"'):
                values = dict(row)
                if table == "currencies":
                    values.pop("updated_at")
                found.append(repr(sorted(values.items())))
            rows[table] = sorted(found)
    client: MongoClient = MongoClient(settings.mongodb_url)
    documents = client[settings.mongodb_database]
    for name in documents.list_collection_names():
        rows[f"documents.{name}"] = sorted(repr(d) for d in documents[name].find())
    client.close()
    return rows


def added(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, list[str]]:
    """What `after` holds that `before` did not, by table; nothing may have gone."""
    for table, rows in before.items():
        gone = set(rows) - set(after.get(table, []))
        assert not gone, f"{table} lost rows: {gone}"
    return {
        table: sorted(set(rows) - set(before.get(table, [])))
        for table, rows in after.items()
        if set(rows) - set(before.get(table, []))
    }


@dataclass
class Trigo:
    branding: Path
    folder: Path
    env: dict[str, str]
    adds: list[subprocess.CompletedProcess[str]]
    before: dict[str, list[str]]
    after_first: dict[str, list[str]]
    after_second: dict[str, list[str]]
    server: LiveServer


@pytest.fixture(scope="module")
def trigo(
    demo_template: Settings,
    document_server: EmbeddedDocumentServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Trigo]:
    """A platform already running REC and GRA (`rec migrate` and `rec demo` done), to
    which TRI's folder is added, installed with `rec currency add TRI` twice (step 8),
    and served again with `rec serve` (step 9)."""
    folder = tmp_path_factory.mktemp("walkthrough")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    _copy_stores(demo_template, settings)
    branding = folder / "branding"
    tri = make_folder(branding)
    env = rec_env(settings, REC_BRANDING_DIR=str(branding))
    before = snapshot(settings)
    adds = [run_rec("currency", "add", "TRI", env=env)]
    after_first = snapshot(settings)
    adds.append(run_rec("currency", "add", "TRI", env=env))
    after_second = snapshot(settings)
    try:
        with served(settings, migrate=False, REC_BRANDING_DIR=str(branding)) as server:
            yield Trigo(branding, tri, env, adds, before, after_first, after_second, server)
    finally:
        client: MongoClient = MongoClient(document_server.url)
        client.drop_database(settings.mongodb_database)
        client.close()


def test_the_folder_installs_once_and_a_second_run_changes_nothing(trigo: Trigo) -> None:
    first, second = trigo.adds
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "TRI: created",
        "Restart the server to open its wallet at /wallet/tri/. "
        "Make an administrator with `rec admin create`.",
    ]
    assert second.returncode == 0, second.stderr
    assert second.stdout == "TRI: up to date\n" and second.stderr == ""

    new = added(trigo.before, trigo.after_first)
    # The currency, its issuer account (and the ledger's head), wallet and three KYC tiers.
    assert set(new) <= {
        "currencies",
        "accounts",
        "kyc_tiers",
        "documents.wallets",
        "documents.ledger_heads",
    }, new
    assert len(new["currencies"]) == len(new["accounts"]) == len(new["documents.wallets"]) == 1
    currency = dict(ast.literal_eval(new["currencies"][0]))
    assert (currency["code"], currency["name"], currency["symbol"]) == ("TRI", "Trigo", "Tg")
    assert currency["decimals"] == 3 and currency["default_language"] == "en"
    assert currency["adjustment_approval_cents"] == 100_000  # 100 TRI, in thousandths
    assert currency["checkpoint_public_key"] and currency["checkpoint_private_key_sealed"]
    assert "'Trigo Emisor'" in new["accounts"][0] and "'ISSUER'" in new["accounts"][0].upper()
    assert len(new["kyc_tiers"]) == 3
    assert "'TRI'" in new["documents.wallets"][0]
    # The second run: nothing created, nothing duplicated, nothing changed.
    assert trigo.after_second == trigo.after_first


# --- what the served platform shows: steps 9 and 10 --------------------------------------


def test_each_currency_is_served_its_own_entry_point_manifest_and_icons(trigo: Trigo) -> None:
    url = trigo.server.url
    with httpx.Client(base_url=url, timeout=20) as http:
        shells = {code: http.get(f"/wallet/{code}/") for code in ("rec", "gra", "tri")}
        assert all(page.status_code == 200 for page in shells.values())
        assert "<title>REC</title>" in shells["rec"].text
        assert "<title>Gra</title>" in shells["gra"].text
        tri = shells["tri"].text
        assert '<html lang="en">' in tri and "<title>Trigo</title>" in tri
        assert f'<meta name="theme-color" content="{PRIMARY}">' in tri
        assert f"--primary: {PRIMARY};" in tri and f"--background: {BACKGROUND};" in tri
        assert 'data-currency="TRI"' in tri and "DejaVu" not in tri  # the device's fonts
        assert 'href="/wallet/tri/manifest.webmanifest"' in tri
        assert 'href="/branding/tri/icon-192.png"' in tri
        worker = http.get("/wallet/tri/sw.js")
        assert worker.status_code == 200 and "/wallet/tri/" in worker.text

        manifest = http.get("/wallet/tri/manifest.webmanifest").json()
        assert manifest["name"] == "Trigo, la moneda de los molinos del Alto Valle"
        assert manifest["short_name"] == "Trigo" and manifest["lang"] == "en"
        assert manifest["description"] == "Del molino a la mesa"
        assert manifest["start_url"] == manifest["scope"] == "/wallet/tri/"
        assert (manifest["theme_color"], manifest["background_color"]) == (PRIMARY, BACKGROUND)
        assert [icon["src"] for icon in manifest["icons"]] == [
            f"/branding/tri/{name}" for name in ICONS
        ]
        gra_manifest = http.get("/wallet/gra/manifest.webmanifest").json()
        assert gra_manifest["short_name"] == "Gra" and gra_manifest["theme_color"] == "#8A4A12"

        # The files served are the ones the community wrote and drew, not Gra's.
        for name in ("logo.svg", *ICONS):
            served_file = http.get(f"/branding/tri/{name}")
            assert served_file.status_code == 200, name
            assert served_file.content == (trigo.folder / name).read_bytes(), name
            gra_file = http.get(f"/branding/gra/{name}")
            assert gra_file.status_code == 200 and gra_file.content != served_file.content
        assert http.get("/branding/tri/logo.svg").text == LOGO
        assert http.get("/branding/tri/fonts/DejaVuSerif.ttf").status_code == 404
        for name, size in zip(ICONS, (192, 512, 512), strict=True):
            icon = Image.open(io.BytesIO(http.get(f"/branding/tri/{name}").content))
            assert icon.format == "PNG" and icon.size == (size, size), name
            rgb = icon.convert("RGB")
            assert _near(rgb.getpixel((size // 2, size * 3 // 10)), WHEAT), name  # the wheat
        maskable = Image.open(io.BytesIO((trigo.folder / ICONS[2]).read_bytes())).convert("RGB")
        assert _near(maskable.getpixel((4, 4)), _rgb_tuple(PRIMARY))  # the margin: primary

        # Its legal texts, in the language asked for when it offers it, else in English.
        assert "Trigo terms of use" in http.get("/wallet/tri/terms").text
        assert "Condiciones de uso de Trigo" in http.get("/wallet/tri/terms?lang=es").text
        assert "Trigo privacy notice" in http.get("/wallet/tri/privacy?lang=ca").text
        assert "Gra terms of use" in http.get("/wallet/gra/terms?lang=en").text

        # The admin panel in TRI's look (step 11: /admin/?currency=TRI).
        panel = http.get("/admin/?currency=TRI")
        assert panel.status_code == 200
        assert "<title>Trigo · admin</title>" in panel.text
        assert f"--primary: {PRIMARY};" in panel.text
        assert 'href="/branding/tri/icon-192.png"' in panel.text

        # The API describes the three currencies, TRI in its own terms.
        anyone = GraphQLClient(url)
        rows = {row["code"]: row for row in anyone.data(CURRENCIES)["currencies"]}
        assert sorted(rows) == ["GRA", "REC", "TRI"]
        assert (rows["REC"]["decimals"], rows["GRA"]["decimals"]) == (2, 0)
        assert rows["TRI"] == {
            "code": "TRI",
            "name": "Trigo",
            "fullName": "Trigo, la moneda de los molinos del Alto Valle",
            "symbol": "Tg",
            "decimals": 3,
            "tagline": "Del molino a la mesa",
            "defaultLanguage": "en",
            "languages": ["en", "es"],
            "timezone": "America/Montevideo",
            "topUpMinimum": {"amount": "20.000", "currency": "TRI"},
            "theme": {
                "primaryColor": PRIMARY,
                "backgroundColor": BACKGROUND,
                "logoUrl": "/branding/tri/logo.svg",
                "icon192Url": "/branding/tri/icon-192.png",
                "icon512Url": "/branding/tri/icon-512.png",
                "maskableIconUrl": "/branding/tri/icon-maskable-512.png",
            },
        }
        # Step 11: the KYC tiers, in units of TRI: KYC1 sends up to 2,500 per payment.
        tiers = anyone.data(TIERS, {"currency": "TRI"})["kycTiers"]
        assert [(t["level"], t["canSend"]) for t in tiers] == [(0, False), (1, True), (2, True)]
        assert tiers[1]["perPaymentLimit"] == {"amount": "2500.000", "currency": "TRI"}
        assert tiers[2]["perPaymentLimit"] is None


def _rgb_tuple(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def _near(pixel: Any, wanted: tuple[int, int, int], slack: int = 6) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel[:3], wanted, strict=True))


# --- step 11: an administrator of TRI only, then money in TRI ----------------------------


def _key() -> str:
    return uuid.uuid4().hex


def _sign_in(url: str, email: str, password: str, secret: str | None = None) -> GraphQLClient:
    client = GraphQLClient(url)
    given = {"email": email, "password": password}
    for step in (0, 1):  # a code already used this step: the next one
        if secret:
            given["totp"] = totp.code_at(secret, totp.current_step() + step)
        payload = client.data(LOGIN, {"input": given})["login"]
        if not (secret and payload["errors"] and payload["errors"][0]["code"] == "WRONG_TOTP"):
            break
    assert payload["errors"] == [], payload["errors"]
    return client


def _balance(person: GraphQLClient, code: str) -> dict[str, str] | None:
    wallet = person.data(BALANCE, {"currency": code})["viewer"]["activeAccount"]["wallet"]
    return wallet and wallet["balance"]


def _pay(person: GraphQLClient, pin: str, to: str, amount: str, code: str) -> dict[str, Any]:
    variables = {
        "input": {
            "to": to,
            "amount": amount,
            "currency": code,
            "pin": pin,
            "memo": "",
            "idempotencyKey": _key(),
        }
    }
    return person.data(PAY, variables)["pay"]


@pytest.fixture(scope="module")
def money(trigo: Trigo) -> dict[str, Any]:
    """Step 11 done, then TRI issued and paid: returns who did what, for the tests."""
    url, data_dir = trigo.server.url, trigo.server.data_dir
    sign_ins = {e["email"]: e for e in json.loads((data_dir / "demo-credentials.json").read_text())}
    # Two of the demo's residents, with 100.00 REC and 100 GRA each: Lucía speaks Spanish.
    lucia_entry = sign_ins["lucia@demo.rec.example"]
    lucia = _sign_in(url, lucia_entry["email"], lucia_entry["password"])
    jordi_entry = sign_ins["jordi@demo.rec.example"]
    jordi = _sign_in(url, jordi_entry["email"], jordi_entry["password"])
    jordi_handle = jordi.data(ME)["viewer"]["activeAccount"]["handle"]
    lucia_me = lucia.data(ME)["viewer"]

    # REC and GRA still work on the platform with three currencies.
    before = {
        (name, code): _balance(person, code)
        for name, person in (("lucia", lucia), ("jordi", jordi))
        for code in ("REC", "GRA")
    }
    old_money = [
        _pay(lucia, lucia_entry["pin"], jordi_handle, "2.50", "REC"),
        _pay(lucia, lucia_entry["pin"], jordi_handle, "3", "GRA"),
    ]
    after_old = {
        (name, code): _balance(person, code)
        for name, person in (("lucia", lucia), ("jordi", jordi))
        for code in ("REC", "GRA")
    }

    # Step 11, the command: an administrator of TRI only (and a code no currency has).
    email, password = "marta@trigo.example", "a long passphrase"
    create = ("admin", "create", "--email", email, "--password", password)
    unknown = run_rec(*create, "--role", "superadmin", "--currency", "TRX", env=trigo.env)
    made = run_rec(*create, "--role", "superadmin", "--currency", "TRI", env=trigo.env)
    assert made.returncode == 0, made.stderr
    # She signs in, turns on two-factor, and signs in with her code.
    marta = _sign_in(url, email, password)
    marta_before = marta.data(ADMIN)["viewer"]
    secret = turn_on_two_factor(marta)
    marta = _sign_in(url, email, password, secret)
    # She grants TRI's roles to a colleague: treasurer (her currencies, by default) and
    # KYC officer (TRI, named).
    colleague = new_admin(url, marta, "TREASURER")
    tomas = colleague["client"]
    tomas_id = tomas.data(ME)["viewer"]["user"]["id"]
    marta.mutate(
        "grantAdminRole",
        GRANT,
        {"userId": tomas_id, "role": "KYC_OFFICER", "reason": "mill office", "currencies": ["TRI"]},
    )
    tomas = _sign_in(url, colleague["email"], colleague["password"], colleague["secret"])

    # Tomàs checks Lucía's identity for TRI and issues her 100 TRI; she pays Jordi.
    tier = tomas.mutate(
        "setAccountKycTier",
        TIER,
        {
            "accountId": lucia_me["activeAccount"]["id"],
            "tier": 1,
            "reason": "DNI seen",
            "currency": "TRI",
        },
    )
    issued = tomas.mutate(
        "issueFunds",
        ISSUE,
        {
            "to": lucia_me["activeAccount"]["handle"],
            "amount": "100",
            "currency": "TRI",
            "reason": "wheat delivered to the mill",
            "idempotencyKey": _key(),
        },
    )
    jordi_tri_before = _balance(jordi, "TRI")
    paid = _pay(lucia, lucia_entry["pin"], jordi_handle, "12.345", "TRI")
    too_fine = _pay(lucia, lucia_entry["pin"], jordi_handle, "0.0005", "TRI")
    # Outside TRI, Tomàs is refused.
    rec_issue = tomas.raw(
        ISSUE,
        {
            "input": {
                "to": lucia_me["activeAccount"]["handle"],
                "amount": "5.00",
                "currency": "REC",
                "reason": "not mine to issue",
                "idempotencyKey": _key(),
            }
        },
    )
    return {
        "trigo": trigo,
        "lucia": lucia,
        "jordi": jordi,
        "lucia_me": lucia_me,
        "before": before,
        "old_money": old_money,
        "after_old": after_old,
        "unknown": unknown,
        "made": made,
        "marta": marta,
        "marta_before": marta_before,
        "tomas": tomas,
        "tier": tier,
        "issued": issued,
        "jordi_tri_before": jordi_tri_before,
        "paid": paid,
        "too_fine": too_fine,
        "rec_issue": rec_issue,
    }


def test_a_tri_administrator_issues_tri_and_people_pay_in_it(money: dict[str, Any]) -> None:
    # The command line: a code no currency has is refused; TRI is granted.
    assert money["unknown"].returncode == 2 and money["unknown"].stdout == ""
    assert money["unknown"].stderr.strip() == (
        "rec admin create: --currency: no currency TRX (installed: GRA, REC, TRI)"
    )
    assert money["made"].returncode == 0, money["made"].stderr
    assert money["made"].stdout.strip() == "marta@trigo.example: role superadmin granted (TRI)"
    # Before two-factor her role is not in force; with it, it covers TRI only.
    assert money["marta_before"] == {
        "adminRoles": [],
        "adminCurrencies": [],
        "twoFactorRequired": True,
    }
    assert money["marta"].data(ADMIN)["viewer"] == {
        "adminRoles": ["SUPERADMIN"],
        "adminCurrencies": ["TRI"],
        "twoFactorRequired": False,
    }
    roles = money["tomas"].data(ADMIN)["viewer"]
    assert sorted(roles["adminRoles"]) == ["KYC_OFFICER", "TREASURER"]
    assert roles["adminCurrencies"] == ["TRI"]

    # REC and GRA kept working: Lucía paid Jordi 2.50 REC and 3 GRA.
    assert [p["errors"] for p in money["old_money"]] == [[], []]
    before, after = money["before"], money["after_old"]
    assert before[("lucia", "REC")] == {"amount": "100.00", "currency": "REC"}
    assert before[("lucia", "GRA")] == {"amount": "100", "currency": "GRA"}
    assert after[("lucia", "REC")] == {"amount": "97.50", "currency": "REC"}
    assert after[("lucia", "GRA")] == {"amount": "97", "currency": "GRA"}
    assert after[("jordi", "REC")] == {"amount": "102.50", "currency": "REC"}
    assert after[("jordi", "GRA")] == {"amount": "103", "currency": "GRA"}

    # TRI: 100 issued, 12.345 paid; thousandths are the smallest unit.
    assert money["tier"]["tier"] == 1
    assert money["issued"]["transaction"]["amount"] == {"amount": "100.000", "currency": "TRI"}
    assert money["jordi_tri_before"] in (None, {"amount": "0.000", "currency": "TRI"})
    assert money["paid"]["errors"] == []
    assert money["paid"]["transaction"]["amount"] == {"amount": "12.345", "currency": "TRI"}
    assert money["too_fine"]["transaction"] is None
    assert [(e["field"], e["code"]) for e in money["too_fine"]["errors"]] == [
        ("amount", "INVALID_AMOUNT")
    ]
    lucia, jordi = money["lucia"], money["jordi"]
    assert _balance(lucia, "TRI") == {"amount": "87.655", "currency": "TRI"}
    assert _balance(jordi, "TRI") == {"amount": "12.345", "currency": "TRI"}

    # The server signs TRI's journal with the key `rec currency add` made and sealed.
    server = money["trigo"].server
    client: MongoClient = MongoClient(server.settings.mongodb_url)
    checkpoints = client[server.settings.mongodb_database]["checkpoints"]
    until(lambda: checkpoints.count_documents({"currency": "TRI"}), "a TRI checkpoint")
    client.close()
    verified = run_rec("ledger", "verify", "--currency", "TRI", env=money["trigo"].env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "checked  TRI: 2 sealed entries in the chain, 0 not yet sealed" in verified.stdout
    assert re.search(r"checked  TRI: [1-9]\d* checkpoint signatures", verified.stdout)
    assert "ledger verified: everything holds" in verified.stdout

    # TRI's administrators stop at TRI: issuing REC is refused, and moves nothing.
    refused = money["rec_issue"]
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert refused["errors"][0]["message"] == "you administer only TRI, not REC"
    # The REC and GRA balances of the same people did not move with TRI's money.
    for name, person in (("lucia", lucia), ("jordi", jordi)):
        for code in ("REC", "GRA"):
            assert _balance(person, code) == after[(name, code)], (name, code)


# --- step 10 in Chromium: TRI's own wallet ------------------------------------------------


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*_rgb_tuple(colour))


@pytest.mark.browser
async def test_the_tri_wallet_in_chromium_has_its_name_colours_words_and_money(
    trigo: Trigo, money: dict[str, Any], page: PageWatch
) -> None:
    url = trigo.server.url
    tri_page = page.page
    gra_page = await tri_page.context.new_page()
    await tri_page.goto(url + "/wallet/tri/")
    await gra_page.goto(url + "/wallet/gra/")
    for screen in (tri_page, gra_page):
        await screen.get_by_test_id("home-sign-in").wait_for(timeout=15000)
    look, gra_look = await brand_look(tri_page), await brand_look(gra_page)
    assert look["lang"] == "en" and look["title"] == "Trigo"
    assert look["themeColour"] == PRIMARY and look["primary"] == PRIMARY.lower()
    assert look["background"] == _rgb(BACKGROUND)
    assert look["manifest"] == "/wallet/tri/manifest.webmanifest"
    assert look["icon"] == "/branding/tri/icon-192.png"
    assert look["logo"] == "/branding/tri/logo.svg" and look["logoDrawn"]
    assert "DejaVu" not in look["font"] and "DejaVu Serif" in gra_look["font"]
    assert gra_look["title"] == "Gra" and gra_look["lang"] == "es"
    assert gra_look["themeColour"] == "#8A4A12"
    assert await tri_page.get_by_test_id("currency-name").inner_text() == "Trigo"
    # Signed out, TRI greets in English, its default language, with its own words.
    assert await tri_page.get_by_text(WORDS["en"]["welcome_intro"]).count() == 1
    assert await tri_page.get_by_test_id("nav-map").inner_text() == "Mills"
    ARTIFACTS.mkdir(exist_ok=True)
    await tri_page.screenshot(path=str(ARTIFACTS / "new-currency-tri.png"))

    # Lucía, signed in (one sign-in for every currency), reads TRI in Spanish, her
    # language, with TRI's Spanish words, and her thousandths.
    cookie = money["lucia"].http.cookies.get("rec_session")
    assert cookie
    await tri_page.context.add_cookies([{"name": "rec_session", "value": cookie, "url": url}])
    expected = {tri_page: ("TRI", "87.655"), gra_page: ("GRA", "97")}
    for screen, (code, amount) in expected.items():
        await screen.reload()
        balance = screen.get_by_test_id("home-balance")
        await balance.wait_for(timeout=15000)
        assert await balance.get_attribute("data-currency") == code
        assert await balance.get_attribute("data-amount") == amount
    name = money["lucia_me"]["user"]["name"]
    assert await tri_page.get_by_text(WORDS["es"]["hello"].format(name=name)).count() == 1
    assert await tri_page.get_by_test_id("home").get_attribute("lang") == "es"
    shown = (await tri_page.get_by_test_id("home-balance").inner_text()).replace("\xa0", " ")
    assert shown == "87,655 TRI"  # Spanish decimals, three of them, and the code
    # Times in TRI's time zone: Montevideo's hour, not Madrid's.
    issued_at = datetime.fromisoformat(money["issued"]["transaction"]["createdAt"])
    there = issued_at.astimezone(ZoneInfo("America/Montevideo"))
    madrid = issued_at.astimezone(ZoneInfo("Europe/Madrid"))
    items = tri_page.get_by_test_id("activity-item")
    assert await items.count() == 2
    shown_issue = await items.nth(1).inner_text()
    assert re.search(rf"\b{there.hour}:{there.minute:02d}\b", shown_issue), shown_issue
    assert not re.search(rf"\b{madrid.hour}:{madrid.minute:02d}\b", shown_issue)
    await tri_page.screenshot(path=str(ARTIFACTS / "new-currency-tri-signed-in.png"))
    await gra_page.close()
    assert page.remote_requests == [] and page.errors == []
