"""Indexes are built as the models declare them, at every start; one whose declaration
changed (here the events' TTL, added after they were first built) is rebuilt, and the
others are left alone (server/stores/documents.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient

from server import clock
from server.events.models import EVENTS_KEPT
from server.registry import DOCUMENT_MODELS
from server.stores.documents import DocumentStore
from server.stores.embedded import EmbeddedDocumentServer


@pytest.fixture
async def database(document_server: EmbeddedDocumentServer) -> AsyncIterator[str]:
    name = f"rec_test_{uuid.uuid4().hex[:12]}"
    yield name
    client: AsyncMongoClient = AsyncMongoClient(document_server.url)
    await client.drop_database(name)
    await client.close()


async def _opened(url: str, database: str) -> tuple[DocumentStore, list[str]]:
    store = DocumentStore(url, database, DOCUMENT_MODELS)
    dropped = await store.retire_changed_indexes()
    await store.open()
    return store, dropped


async def test_a_second_start_rebuilds_nothing(
    document_server: EmbeddedDocumentServer, database: str
) -> None:
    first, dropped = await _opened(document_server.url, database)
    await first.close()
    assert dropped == []  # nothing was there
    second, dropped = await _opened(document_server.url, database)
    indexes = await second.database["events"].index_information()
    await second.close()
    assert dropped == []
    assert indexes["created_at_1"]["expireAfterSeconds"] == EVENTS_KEPT.total_seconds()


async def test_the_events_index_built_before_its_ttl_is_rebuilt_with_it(
    document_server: EmbeddedDocumentServer, database: str
) -> None:
    client: AsyncMongoClient = AsyncMongoClient(document_server.url)
    events = client[database]["events"]
    await events.insert_one(
        {"type": "wallet.payment", "account_ids": [1], "data": {}, "created_at": clock.now()}
    )
    await events.create_index([("created_at", 1)])  # as the earlier versions built it
    await events.create_index([("account_ids", 1), ("_id", 1)])
    await client.close()

    store, dropped = await _opened(document_server.url, database)
    indexes = await store.database["events"].index_information()
    kept = await store.database["events"].count_documents({})
    await store.close()
    assert dropped == ["events.created_at_1"]  # the other index stays as it was
    assert indexes["created_at_1"]["expireAfterSeconds"] == EVENTS_KEPT.total_seconds()
    assert "account_ids_1__id_1" in indexes
    assert kept == 1
