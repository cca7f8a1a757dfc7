"""The `rec` command, run as a program."""

from pathlib import Path

import pytest

from server.settings import Settings
from tests.conftest import rec_env, run_rec


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("bogus",),
        ("run", "--no-such-flag"),
        ("admin",),
        ("admin", "create", "--email", "a@example.org"),
    ],
)
def test_unknown_or_missing_arguments_print_usage_and_fail(args: tuple[str, ...]) -> None:
    done = run_rec(*args, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "usage: rec" in done.stderr


def test_help_lists_every_command() -> None:
    done = run_rec("--help", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0
    for command in ("run", "serve", "migrate", "demo", "admin"):
        assert command in done.stdout


def test_serve_without_store_urls_says_which_to_set(tmp_path: Path) -> None:
    done = run_rec("serve", env={"PATH": "/usr/bin:/bin", "REC_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "set REC_DATABASE_URL and REC_MONGODB_URL" in done.stderr


def test_production_without_secret_stops_with_a_clear_message(tmp_path: Path) -> None:
    done = run_rec("migrate", env={"PATH": "/usr/bin:/bin", "REC_MODE": "production"})
    assert done.returncode == 2
    assert "REC_SECRET_KEY is required in production" in done.stderr


def test_a_bad_theme_stops_migrate_naming_file_and_field(
    settings: Settings, tmp_path: Path
) -> None:
    import shutil

    from server.settings import PROJECT_ROOT

    branding = tmp_path / "branding"
    shutil.copytree(PROJECT_ROOT / "branding" / "rec", branding / "rec")
    theme = branding / "rec" / "theme.toml"
    theme.write_text(theme.read_text().replace('secondary = "#F2A900"', 'secondary = "gold"'))
    done = run_rec("migrate", env=rec_env(settings, REC_BRANDING_DIR=str(branding)))
    assert done.returncode == 2
    assert "rec/theme.toml: field 'colours.secondary': expected a colour" in done.stderr


def test_migrate_demo_and_admin_create_work_together(settings: Settings) -> None:
    env = rec_env(settings)
    migrated = run_rec("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "Currencies: GRA (new), REC (new)" in migrated.stdout

    demo = run_rec("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    assert "superadmin@demo.rec.example" in demo.stdout
    again = run_rec("demo", env=env)
    assert "already loaded" in again.stdout
    assert again.stdout.split("\n", 1)[1].strip() == demo.stdout.split("\n", 1)[1].strip()

    args = (
        "admin",
        "create",
        "--email",
        "kyc@example.org",
        "--password",
        "a long enough passphrase",
        "--role",
        "kyc_officer",
    )
    created = run_rec(*args, env=env)
    assert created.returncode == 0, created.stderr
    assert "kyc@example.org: role kyc_officer granted" in created.stdout
    assert "already held" in run_rec(*args, env=env).stdout


def test_admin_create_refuses_a_weak_password(settings: Settings) -> None:
    env = rec_env(settings)
    assert run_rec("migrate", env=env).returncode == 0
    done = run_rec(
        "admin",
        "create",
        "--email",
        "x@example.org",
        "--password",
        "123",
        "--role",
        "support",
        env=env,
    )
    assert done.returncode == 2
    assert "password: use at least 10 characters" in done.stderr


def test_admin_create_refuses_an_unknown_role() -> None:
    done = run_rec(
        "admin",
        "create",
        "--email",
        "x@example.org",
        "--password",
        "p" * 12,
        "--role",
        "emperor",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "invalid choice: 'emperor'" in done.stderr


def test_run_refuses_production_mode() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "REC_MODE": "production",
        "REC_SECRET_KEY": "s" * 40,
        "REC_DATABASE_URL": "sqlite://:memory:",
        "REC_MONGODB_URL": "mongodb://127.0.0.1:1/",
        "REC_SMTP_HOST": "127.0.0.1",
        "REC_PUBLIC_URL": "https://rec.example.org",
        "REC_REDSYS_MERCHANT_CODE": "999008881",
        "REC_REDSYS_SECRET_KEY": "sq7HjrUOBfKmC576ILgskD5srU870gJ7",
    }
    done = run_rec("run", env=env)
    assert done.returncode == 2
    assert "`rec run` is for development" in done.stderr


def test_an_unreachable_document_store_is_a_clear_error(tmp_path: Path) -> None:
    from server.stores.embedded import free_port

    env = {
        "PATH": "/usr/bin:/bin",
        "REC_DATA_DIR": str(tmp_path),
        "REC_DATABASE_URL": f"sqlite://{tmp_path / 'rec.sqlite3'}",
        "REC_MONGODB_URL": f"mongodb://rec:hunter22222@127.0.0.1:{free_port()}/",
        "REC_STORE_TIMEOUT_MS": "300",
    }
    done = run_rec("demo", env=env)
    assert done.returncode == 2
    assert "rec demo: a store is unreachable" in done.stderr
    assert "Traceback" not in done.stderr and "hunter22222" not in done.stderr
