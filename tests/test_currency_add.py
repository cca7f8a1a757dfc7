"""`rec currency add <code>`: one currency from its folder, installed once; and the demo's
people holding wallets in both shipped currencies with one sign-in."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

import httpx

from schema.context import build_context
from schema.schema import build_schema
from server.accounts.models import Account, AccountKind, User
from server.accounts.sign_in import sign_in
from server.branding import load_all
from server.cli import _open_stores
from server.currencies.models import Currency
from server.demo import CURRENCY_SHOPS, SHOPS, load_demo
from server.directory.models import MerchantProfile
from server.kyc.models import KycTier
from server.kyc.services import effective_level
from server.ledger.models import Wallet
from server.ledger.services import balance_cents
from server.ledger.verify import verify_ledger
from server.runtime import Runtime
from server.settings import PROJECT_ROOT, Settings
from tests.conftest import rec_env, run_rec


async def _installed(settings: Settings, code: str) -> dict[str, object]:
    """What the stores hold of that currency, counted."""
    async with _open_stores(settings):
        currencies = await Currency.filter(code=code)
        currency = currencies[0]
        issuer_wallets = await Wallet.find(
            Wallet.currency == code,
            Wallet.is_issuer == True,  # noqa: E712 (a query)
        ).to_list()
        tiers = await KycTier.filter(currency_id=currency.id).order_by("level")
        return {
            "currencies": len(currencies),
            "all codes": [row.code for row in await Currency.all()],
            "issuer accounts": await Account.filter(kind=AccountKind.ISSUER).count(),
            "issuer wallets": [w.account_id for w in issuer_wallets],
            "issuer": currency.issuer_account_id,  # type: ignore[attr-defined]
            "tiers": [
                (t.level, t.can_send, t.per_payment_cents, t.monthly_cents, t.max_balance_cents)
                for t in tiers
            ],
            "key": currency.checkpoint_public_key,
            "sealed": bool(currency.checkpoint_private_key_sealed),
            "decimals": currency.decimals,
            "name": currency.name,
            "approval": currency.adjustment_approval_cents,
        }


def test_adding_a_currency_creates_it_once(settings: Settings) -> None:
    env = rec_env(settings)
    first = run_rec("currency", "add", "gra", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "GRA: created"
    assert "/wallet/gra/" in first.stdout

    created = asyncio.run(_installed(settings, "GRA"))
    assert created["all codes"] == ["GRA"]  # that folder only: REC is not installed
    assert created["currencies"] == created["issuer accounts"] == 1
    assert created["issuer wallets"] == [created["issuer"]]
    assert created["key"] and created["sealed"]
    assert created["decimals"] == 0 and created["name"] == "Gra"
    # The default tiers in whole grains: KYC1 sends up to 2,500 GRA, KYC2 is unlimited.
    assert created["tiers"] == [
        (0, False, 0, 0, None),
        (1, True, 2_500, 2_500, 10_000),
        (2, True, None, None, None),
    ]
    assert created["approval"] == 100  # adjustments above 100 GRA wait for a second admin

    again = run_rec("currency", "add", "GRA", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "GRA: up to date"
    assert asyncio.run(_installed(settings, "GRA")) == created


def test_an_unknown_or_impossible_code_is_refused(settings: Settings) -> None:
    env = rec_env(settings)
    unknown = run_rec("currency", "add", "XYZ", env=env)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip() == (
        "rec currency: no branding/xyz/theme.toml: copy a currency's folder there first "
        "(folders found: GRA, REC)"
    )
    impossible = run_rec("currency", "add", "../rec", env=env)
    assert impossible.returncode == 2
    assert "'../rec' is not a currency code" in impossible.stderr
    missing = run_rec("currency", "add", env=env)
    assert missing.returncode == 2 and "code" in missing.stderr


def test_an_invalid_folder_is_refused_before_any_change(settings: Settings, tmp_path: Path) -> None:
    branding = tmp_path / "branding"
    shutil.copytree(PROJECT_ROOT / "branding" / "gra", branding / "gra")
    (branding / "gra" / "legal" / "es" / "privacy.md").unlink()
    env = rec_env(settings, REC_BRANDING_DIR=str(branding))
    done = run_rec("currency", "add", "GRA", env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        "rec currency: gra/legal/es/privacy.md: file not found (required in the "
        "gra/theme.toml field 'default_language', 'es')"
    )
    url = settings.database_url or ""
    if url.startswith("sqlite://"):  # not even migrated
        assert not Path(url.removeprefix("sqlite://")).exists()


def test_a_copied_folder_becomes_a_new_currency(settings: Settings, tmp_path: Path) -> None:
    """What docs/new-currency.md tells a community to do: copy a folder, change its code,
    names and colours, and add it."""
    branding = tmp_path / "branding"
    tri = branding / "tri"
    shutil.copytree(PROJECT_ROOT / "branding" / "gra", tri)
    theme = tri / "theme.toml"
    theme.write_text(
        theme.read_text()
        .replace('code = "GRA"', 'code = "TRI"')
        .replace('name = "Gra"', 'name = "Trigo"')
        .replace('issuer_name = "Gra Emisor"', 'issuer_name = "Trigo Emisor"')
        .replace('primary = "#8A4A12"', 'primary = "#1F4E79"')
        .replace("decimals = 0", "decimals = 2")
    )
    env = rec_env(settings, REC_BRANDING_DIR=str(branding))
    done = run_rec("currency", "add", "TRI", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "TRI: created"

    installed = asyncio.run(_installed(settings, "TRI"))
    assert installed["all codes"] == ["TRI"] and installed["name"] == "Trigo"
    assert installed["decimals"] == 2 and installed["approval"] == 100_00
    assert installed["tiers"][1] == (1, True, 2_500_00, 2_500_00, 10_000_00)
    asyncio.run(_its_wallet_is_served(replace(settings, branding_dir=branding)))

    # Money may exist now: the decimals can never change again.
    theme.write_text(theme.read_text().replace("decimals = 2", "decimals = 0"))
    refused = run_rec("currency", "add", "TRI", env=env)
    assert refused.returncode == 2
    assert "tri/theme.toml: field 'decimals': TRI already uses 2; it cannot change to 0" in (
        refused.stderr
    )
    assert asyncio.run(_installed(settings, "TRI")) == installed


async def _its_wallet_is_served(settings: Settings) -> None:
    """The server, started on the folders, serves the new currency's own wallet app."""
    from server.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        shell = await client.get("/wallet/tri/")
        assert shell.status_code == 200 and "<title>Trigo</title>" in shell.text
        assert '<meta name="theme-color" content="#1F4E79">' in shell.text
        manifest = (await client.get("/wallet/tri/manifest.webmanifest")).json()
        assert manifest["short_name"] == "Trigo" and manifest["scope"] == "/wallet/tri/"
        terms = await client.get("/wallet/tri/terms")
        assert terms.status_code == 200 and 'data-testid="legal-terms"' in terms.text


async def test_the_installed_currencies_are_both_shipped_folders(stores: Settings) -> None:
    rows = await Currency.all().order_by("code")
    assert [(row.code, row.decimals) for row in rows] == [("GRA", 0), ("REC", 2)]
    gra = rows[0]
    assert gra.theme["colours"]["primary"] == "#8A4A12" and gra.timezone == "Atlantic/Canary"
    done = run_rec("currency", "add", "REC", env=rec_env(stores))
    assert done.returncode == 0 and done.stdout.strip() == "REC: up to date", done.stderr


async def test_the_demo_gives_its_people_gra_and_one_gra_stall(stores: Settings) -> None:
    sign_ins = await load_demo(stores.data_dir)
    assert sign_ins is not None
    rec, gra = await Currency.get(code="REC"), await Currency.get(code="GRA")
    profiles = await MerchantProfile.all().prefetch_related("account")
    assert len(profiles) == len(SHOPS) + len(CURRENCY_SHOPS)
    for profile in profiles:
        account = profile.account
        in_gra = account.name in {shop.name for shop in CURRENCY_SHOPS}
        # A shop takes its own currency and shows on that currency's map only.
        assert await effective_level(account.id, gra.id) == (2 if in_gra else 0)
        assert await effective_level(account.id, rec.id) == (0 if in_gra else 2)
        codes = {w.currency for w in await Wallet.find(Wallet.account_id == account.id).to_list()}
        assert codes == ({"GRA"} if in_gra else {"REC"})
    stall = next(p for p in profiles if p.account.name == CURRENCY_SHOPS[0].name)
    assert stall.latitude_e6 == 28_658_500 and "Los Llanos de Aridane" in stall.address
    assert any(e["email"] == CURRENCY_SHOPS[0].owner_email for e in sign_ins)

    anna = await User.get(email="anna@demo.rec.example")
    account = (await anna.memberships.all().prefetch_related("account"))[0].account
    assert await balance_cents(account.id, "REC") == 100_00
    assert await balance_cents(account.id, "GRA") == 100  # 100 GRA: no decimals
    assert await effective_level(account.id, gra.id) == 1
    assert (await verify_ledger("GRA")).ok and (await verify_ledger("REC")).ok

    # One sign-in reads both wallets.
    entry = next(e for e in sign_ins if e["email"] == anna.email)
    signed = await sign_in(
        anna.email, entry["password"], None, ip="127.0.0.1", user_agent="test", lifetime_s=60
    )
    brandings = {branding.code: branding for branding in load_all(stores.branding_dir)}
    runtime = Runtime(settings=stores, brandings=brandings, schema=build_schema())
    scope = {"type": "http", "headers": [], "client": ("127.0.0.1", 1)}
    context = await build_context(runtime, scope, bearer=signed.token)
    result = await runtime.schema.execute(
        """{ viewer { activeAccount {
          rec: wallet(currency: "REC") { balance { amount currency } }
          gra: wallet(currency: "GRA") { balance { amount currency } } } } }""",
        context_value=context,
    )
    assert result.errors is None, result.errors
    wallets = result.data["viewer"]["activeAccount"]  # type: ignore[index]
    assert wallets["rec"]["balance"] == {"amount": "100.00", "currency": "REC"}
    assert wallets["gra"]["balance"] == {"amount": "100", "currency": "GRA"}
