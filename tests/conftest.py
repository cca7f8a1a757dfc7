"""Real parts only: SQLite and PostgreSQL, the embedded document server as its own
process, the app served by uvicorn on 127.0.0.1, and Debian's Chromium."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from server.accounts import passwords
from server.settings import PROJECT_ROOT, Settings
from server.stores.embedded import EmbeddedDocumentServer, free_port
from tests.helpers.browser import browser, page  # noqa: E402,F401  (fixtures)

POSTGRES_URL = os.environ.get("REC_TEST_POSTGRES_URL", "")
# SQLite always; PostgreSQL too when a server is given (CI sets it).
RELATIONAL_BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
BIN = Path(sys.executable).parent
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-1234"
# argon2id at its smallest cost in the tests, here and in every `rec` they start
# (REC_PASSWORD_HASHING=fast): at full cost each sign-in, PIN and registration takes a
# quarter of a second of both CPUs, minutes over the suite.
passwords.configure("fast")


# The slowest test files, known by what they start, run first: pytest-xdist deals whole
# files to its workers in collection order (--dist loadfile), so long files left to the end
# keep one worker busy while the other waits. Longest first packs the two evenly.
SLOW_FIRST = ("test_ledger_properties.py", "test_graphql_fuzz.py")


def _weight(item: pytest.Item) -> int:
    if item.path.name in SLOW_FIRST or item.get_closest_marker("e2e"):
        return 3
    if item.get_closest_marker("browser"):
        return 2
    return 1 if "live_server" in getattr(item, "fixturenames", ()) else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    weights: dict[Path, int] = {}
    for item in items:
        weights[item.path] = max(weights.get(item.path, 0), _weight(item))
    first_seen = {path: index for index, path in enumerate(dict.fromkeys(i.path for i in items))}
    items.sort(key=lambda item: (-weights[item.path], first_seen[item.path]))


@pytest.fixture(scope="session")
def document_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedDocumentServer]:
    folder = tmp_path_factory.mktemp("documents")
    # Test commands on: the fault tests arm fail points (configureFailPoint), as on mongod.
    server = EmbeddedDocumentServer(folder / "data", folder / "documents.log", test_commands=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mongodb_database(document_server: EmbeddedDocumentServer) -> Iterator[str]:
    """A fresh database name on the shared document server, dropped afterwards."""
    name = f"rec_test_{uuid.uuid4().hex[:12]}"
    yield name
    client: MongoClient = MongoClient(document_server.url)
    client.drop_database(name)
    client.close()


@pytest.fixture(params=RELATIONAL_BACKENDS)
async def relational_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'rec.sqlite3'}"
        return
    import asyncpg

    name = f"rec_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def settings(
    relational_url: str,
    document_server: EmbeddedDocumentServer,
    mongodb_database: str,
    tmp_path: Path,
) -> Settings:
    return Settings(
        mode="test",
        data_dir=tmp_path / "var",
        database_url=relational_url,
        mongodb_url=document_server.url,
        mongodb_database=mongodb_database,
        secret_key=TEST_SECRET_KEY,
        graphiql=True,
    )


@pytest.fixture(scope="session")
def prepared_relational(
    tmp_path_factory: pytest.TempPathFactory, document_server: EmbeddedDocumentServer
) -> Iterator[dict[str, str]]:
    """Per test process, a relational store of each backend already migrated and with the
    currencies of branding/ installed: `stores` copies it (a SQLite file copied, a
    PostgreSQL database made from it as a template) instead of migrating again for each
    test, which took about a second each."""
    from server.cli import _prepare

    folder = tmp_path_factory.mktemp("prepared")
    templates = {"sqlite": f"sqlite://{folder / 'template.sqlite3'}"}
    name = f"rec_template_{uuid.uuid4().hex[:12]}"
    if POSTGRES_URL:
        asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))
        templates["postgres"] = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    for url in templates.values():
        scratch = f"rec_template_{uuid.uuid4().hex[:12]}"
        settings = Settings(
            mode="test",
            data_dir=folder / "var",
            database_url=url,
            mongodb_url=document_server.url,
            mongodb_database=scratch,
            secret_key=TEST_SECRET_KEY,
        )
        asyncio.run(_prepare(settings))
        client: MongoClient = MongoClient(document_server.url)
        client.drop_database(scratch)
        client.close()
    yield templates
    if POSTGRES_URL:
        asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _postgres(*statements: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture
async def stores(
    settings: Settings, prepared_relational: dict[str, str]
) -> AsyncIterator[Settings]:
    """Both stores migrated and open, with the currencies of branding/ installed: the
    relational store a copy of the prepared one, then prepared again (a no-op there, and
    the currencies' issuer wallets in this test's fresh document database)."""
    from server.cli import _open_stores, _prepare

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database_url or ""
    if url.startswith("sqlite://"):
        shutil.copyfile(prepared_relational["sqlite"].removeprefix("sqlite://"), url[9:])
    else:
        template = prepared_relational["postgres"].rsplit("/", 1)[1]
        name = url.rsplit("/", 1)[1]
        await _postgres(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{template}"',
        )
    await _prepare(settings)
    async with _open_stores(settings):
        yield settings


def rec_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points the `rec` command at these settings' stores."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REC_")}
    env.update(
        REC_MODE=settings.mode,
        REC_DATA_DIR=str(settings.data_dir),
        REC_DATABASE_URL=settings.database_url or "",
        REC_MONGODB_URL=settings.mongodb_url or "",
        REC_MONGODB_DATABASE=settings.mongodb_database,
        REC_SECRET_KEY=settings.secret_key,
        REC_PORT=str(settings.port),
        REC_LOG_LEVEL="INFO",
        # Test clients share one address and fire fast; tests/test_limits.py sets its own.
        REC_RATE_LIMIT_PER_MINUTE="1000000",
        # No map tiles: a test's browser never leaves this machine.
        REC_MAP_TILE_URL="none",
        REC_PASSWORD_HASHING="fast",
    )
    env.update(extra)
    return env


def run_rec(
    *args: str, env: dict[str, str], timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "rec"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=PROJECT_ROOT,
    )


class LiveServer:
    def __init__(
        self, url: str, process: subprocess.Popen[str], log_path: Path, settings: Settings
    ) -> None:
        self.url = url
        self.process = process
        self.log_path = log_path
        self.settings = settings  # where its stores are, for tests that look inside them
        self.data_dir = settings.data_dir

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for_http(url: str, process: subprocess.Popen[str] | None, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def server_settings(folder: Path, database_url: str, mongodb_url: str) -> Settings:
    """Settings for a served app with its own port, data folder and document database."""
    return Settings(
        mode="development",
        port=free_port(),
        data_dir=folder / "var",
        database_url=database_url,
        mongodb_url=mongodb_url,
        mongodb_database=f"rec_{uuid.uuid4().hex[:12]}",
        secret_key="served-app-secret-key-long-enough-1234",
    )


@contextmanager
def served(
    settings: Settings, *setup: str, migrate: bool = True, **env_extra: str
) -> Iterator[LiveServer]:
    """Runs `rec <setup>` commands, then `rec serve` until the block ends, as an operator would."""
    env = rec_env(settings, **env_extra)
    for command in ("migrate", *setup) if migrate else setup:
        done = run_rec(command, env=env)
        assert done.returncode == 0, done.stderr
    log_path = settings.data_dir.parent / f"server-{settings.port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "rec"), "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=PROJECT_ROOT,
        )
    url = f"http://127.0.0.1:{settings.port}"
    try:
        wait_for_http(url + "/healthz", process)
        yield LiveServer(url, process, log_path, settings)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def demo_template(
    document_server: EmbeddedDocumentServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Per test process, the stores after `rec migrate` and `rec demo`, run once: each
    `live_server` starts from a copy of them (about 8 seconds saved per test file)."""
    folder = tmp_path_factory.mktemp("demo-template")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    env = rec_env(settings)
    for command in ("migrate", "demo"):
        done = run_rec(command, env=env)
        assert done.returncode == 0, done.stderr
    yield settings
    client: MongoClient = MongoClient(document_server.url)
    client.drop_database(settings.mongodb_database)
    client.close()


def _copy_stores(template: Settings, settings: Settings) -> None:
    """The template's SQLite file, data folder and document database, under new names."""
    assert template.database_url and settings.database_url
    shutil.copyfile(
        template.database_url.removeprefix("sqlite://"),
        settings.database_url.removeprefix("sqlite://"),
    )
    shutil.copytree(template.data_dir, settings.data_dir)
    client: MongoClient = MongoClient(template.mongodb_url)
    source, target = client[template.mongodb_database], client[settings.mongodb_database]
    for described in source.list_collections():
        name = described["name"]
        if name.startswith("system."):
            continue
        target.create_collection(name, **described.get("options", {}))
        for index in source[name].list_indexes():
            if index["name"] != "_id_":
                keys = list(index["key"].items())
                extra = {k: v for k, v in index.items() if k not in ("key", "v", "ns")}
                target[name].create_index(keys, **extra)
        documents = list(source[name].find())
        if documents:
            target[name].insert_many(documents)
    client.close()


@pytest.fixture(scope="module")
def live_server(
    demo_template: Settings,
    document_server: EmbeddedDocumentServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """The app with demo data (a fresh copy), shared by a module's tests."""
    folder = tmp_path_factory.mktemp("live")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    _copy_stores(demo_template, settings)
    with served(settings, migrate=False) as server:
        yield server
    client: MongoClient = MongoClient(document_server.url)
    client.drop_database(settings.mongodb_database)
    client.close()


def chromium_path() -> str:
    path = os.environ.get("REC_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        raise RuntimeError(f"Chromium not found at {path}: run `make test`, which installs it")
    return path
