from pathlib import Path

import pytest

from server.settings import Settings, SettingsError
from server.topup import provider_for
from server.topup.redsys import RedsysProvider

SECRET = "x" * 40
# Redsys' published test merchant (its integration guide's examples).
REDSYS = {
    "REC_REDSYS_MERCHANT_CODE": "999008881",
    "REC_REDSYS_SECRET_KEY": "sq7HjrUOBfKmC576ILgskD5srU870gJ7",
}


def test_development_defaults_need_no_variables(tmp_path: Path) -> None:
    settings = Settings.from_env({"REC_DATA_DIR": str(tmp_path)})
    assert settings.mode == "development"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.database_url is None and settings.mongodb_url is None
    assert settings.graphiql is True


def test_development_secret_is_random_and_kept_across_starts(tmp_path: Path) -> None:
    first = Settings.from_env({"REC_DATA_DIR": str(tmp_path)}).secret_key
    second = Settings.from_env({"REC_DATA_DIR": str(tmp_path)}).secret_key
    other = Settings.from_env({"REC_DATA_DIR": str(tmp_path / "other")}).secret_key
    assert len(first) >= 32 and first == second and first != other
    assert (tmp_path / "development-secret-key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="REC_SECRET_KEY is required in production"):
        Settings.from_env({"REC_MODE": "production", "REC_DATA_DIR": str(tmp_path)})
    assert not (tmp_path / "development-secret-key").exists()


def test_production_requires_both_store_urls() -> None:
    env = {"REC_MODE": "production", "REC_SECRET_KEY": SECRET, "REC_DATABASE_URL": "postgres://x/y"}
    with pytest.raises(SettingsError, match="REC_MONGODB_URL is required in production"):
        Settings.from_env(env)


def test_production_turns_graphiql_and_introspection_off_unless_enabled() -> None:
    env = {
        "REC_MODE": "production",
        "REC_SECRET_KEY": SECRET,
        "REC_DATABASE_URL": "postgres://db/rec",
        "REC_MONGODB_URL": "mongodb://db/",
        "REC_SMTP_HOST": "smtp.example.org",
        "REC_PUBLIC_URL": "https://rec.example.org",
        **REDSYS,
    }
    assert Settings.from_env(env).graphiql is False
    assert Settings.from_env({**env, "REC_GRAPHIQL": "true"}).graphiql is True
    assert Settings.from_env(env).introspection is False
    assert Settings.from_env({**env, "REC_GRAPHQL_INTROSPECTION": "on"}).introspection is True
    assert Settings.from_env({}).introspection is True
    assert Settings.from_env({}).rate_limit_per_minute == 600
    assert Settings.from_env({"REC_RATE_LIMIT_PER_MINUTE": "0"}).rate_limit_per_minute == 0


def test_short_secret_key_is_rejected() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        Settings.from_env({"REC_SECRET_KEY": "short"})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REC_PORT", "eighty", "REC_PORT must be a whole number"),
        ("REC_PORT", "70000", "REC_PORT must be between 1 and 65535"),
        ("REC_MODE", "staging", "REC_MODE must be one of development, test, production"),
        ("REC_GRAPHIQL", "maybe", "REC_GRAPHIQL must be true or false"),
        ("REC_LOG_LEVEL", "loud", "REC_LOG_LEVEL must be one of"),
    ],
)
def test_malformed_variable_is_named_in_the_error(
    name: str, value: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value, "REC_DATA_DIR": str(tmp_path), "REC_SECRET_KEY": SECRET})


def test_store_urls_and_port_are_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "REC_DATA_DIR": str(tmp_path),
            "REC_SECRET_KEY": SECRET,
            "REC_PORT": "8123",
            "REC_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/rec",
            "REC_MONGODB_URL": "mongodb://127.0.0.1:27017/",
        }
    )
    assert settings.port == 8123
    assert settings.database_url == "postgres://postgres@127.0.0.1:5432/rec"
    assert settings.mongodb_url == "mongodb://127.0.0.1:27017/"
    assert SECRET not in repr(settings)


def test_empty_variables_mean_not_set(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "REC_DATA_DIR": str(tmp_path),
            "REC_HOST": "",
            "REC_MONGODB_DATABASE": "",
            "REC_DATABASE_URL": "",
            "REC_SECRET_KEY": SECRET,
        }
    )
    assert (settings.host, settings.mongodb_database, settings.database_url) == (
        "127.0.0.1",
        "rec",
        None,
    )


def test_a_bad_variable_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"REC_DATA_DIR": str(tmp_path / "var"), "REC_PORT": "99999"})
    assert not (tmp_path / "var").exists()


def test_a_bad_document_database_name_is_refused() -> None:
    with pytest.raises(SettingsError, match="REC_MONGODB_DATABASE must be"):
        Settings.from_env({"REC_SECRET_KEY": SECRET, "REC_MONGODB_DATABASE": "a.b/c"})


def test_production_sends_real_mail_and_needs_an_smtp_host() -> None:
    env = {
        "REC_MODE": "production",
        "REC_SECRET_KEY": SECRET,
        "REC_DATABASE_URL": "postgres://db/rec",
        "REC_MONGODB_URL": "mongodb://db/",
    }
    with pytest.raises(SettingsError, match="REC_SMTP_HOST is required"):
        Settings.from_env(env)
    settings = Settings.from_env(
        {
            **env,
            **REDSYS,
            "REC_SMTP_HOST": "smtp.example.org",
            "REC_PUBLIC_URL": "https://rec.example.org",
        }
    )
    assert settings.mail_backend == "smtp" and settings.smtp_port == 587


def test_cookies_are_secure_outside_loopback(tmp_path: Path) -> None:
    local = Settings.from_env({"REC_DATA_DIR": str(tmp_path), "REC_SECRET_KEY": SECRET})
    public = Settings.from_env(
        {"REC_DATA_DIR": str(tmp_path), "REC_SECRET_KEY": SECRET, "REC_HOST": "0.0.0.0"}
    )
    assert (local.secure_cookies, public.secure_cookies) == (False, True)


def test_production_refuses_the_mail_sandbox() -> None:
    env = {
        "REC_MODE": "production",
        "REC_SECRET_KEY": SECRET,
        "REC_DATABASE_URL": "postgres://db/rec",
        "REC_MONGODB_URL": "mongodb://db/",
        "REC_MAIL_BACKEND": "sandbox",
    }
    with pytest.raises(SettingsError, match="not allowed in production"):
        Settings.from_env(env)


def test_the_public_address_is_used_for_links(tmp_path: Path) -> None:
    base = {"REC_DATA_DIR": str(tmp_path), "REC_SECRET_KEY": SECRET}
    assert Settings.from_env(base).public_url == "http://127.0.0.1:8000"
    given = Settings.from_env({**base, "REC_PUBLIC_URL": "https://rec.example.org/"})
    assert given.public_url == "https://rec.example.org"
    with pytest.raises(SettingsError, match="REC_PUBLIC_URL must be"):
        Settings.from_env({**base, "REC_PUBLIC_URL": "rec.example.org"})
    production = {
        **base,
        "REC_MODE": "production",
        "REC_DATABASE_URL": "postgres://db/rec",
        "REC_MONGODB_URL": "mongodb://db/",
        "REC_SMTP_HOST": "smtp.example.org",
        **REDSYS,
    }
    with pytest.raises(SettingsError, match="REC_PUBLIC_URL is required in production"):
        Settings.from_env(production)


def test_card_payments_go_through_redsys_in_production_and_the_sandbox_elsewhere() -> None:
    production = {
        "REC_MODE": "production",
        "REC_SECRET_KEY": SECRET,
        "REC_DATABASE_URL": "postgres://db/rec",
        "REC_MONGODB_URL": "mongodb://db/",
        "REC_SMTP_HOST": "smtp.example.org",
        "REC_PUBLIC_URL": "https://rec.example.org",
    }
    with pytest.raises(SettingsError, match="needs REC_REDSYS_MERCHANT_CODE, REC_REDSYS_SECRET"):
        Settings.from_env(production)
    with pytest.raises(SettingsError, match="charges no card: not allowed in production"):
        Settings.from_env({**production, **REDSYS, "REC_PAYMENT_PROVIDER": "sandbox"})
    settings = Settings.from_env({**production, **REDSYS})
    assert settings.payment_provider == "redsys" and settings.redsys_environment == "test"
    provider = provider_for(settings)
    assert isinstance(provider, RedsysProvider) and provider.name == "redsys"
    assert "sq7H" not in repr(settings) + repr(provider)  # the key is never shown
    development = Settings.from_env({"REC_SECRET_KEY": SECRET})
    assert development.payment_provider == "sandbox"
    assert provider_for(development).name == "sandbox"
    with pytest.raises(SettingsError, match="REC_PAYMENT_PROVIDER must be one of"):
        Settings.from_env({"REC_SECRET_KEY": SECRET, "REC_PAYMENT_PROVIDER": "paypal"})


def test_cheap_password_hashing_is_for_tests_only() -> None:
    from argon2 import extract_parameters

    from server.accounts import passwords

    production = {
        "REC_MODE": "production",
        "REC_SECRET_KEY": SECRET,
        "REC_DATABASE_URL": "postgres://db/rec",
        "REC_MONGODB_URL": "mongodb://db/",
        "REC_SMTP_HOST": "smtp.example.org",
        "REC_PUBLIC_URL": "https://rec.example.org",
        **REDSYS,
    }
    assert Settings.from_env(production).password_hashing == "standard"
    with pytest.raises(
        SettingsError, match="REC_PASSWORD_HASHING=fast .* not allowed in production"
    ):
        Settings.from_env({**production, "REC_PASSWORD_HASHING": "fast"})
    assert Settings.from_env({"REC_SECRET_KEY": SECRET}).password_hashing == "standard"
    # Each hash carries its cost, so hashes of either cost verify under either setting.
    try:
        passwords.configure("standard")
        strong = passwords.hash_password("correct horse battery")
        passwords.configure("fast")
        cheap = passwords.hash_password("correct horse battery")
        assert extract_parameters(strong).memory_cost == 65536
        assert extract_parameters(cheap).memory_cost == 8
        assert passwords.verify_password(strong, "correct horse battery")
        passwords.configure("standard")
        assert passwords.verify_password(cheap, "correct horse battery")
        assert not passwords.verify_password(cheap, "wrong horse battery")
    finally:
        passwords.configure("fast")  # as tests/conftest.py set it
