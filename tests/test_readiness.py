"""/readyz tells a load balancer the truth while a store is unreachable."""

import asyncio
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from server.settings import Settings
from server.stores.embedded import EmbeddedDocumentServer, free_port
from tests.conftest import BIN, POSTGRES_URL, RELATIONAL_BACKENDS, rec_env, run_rec, wait_for_http


def _readyz(url: str) -> httpx.Response:
    return httpx.get(url + "/readyz", timeout=15)


def _eventually(url: str, status: int, timeout_s: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        response = _readyz(url)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_readyz_is_503_while_the_document_server_is_down_and_recovers(tmp_path: Path) -> None:
    documents = EmbeddedDocumentServer(tmp_path / "documents", tmp_path / "documents.log")
    documents.start()
    settings = Settings(
        mode="test",
        port=free_port(),
        data_dir=tmp_path / "var",
        database_url=f"sqlite://{tmp_path / 'rec.sqlite3'}",
        mongodb_url=documents.url,
        mongodb_database=f"rec_{uuid.uuid4().hex[:8]}",
        secret_key="readiness-secret-key-long-enough-12345",
    )
    env = rec_env(settings, REC_STORE_TIMEOUT_MS="500")
    assert run_rec("migrate", env=env).returncode == 0
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen(
            [str(BIN / "rec"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{settings.port}"
    try:
        wait_for_http(url + "/healthz", server)
        assert _readyz(url).status_code == 200

        port = documents.port
        documents.stop()
        down = _eventually(url, 503)
        assert down.status_code == 503
        assert down.json() == {
            "status": "unavailable",
            "stores": {"relational": "up", "documents": "down"},
        }
        assert httpx.get(url + "/healthz").status_code == 200  # alive, only not ready

        documents.start(port=port)
        assert _eventually(url, 200).json()["status"] == "ready"
    finally:
        server.terminate()
        server.wait(timeout=20)
        documents.stop()


@pytest.mark.parametrize("backend", [b for b in RELATIONAL_BACKENDS if b == "postgres"])
async def test_readyz_is_503_while_postgresql_refuses_connections(
    backend: str, tmp_path: Path, document_server: EmbeddedDocumentServer
) -> None:
    """SQLite is a file the process holds open, so only a server can be taken away."""
    import asyncpg

    name = f"rec_ready_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    settings = Settings(
        mode="test",
        port=free_port(),
        data_dir=tmp_path / "var",
        database_url=POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}",
        mongodb_url=document_server.url,
        mongodb_database=name,
        secret_key="readiness-secret-key-long-enough-12345",
    )
    env = rec_env(settings, REC_STORE_TIMEOUT_MS="500")
    assert run_rec("migrate", env=env).returncode == 0
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen(
            [str(BIN / "rec"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{settings.port}"
    try:
        await asyncio.to_thread(wait_for_http, url + "/healthz", server)
        assert _readyz(url).status_code == 200
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        down = await asyncio.to_thread(_eventually, url, 503)
        assert down.status_code == 503, down.text
        assert down.json()["stores"] == {"relational": "down", "documents": "up"}

        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert (await asyncio.to_thread(_eventually, url, 200)).json()["status"] == "ready"
    finally:
        server.terminate()
        server.wait(timeout=20)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
