"""Every write to a collection that docs/scaling.md recommends sharding names that shard key
in its filter, so that on a sharded cluster it goes to one shard (and a transaction that
makes it involves only that shard) instead of to all of them.

The shard keys are read from the doc's summary table, the one place they are written: a
key changed there is checked here. The flows are the ones that write those collections:
payments, issuance and refunds (wallets, journal, events, idempotency); payment orders
created, paid, refused for a wrong PIN, refunded, canceled and expired; webhook deliveries
enqueued, attempted and redelivered, to a real receiver on 127.0.0.1. Every update,
findAndModify and delete the document client sends on those collections is seen through
PyMongo's command monitoring, on the real embedded document server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pymongo import monitoring

from server import clock
from server.accounts import services as accounts
from server.currencies.models import Currency
from server.ledger import services as ledger
from server.pos import services as pos
from server.pos.models import PaymentOrder
from server.registry import DOCUMENT_MODELS
from server.settings import Settings
from server.stores.documents import DocumentStore
from server.webhooks import delivery
from server.webhooks import services as webhooks
from server.webhooks.models import WebhookDelivery
from tests.helpers.receiver import receiving
from tests.test_ledger import PIN, _fund, _person, key
from tests.test_pos import _order, _shop
from tests.test_scaling_doc import doc_lines

SUMMARY_HEAD = "| collection | grows with | shard key (recommended) |"
ROW = re.compile(r"^\| `(\w+)` \| [^|]* \| `\{([^}]*)\}` \|$")
FILTER_OF = {"update": ("updates", "q"), "delete": ("deletes", "q")}


def recommended_shard_keys() -> dict[str, list[str]]:
    """The summary table of docs/scaling.md: collection -> the fields of its shard key."""
    lines = doc_lines()
    start = lines.index(SUMMARY_HEAD)
    keys = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        found = ROW.match(line)
        if found:  # rows that recommend no key ("none", "every other collection") are left
            keys[found[1]] = [part.split(":")[0].strip() for part in found[2].split(",")]
    return keys


class Writes(monitoring.CommandListener):
    """Each write's collection and filter, on the test's database; and the collections
    inserted into (an insert carries the whole document, shard key included)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.seen: list[tuple[str, str, dict[str, Any]]] = []
        self.inserted: set[str] = set()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database:
            return
        name, command = event.command_name, event.command
        if name == "insert":
            self.inserted.add(command[name])
        elif name == "findAndModify":
            self.seen.append((name, command[name], dict(command.get("query", {}))))
        elif name in FILTER_OF:
            statements, field = FILTER_OF[name]
            for statement in command.get(statements, []):
                self.seen.append((name, command[name], dict(statement[field])))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def writes(stores: Settings) -> AsyncIterator[Writes]:
    """The document models talk through a client whose writes are seen."""
    assert stores.mongodb_url
    listener = Writes(stores.mongodb_database)
    documents = DocumentStore(
        stores.mongodb_url, stores.mongodb_database, DOCUMENT_MODELS, command_listeners=[listener]
    )
    await documents.open()
    try:
        yield listener
    finally:
        await documents.close()


def test_the_doc_recommends_the_keys_this_test_checks() -> None:
    keys = recommended_shard_keys()
    assert keys["wallets"] == ["account_id"]
    assert keys["payment_orders"] == ["account_id", "_id"]
    assert keys["webhook_deliveries"] == ["endpoint_id", "event_id"]
    assert {"journal", "events", "idempotency"} <= set(keys)


async def test_every_write_to_a_sharded_collection_names_its_shard_key(
    stores: Settings, writes: Writes
) -> None:
    rec = await Currency.get(code="REC")
    anna, anna_account = await _person("Anna")
    bernat, bernat_account = await _person("Bernat")
    shop = await _shop()
    await _fund(anna_account, 100_00)  # issuance: the issuer's wallet, a new wallet
    paid = await ledger.pay(anna, anna_account, bernat_account, rec, 5_00, "", PIN, key())
    await ledger.pay(anna, anna_account, bernat_account, rec, 1_00, "", PIN, key())  # existing
    await ledger.refund(None, paid["entry_id"], 2_00, "changed my mind", key())
    with receiving() as receiver:
        await webhooks.add_endpoint(
            shop, receiver.url, list(webhooks.EVENT_TYPES), stores.secret_key, development=True
        )
        order = await _order(shop)
        with pytest.raises(accounts.AccountsError):
            await pos.pay_order(order, anna, anna_account, "9999", key())  # a wrong PIN
        await pos.pay_order(order, anna, anna_account, PIN, key())
        paid_order = await PaymentOrder.get(order.id)
        assert paid_order is not None
        await pos.refund_order(paid_order, 1_00, "one croissant less", key(), None)
        await pos.cancel_order(await _order(shop))
        late = await _order(shop)
        await PaymentOrder.get_pymongo_collection().update_one(
            {"account_id": late.account_id, "_id": late.id},
            {"$set": {"expires_at": clock.now() - timedelta(seconds=1)}},
        )
        assert await pos.expire_due_orders() == 1
        assert await delivery.enqueue_new_events() > 0
        await delivery.deliver_due(stores.secret_key)
        sent = await WebhookDelivery.find_one(WebhookDelivery.endpoint_id > 0)
        assert sent is not None
        await delivery.redeliver(sent)
        await delivery.deliver_due(stores.secret_key)
        assert receiver.received
    keys = recommended_shard_keys()
    touched = {collection for _, collection, _ in writes.seen} | writes.inserted
    # The flows above write every sharded collection, or this test proves less than it says.
    assert set(keys) <= touched, set(keys) - touched
    updated = {collection for _, collection, _ in writes.seen}
    assert {"wallets", "payment_orders", "webhook_deliveries", "journal"} <= updated, updated
    lacking = [
        (name, collection, sorted(query))
        for name, collection, query in writes.seen
        if collection in keys and not all(field in query for field in keys[collection])
    ]
    assert lacking == [], lacking
