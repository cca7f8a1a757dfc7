"""Migrations, currencies, people and demo data on both relational engines and the
embedded document server."""

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from server.accounts import passwords
from server.accounts.models import Account, AccountKind, AdminRole, User
from server.accounts.passwords import verify_password
from server.accounts.services import AccountsError, admin_roles, create_user, grant_admin_role
from server.branding import load_branding
from server.cli import _prepare
from server.currencies.models import Currency
from server.currencies.services import install_currency
from server.demo import SHOPS, load_demo, saved_sign_ins
from server.directory.models import MerchantProfile
from server.ledger.models import Wallet
from server.settings import PROJECT_ROOT, Settings
from server.stores.relational import apply_migrations


async def test_migrations_are_safe_to_apply_again(stores: Settings) -> None:
    assert stores.database_url
    await apply_migrations(stores.database_url)  # second time: nothing to do, no error
    assert await Currency.filter(code="REC").count() == 1


async def test_rec_is_installed_with_an_issuer_account_and_wallet(stores: Settings) -> None:
    rec = await Currency.get(code="REC").prefetch_related("issuer_account")
    assert rec.name == "REC" and rec.decimals == 2 and rec.default_language == "ca"
    assert rec.theme["colours"]["primary"] == "#0E7C66"
    assert rec.issuer_account.kind == AccountKind.ISSUER
    issuer_wallet = await Wallet.find_one(Wallet.account_id == rec.issuer_account.id)
    assert issuer_wallet is not None
    assert issuer_wallet.is_issuer and issuer_wallet.balance_cents == 0


async def test_installing_a_currency_again_creates_nothing(stores: Settings) -> None:
    accounts_before = await Account.all().count()
    currency, created = await install_currency(
        load_branding(PROJECT_ROOT / "branding" / "rec"), stores.secret_key
    )
    assert created is False and currency.code == "REC"
    assert await Account.all().count() == accounts_before
    assert await Wallet.find(Wallet.currency == "REC").count() == 1


async def test_preparing_on_every_start_changes_nothing_the_second_time(
    settings: Settings,
) -> None:
    from server.cli import _open_stores

    settings.data_dir.mkdir(parents=True)
    # Every folder of branding/: REC and the cooperative market's GRA.
    assert await _prepare(settings) == ["GRA (new)", "REC (new)"]
    assert await _prepare(settings) == ["GRA (up to date)", "REC (up to date)"]
    async with _open_stores(settings):
        assert await Account.filter(kind=AccountKind.ISSUER).count() == 2
        assert await Wallet.find(Wallet.currency == "REC").count() == 1
        assert await Wallet.find(Wallet.currency == "GRA").count() == 1


async def test_a_person_gets_a_personal_account_and_an_argon2id_hash(stores: Settings) -> None:
    passwords.configure("standard")  # as outside the tests (tests/conftest.py makes it cheap)
    try:
        user = await create_user("Anna@Example.org", "a long enough passphrase", "Anna Puig", "ca")
    finally:
        passwords.configure("fast")
    assert user.email == "anna@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "a long enough passphrase")
    assert not verify_password(user.password_hash, "another passphrase")
    assert not PasswordHasher().check_needs_rehash(user.password_hash)
    memberships = await user.memberships.all().prefetch_related("account")
    assert [(m.role, m.account.kind, m.account.handle) for m in memberships] == [
        ("holder", AccountKind.PERSONAL, "anna-puig")
    ]


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", "a long enough passphrase", "email"),
        ("anna@example.org", "short", "password"),
        ("anna@example.org", "aaaaaaaaaaaaaaa", "password"),
        ("anna@example.org", "anna-is-my-password", "password"),
    ],
)
async def test_bad_registration_input_is_refused_and_creates_nothing(
    stores: Settings, email: str, password: str, field: str
) -> None:
    accounts_before = await Account.all().count()
    with pytest.raises(AccountsError) as raised:
        await create_user(email, password, "Anna")
    assert (raised.value.code, raised.value.field) == ("INVALID_INPUT", field)
    assert await User.all().count() == 0
    assert await Account.all().count() == accounts_before


async def test_the_same_email_cannot_register_twice(stores: Settings) -> None:
    await create_user("jordi@example.org", "a long enough passphrase", "Jordi")
    with pytest.raises(AccountsError, match="already exists"):
        await create_user("JORDI@example.org", "another long passphrase", "Jordi 2")
    assert await User.all().count() == 1


async def test_handles_are_unique_even_for_the_same_name(stores: Settings) -> None:
    first = await create_user("a1@example.org", "a long enough passphrase", "Núria Camps")
    second = await create_user("a2@example.org", "a long enough passphrase", "Núria Camps")
    handles = [
        (await user.memberships.all().prefetch_related("account"))[0].account.handle
        for user in (first, second)
    ]
    assert handles == ["nuria-camps", "nuria-camps-2"]


async def test_granting_an_admin_role_twice_keeps_one_grant(stores: Settings) -> None:
    user = await create_user("boss@example.org", "a long enough passphrase", "Boss")
    assert await grant_admin_role(user, AdminRole.TREASURER) is True
    assert await grant_admin_role(user, AdminRole.TREASURER) is False
    assert await admin_roles(user) == [AdminRole.TREASURER]


async def test_demo_data_is_loaded_once_with_real_barcelona_shops(stores: Settings) -> None:
    sign_ins = await load_demo(stores.data_dir)
    assert sign_ins is not None
    roles = {entry["role"] for entry in sign_ins}
    assert {"resident", "superadmin", "treasurer"} <= roles
    assert saved_sign_ins(stores.data_dir) == sign_ins
    assert (stores.data_dir / "demo-credentials.json").stat().st_mode & 0o777 == 0o600

    shops = await MerchantProfile.filter(
        account__name__in=[s.name for s in SHOPS]
    ).prefetch_related("account")
    assert len(shops) == len(SHOPS)
    for shop in shops:
        assert shop.account.kind == AccountKind.BUSINESS
        # Barcelona lies within 41.32..41.47 N, 2.05..2.23 E.
        assert 41_320_000 <= shop.latitude_e6 <= 41_470_000
        assert 2_050_000 <= shop.longitude_e6 <= 2_230_000
        assert await Wallet.find_one(Wallet.account_id == shop.account.id, Wallet.currency == "REC")

    anna = await User.get(email="anna@demo.rec.example")
    anna_account = (await anna.memberships.all().prefetch_related("account"))[0].account
    from server.ledger.services import balance_cents
    from server.ledger.verify import verify_ledger

    assert await balance_cents(anna_account.id, "REC") == 100_00
    assert (await verify_ledger("REC")).ok
    superadmin = await User.get(email="superadmin@demo.rec.example")
    assert await admin_roles(superadmin) == [AdminRole.SUPERADMIN]
    users, wallets = await User.all().count(), await Wallet.count()
    assert await load_demo(stores.data_dir) is None
    assert (await User.all().count(), await Wallet.count()) == (users, wallets)


async def test_demo_passwords_sign_in(stores: Settings, tmp_path: Path) -> None:
    sign_ins = await load_demo(stores.data_dir)
    assert sign_ins
    for entry in sign_ins:
        user = await User.get(email=entry["email"])
        assert verify_password(user.password_hash, entry["password"])


async def test_decimals_cannot_change_once_the_currency_exists(
    stores: Settings, tmp_path: Path
) -> None:
    import shutil

    from server.currencies.services import CurrencyError

    folder = tmp_path / "branding" / "rec"
    shutil.copytree(PROJECT_ROOT / "branding" / "rec", folder)
    theme = folder / "theme.toml"
    theme.write_text(
        theme.read_text()
        .replace("decimals = 2", "decimals = 3")
        .replace('name = "REC"', 'name = "REC2"')
    )
    with pytest.raises(CurrencyError, match="field 'decimals': REC already uses 2"):
        await install_currency(load_branding(folder), stores.secret_key)
    rec = await Currency.get(code="REC")
    assert (rec.decimals, rec.name) == (2, "REC")
