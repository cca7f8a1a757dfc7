"""The document store (Beanie on MongoDB): wallets and everything money touches.

Talks to any MongoDB-wire-compatible server: the embedded one in development and tests,
a MongoDB replica set in production. Nothing here knows which.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from beanie import Document, init_beanie
from beanie.odm.utils.typing import get_index_attributes
from pymongo import AsyncMongoClient, IndexModel
from pymongo.errors import OperationFailure
from pymongo.monitoring import CommandListener

log = logging.getLogger("rec.documents")
INDEX_NOT_FOUND = 27
# What an index is, beyond its keys: a change to one of these makes it another index.
INDEX_OPTIONS = ("unique", "sparse", "expireAfterSeconds", "partialFilterExpression")


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
        await self.retire_changed_indexes()
        await init_beanie(database=self.database, document_models=self._models)

    async def retire_changed_indexes(self) -> list[str]:
        """Drops each index whose declaration changed since it was built (the same keys,
        another name or other options, such as a TTL added), for Beanie to build it as now
        declared: it would otherwise stop the start with IndexOptionsConflict. Answers
        `collection.index` of each one dropped; an unchanged index is never touched."""
        dropped: list[str] = []
        present = set(await self.database.list_collection_names())
        for model in self._models:
            name = collection_of(model)
            if name not in present:
                continue
            collection = self.database[name]
            declared = declared_indexes(model)
            for index_name, built in (await collection.index_information()).items():
                keys = _keys(built["key"])
                for wanted in declared:
                    if _keys(wanted["key"]) != keys:
                        continue
                    if index_name == wanted["name"] and _options(built) == _options(wanted):
                        continue
                    try:
                        await collection.drop_index(index_name)
                    except OperationFailure as error:  # another process dropped it first
                        if error.code != INDEX_NOT_FOUND:
                            raise
                    log.info("index %s.%s changed: rebuilt as declared", name, index_name)
                    dropped.append(f"{name}.{index_name}")
        return dropped

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self.client.admin.command("ping")
            return True
        except Exception:  # any failure means "not ready"
            return False

    async def close(self) -> None:
        await self.client.close()


def collection_of(model: type[Document]) -> str:
    """The collection's name, as Beanie gives it: `Settings.name`, else the class name."""
    settings = getattr(model, "Settings", None)
    return getattr(settings, "name", None) or model.__name__


def declared_indexes(model: type[Document]) -> list[dict[str, Any]]:
    """The index documents (`key`, `name` and options) the model declares, as Beanie builds
    them: `Settings.indexes` and fields typed with `Indexed`."""
    found: list[IndexModel] = []
    for name, field in model.model_fields.items():
        attributes = get_index_attributes(field)
        if attributes is not None:
            direction, options = attributes
            found.append(IndexModel([(field.alias or name, direction)], **options))
    settings = getattr(model, "Settings", None)
    for index in getattr(settings, "indexes", None) or []:
        found.append(index if isinstance(index, IndexModel) else IndexModel(index))
    return [index.document for index in found]


def _keys(key: Any) -> list[tuple[str, Any]]:
    pairs = key.items() if hasattr(key, "items") else key
    return [(field, int(d) if isinstance(d, (int, float)) else d) for field, d in pairs]


def _options(index: dict[str, Any]) -> dict[str, Any]:
    """The options that make an index what it is, without defaults (unique: False...)."""
    found = {}
    for option in INDEX_OPTIONS:
        value = index.get(option)
        if value is None or value is False:
            continue
        found[option] = int(value) if option == "expireAfterSeconds" else value
    return found
