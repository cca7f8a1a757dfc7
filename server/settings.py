"""Typed settings, read once from `REC_*` environment variables.

Every variable is documented in the README. Secrets have no insecure default outside
development mode: production refuses to start without them.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

Mode = Literal["development", "test", "production"]
_MODES: tuple[Mode, ...] = ("development", "test", "production")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A `REC_*` variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    mode: Mode = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = PROJECT_ROOT / "var"
    branding_dir: Path = PROJECT_ROOT / "branding"
    # None means "embedded": `rec run` starts SQLite / the document server under data_dir.
    database_url: str | None = None
    mongodb_url: str | None = None
    mongodb_database: str = "rec"
    secret_key: str = field(default="", repr=False)
    default_currency: str = "REC"
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    graphiql: bool = True
    introspection: bool = True
    rate_limit_per_minute: int = 600  # GraphQL operations per caller; 0: no limit
    persisted_only: bool = False  # browsers (session cookie) may run registered operations only
    store_timeout_s: float = 2.0
    mail_backend: Literal["sandbox", "smtp"] = "sandbox"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    mail_from: str = "REC <no-reply@localhost>"
    session_lifetime_s: int = 30 * 24 * 3600
    keep_alive_s: int = 15  # live subscriptions: a WebSocket ping or an SSE comment this often
    # Where people reach us (links in mail); default: the address we listen on.
    public_url_setting: str = ""
    # Buying currency by card: the sandbox processor (development) or Redsys.
    payment_provider: Literal["sandbox", "redsys"] = "sandbox"
    redsys_merchant_code: str = ""
    redsys_terminal: str = "1"
    redsys_secret_key: str = field(default="", repr=False)
    redsys_environment: Literal["test", "production"] = "test"
    topup_check_after_s: int = 120  # a top-up without notification is asked about after this
    sandbox_notify_delay_s: int = 10  # the sandbox's "delayed notification" test card
    # The wallet's map tiles ({z}/{x}/{y}); "" (REC_MAP_TILE_URL=none): no tiles, the
    # markers and the list still show.
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "© OpenStreetMap contributors"
    # "fast" makes argon2id as cheap as it goes, for test suites; refused in production.
    password_hashing: Literal["standard", "fast"] = "standard"
    # Host names that open one currency's wallet at / and /wallet/: (host, CODE) pairs.
    wallet_hosts: tuple[tuple[str, str], ...] = ()
    # When set, /metrics answers only `Authorization: Bearer <token>` (server/metrics.py).
    metrics_token: str = ""
    # Background jobs in this process (`rec serve`); off where `rec worker` processes run them.
    run_jobs: bool = True
    job_lease_s: int = 30  # a dead job holder is replaced after this long

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    @property
    def public_url(self) -> str:
        return self.public_url_setting or f"http://{self.host}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies everywhere but plain-HTTP loopback development."""
        return self.host not in ("127.0.0.1", "localhost", "::1") or self.is_production

    def wallet_host_currency(self, host: str | None) -> str | None:
        """The currency whose wallet this host name opens (REC_WALLET_HOSTS), if any."""
        wanted = (host or "").lower().rstrip(".")
        return next((code for name, code in self.wallet_hosts if name == wanted), None)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "rec.sqlite3"

    @property
    def kyc_dir(self) -> Path:
        """KYC files: outside the databases, under random names, readable by us only."""
        return self.data_dir / "kyc"

    @property
    def photos_dir(self) -> Path:
        """Shops' photos for the map: public, named by their content's SHA-256."""
        return self.data_dir / "photos"

    @property
    def embedded_documents_dir(self) -> Path:
        return self.data_dir / "documents"

    def with_stores(self, *, database_url: str, mongodb_url: str) -> Settings:
        return replace(self, database_url=database_url, mongodb_url=mongodb_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        # An empty variable means "not set", like an absent one.
        env = {k: v for k, v in (os.environ if environ is None else environ).items() if v != ""}
        mode = _choice(env, "REC_MODE", _MODES, "development")
        if mode == "production":
            for name in ("REC_SECRET_KEY", "REC_DATABASE_URL", "REC_MONGODB_URL"):
                if name not in env:
                    raise SettingsError(f"{name} is required in production")
        secret_key = env.get("REC_SECRET_KEY", "")
        if secret_key and len(secret_key) < 32:
            raise SettingsError("REC_SECRET_KEY must be at least 32 characters long")
        database = env.get("REC_MONGODB_DATABASE", cls.mongodb_database)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,63}", database):
            raise SettingsError(
                f"REC_MONGODB_DATABASE must be 1..63 letters, digits, _ or -; got {database!r}"
            )
        mail_backend = _choice(
            env,
            "REC_MAIL_BACKEND",
            ("sandbox", "smtp"),
            "smtp" if mode == "production" else "sandbox",
        )
        if mail_backend == "sandbox" and mode == "production":
            raise SettingsError("REC_MAIL_BACKEND=sandbox sends no mail: not allowed in production")
        if mail_backend == "smtp" and "REC_SMTP_HOST" not in env:
            raise SettingsError("REC_SMTP_HOST is required when REC_MAIL_BACKEND is smtp")
        payment_provider = _choice(
            env,
            "REC_PAYMENT_PROVIDER",
            ("sandbox", "redsys"),
            "redsys" if mode == "production" else "sandbox",
        )
        if payment_provider == "sandbox" and mode == "production":
            raise SettingsError(
                "REC_PAYMENT_PROVIDER=sandbox charges no card: not allowed in production"
            )
        if payment_provider == "redsys":
            missing = [
                name
                for name in ("REC_REDSYS_MERCHANT_CODE", "REC_REDSYS_SECRET_KEY")
                if not env.get(name)
            ]
            if missing:
                raise SettingsError(f"REC_PAYMENT_PROVIDER=redsys needs {', '.join(missing)}")
        public_url = env.get("REC_PUBLIC_URL", "").rstrip("/")
        if public_url and not re.fullmatch(r"https?://[A-Za-z0-9.:\[\]-]+(/[^\s]*)?", public_url):
            raise SettingsError(f"REC_PUBLIC_URL must be an http(s) address; got {public_url!r}")
        if mode == "production" and not public_url.startswith("https://"):
            raise SettingsError("REC_PUBLIC_URL is required in production, as https://...")
        password_hashing = _choice(env, "REC_PASSWORD_HASHING", ("standard", "fast"), "standard")
        if password_hashing == "fast" and mode == "production":
            raise SettingsError(
                "REC_PASSWORD_HASHING=fast makes passwords cheap to guess: not allowed in production"
            )
        settings = cls(
            mode=mode,
            host=env.get("REC_HOST", cls.host),
            port=_int(env, "REC_PORT", cls.port, 1, 65535),
            data_dir=Path(env.get("REC_DATA_DIR", cls.data_dir)).resolve(),
            branding_dir=Path(env.get("REC_BRANDING_DIR", cls.branding_dir)).resolve(),
            database_url=env.get("REC_DATABASE_URL"),
            mongodb_url=env.get("REC_MONGODB_URL"),
            mongodb_database=database,
            secret_key=secret_key,
            default_currency=env.get("REC_DEFAULT_CURRENCY", cls.default_currency).upper(),
            log_level=_choice(env, "REC_LOG_LEVEL", _LOG_LEVELS, "INFO", upper=True),
            log_format=_choice(env, "REC_LOG_FORMAT", ("json", "text"), "json"),
            graphiql=_bool(env, "REC_GRAPHIQL", mode != "production"),
            introspection=_bool(env, "REC_GRAPHQL_INTROSPECTION", mode != "production"),
            rate_limit_per_minute=_int(env, "REC_RATE_LIMIT_PER_MINUTE", 600, 0, 10**6),
            persisted_only=_bool(env, "REC_PERSISTED_QUERIES_ONLY", False),
            store_timeout_s=float(_int(env, "REC_STORE_TIMEOUT_MS", 2000, 100, 60000)) / 1000,
            public_url_setting=public_url,
            mail_backend=mail_backend,
            smtp_host=env.get("REC_SMTP_HOST", ""),
            smtp_port=_int(env, "REC_SMTP_PORT", 587, 1, 65535),
            smtp_username=env.get("REC_SMTP_USERNAME", ""),
            smtp_password=env.get("REC_SMTP_PASSWORD", ""),
            smtp_starttls=_bool(env, "REC_SMTP_STARTTLS", True),
            mail_from=env.get("REC_MAIL_FROM", cls.mail_from),
            session_lifetime_s=_int(
                env, "REC_SESSION_LIFETIME_S", 30 * 24 * 3600, 300, 90 * 24 * 3600
            ),
            keep_alive_s=_int(env, "REC_KEEP_ALIVE_S", 15, 1, 300),
            payment_provider=payment_provider,
            redsys_merchant_code=env.get("REC_REDSYS_MERCHANT_CODE", ""),
            redsys_terminal=env.get("REC_REDSYS_TERMINAL", "1"),
            redsys_secret_key=env.get("REC_REDSYS_SECRET_KEY", ""),
            redsys_environment=_choice(
                env, "REC_REDSYS_ENVIRONMENT", ("test", "production"), "test"
            ),
            topup_check_after_s=_int(env, "REC_TOPUP_CHECK_AFTER_S", 120, 1, 86_400),
            sandbox_notify_delay_s=_int(env, "REC_SANDBOX_NOTIFY_DELAY_S", 10, 0, 3600),
            map_tile_url=_tile_url(env.get("REC_MAP_TILE_URL", cls.map_tile_url)),
            map_attribution=env.get("REC_MAP_ATTRIBUTION", cls.map_attribution)[:200],
            password_hashing=password_hashing,
            wallet_hosts=_wallet_hosts(env.get("REC_WALLET_HOSTS", "")),
            metrics_token=env.get("REC_METRICS_TOKEN", "").strip(),
            run_jobs=_bool(env, "REC_JOBS", True),
            job_lease_s=_int(env, "REC_JOB_LEASE_S", 30, 2, 600),
        )
        if not secret_key:  # development and test only: checked above; written last
            settings = replace(settings, secret_key=_development_secret(settings.data_dir))
        return settings


_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)
_CURRENCY_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}")  # as branding/<code>/theme.toml has it


def _wallet_hosts(value: str) -> tuple[tuple[str, str], ...]:
    """`gra.example.org=GRA,rec.example.org=REC`: each host name with the currency whose
    wallet it opens. Host names without scheme or port; each host once."""
    found: dict[str, str] = {}
    for entry in value.split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, equals, code = (part.strip() for part in entry.partition("="))
        host, code = host.lower().rstrip("."), code.upper()
        if not equals or not _HOST_NAME.fullmatch(host) or not _CURRENCY_CODE.fullmatch(code):
            raise SettingsError(
                "REC_WALLET_HOSTS must be host=CODE pairs separated by commas, "
                f"like gra.example.org=GRA,rec.example.org=REC (no scheme, no port); got {entry!r}"
            )
        if host in found:
            raise SettingsError(f"REC_WALLET_HOSTS names the host {host} twice")
        found[host] = code
    return tuple(found.items())


def _tile_url(value: str) -> str:
    """An http(s) template with {z}, {x} and {y}; `none` for a map without tiles."""
    value = value.strip()
    if value.lower() == "none":
        return ""
    if value and not (
        re.fullmatch(r"https?://\S+", value) and all(f"{{{k}}}" in value for k in "zxy")
    ):
        raise SettingsError(
            "REC_MAP_TILE_URL must be an http(s) address with {z}, {x} and {y}, or none"
        )
    return value


def _choice(
    env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str, upper: bool = False
) -> Any:
    value = env.get(name) or default
    value = value.upper() if upper else value.lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number; got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}; got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false; got {raw!r}")


def _development_secret(data_dir: Path) -> str:
    """A random key kept under data_dir, so development sessions survive restarts."""
    path = data_dir / "development-secret-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
