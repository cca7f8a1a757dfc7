"""/readyz tells a load balancer the truth while a store is unreachable."""

import asyncio
import time
import uuid
from pathlib import Path

import httpx

from server.stores.embedded import EmbeddedDocumentServer
from tests.conftest import POSTGRES_URL, RELATIONAL_BACKENDS, served, server_settings


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
    settings = server_settings(tmp_path, f"sqlite://{tmp_path / 'rec.sqlite3'}", documents.url)
    try:
        with served(settings, REC_STORE_TIMEOUT_MS="500") as server:
            assert _readyz(server.url).status_code == 200

            port = documents.port
            documents.stop()
            down = _eventually(server.url, 503)
            assert down.status_code == 503
            assert down.json() == {
                "status": "unavailable",
                "stores": {"relational": "up", "documents": "down"},
            }
            assert httpx.get(server.url + "/healthz").status_code == 200  # alive, not ready

            documents.start(port=port)
            assert _eventually(server.url, 200).json()["status"] == "ready"
    finally:
        documents.stop()


# SQLite is a file the process holds open: only a server can be taken away, so this test
# exists where a PostgreSQL server is given (CI always gives one).
if "postgres" in RELATIONAL_BACKENDS:

    async def test_readyz_is_503_while_postgresql_refuses_connections(
        tmp_path: Path, document_server: EmbeddedDocumentServer
    ) -> None:
        import asyncpg

        name = f"rec_ready_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(POSTGRES_URL)
        await admin.execute(f'CREATE DATABASE "{name}"')
        database_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        settings = server_settings(tmp_path, database_url, document_server.url)
        try:
            with served(settings, REC_STORE_TIMEOUT_MS="500") as server:
                assert _readyz(server.url).status_code == 200
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    name,
                )
                down = await asyncio.to_thread(_eventually, server.url, 503)
                assert down.status_code == 503, down.text
                assert down.json()["stores"] == {"relational": "down", "documents": "up"}

                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                ready = await asyncio.to_thread(_eventually, server.url, 200)
                assert ready.json()["status"] == "ready"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
