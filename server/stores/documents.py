"""The document store (Beanie on MongoDB): wallets and everything money touches.

Talks to any MongoDB-wire-compatible server: the embedded one in development and tests,
a MongoDB replica set in production. Nothing here knows which.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.monitoring import CommandListener


class DocumentStore:
    def __init__(
        self,
        url: str,
        database: str,
        models: Sequence[type[Document]],
        timeout_s: float = 2.0,
        command_listeners: Sequence[CommandListener] = (),
    ) -> None:
        """`command_listeners` see every command this client sends (tests count them)."""
        self.database_name = database
        self._models = list(models)
        self._timeout_s = timeout_s
        self.client: AsyncMongoClient = AsyncMongoClient(
            url,
            tz_aware=True,
            serverSelectionTimeoutMS=int(timeout_s * 1000),
            connectTimeoutMS=int(timeout_s * 1000),
            uuidRepresentation="standard",
            event_listeners=list(command_listeners),
        )

    @property
    def database(self):  # type: ignore[no-untyped-def]
        return self.client[self.database_name]

    async def open(self) -> None:
        await init_beanie(database=self.database, document_models=self._models)

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self.client.admin.command("ping")
            return True
        except Exception:  # any failure means "not ready"
            return False

    async def close(self) -> None:
        await self.client.close()
