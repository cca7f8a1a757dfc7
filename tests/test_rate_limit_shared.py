"""Rate limits held in the document store, so that every app process shares one allowance
per caller: the limiter on the real stores, takes racing from two limiters as two
processes would, the schema run in-process as the UIs run it, a store that fails, and two
served app processes behind one caller over HTTP, WebSocket and server-sent events."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from schema.context import build_context
from schema.schema import build_schema
from server import clock
from server.branding import load_all
from server.rate_limit import RateLimit, RateLimiter, _micros
from server.runtime import Runtime
from server.settings import Settings
from server.stores.embedded import EmbeddedDocumentServer, free_port
from tests.conftest import served, server_settings
from tests.helpers.live import next_message, subscription

QUERY = "{ currencies { code } }"


async def test_a_caller_has_its_burst_at_once_then_one_every_interval(stores: Settings) -> None:
    limiter = RateLimiter(per_minute=40, burst=10)  # one every 1.5 s
    now = clock.now()
    assert [await limiter.take("user:1", now) for _ in range(10)] == [0.0] * 10
    wait_s = await limiter.take("user:1", now)
    assert wait_s == pytest.approx(1.5)
    assert await limiter.take("user:1", now + timedelta(seconds=1)) == pytest.approx(0.5)
    # Callers are independent: another one still has its whole burst.
    assert [await limiter.take("address:203.0.113.9", now) for _ in range(10)] == [0.0] * 10
    assert await limiter.take("address:203.0.113.9", now) > 0
    # Once the wait is over, one more; then the next wait.
    later = now + timedelta(seconds=wait_s)
    assert await limiter.take("user:1", later) == 0.0
    assert await limiter.take("user:1", later) == pytest.approx(1.5)
    # A caller idle for the whole burst's time has it all again.
    rested = later + timedelta(seconds=15)
    assert [await limiter.take("user:1", rested) for _ in range(10)] == [0.0] * 10
    assert await limiter.take("user:1", rested) > 0
    # One document per caller; the TTL may remove it once its allowance is whole, not before.
    held = await RateLimit.get("user:1")
    assert held is not None and held.tat == _micros(rested) + 10 * 1_500_000
    assert held.expires_at >= rested + timedelta(seconds=15)
    assert await RateLimit.count() == 2


async def test_takes_racing_from_two_processes_allow_the_burst_and_no_more(
    stores: Settings,
) -> None:
    # Two limiters, as two app processes hold, share nothing but the store.
    first, second = RateLimiter(per_minute=1, burst=10), RateLimiter(per_minute=1, burst=10)
    waits = await asyncio.gather(
        *(limiter.take("key:7") for limiter in [first, second] * 25)  # 50 at once
    )
    allowed = [wait for wait in waits if wait == 0]
    assert len(allowed) == 10, waits
    assert all(0 < wait <= 60 for wait in waits if wait), waits
    # Neither fell back to its own memory: the store answered every take.
    assert first.local._buckets == {} and second.local._buckets == {}


async def test_the_schema_run_in_process_takes_turns_for_queries_and_subscriptions(
    stores: Settings,
) -> None:
    """The UIs run their operations through the schema in-process; WebSocket and
    server-sent events subscribe through the same `schema.subscribe`."""
    brandings = {branding.code: branding for branding in load_all(stores.branding_dir)}
    limited = dataclasses.replace(stores, rate_limit_per_minute=4)  # burst 10, then 1 in 15 s
    runtime = Runtime(settings=limited, brandings=brandings, schema=build_schema())
    scope = {"type": "http", "headers": [], "client": ("198.51.100.4", 1)}
    for _ in range(10):
        context = await build_context(runtime, scope)
        done = await runtime.schema.execute(QUERY, context_value=context)
        assert done.errors is None, done.errors
    refused = await runtime.schema.execute(QUERY, context_value=await build_context(runtime, scope))
    assert refused.data is None and refused.errors
    assert refused.errors[0].extensions == {
        "code": "RATE_LIMITED",
        "retryAfter": 15,
    }
    stream = await runtime.schema.subscribe(
        "subscription { viewerEvents { type } }", context_value=await build_context(runtime, scope)
    )
    assert hasattr(stream, "__aiter__")
    first = await anext(stream)
    await stream.aclose()
    assert first.errors and first.errors[0].extensions["code"] == "RATE_LIMITED"


async def test_a_store_that_fails_lets_requests_through_under_each_process_limit(
    stores: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RateLimiter(per_minute=4, burst=10)
    admin = RateLimit.get_pymongo_collection().database.client.admin
    failing = {"failCommands": ["find", "insert", "update"], "errorCode": 8}  # UnknownError
    await admin.command({"configureFailPoint": "failCommand", "mode": "alwaysOn", "data": failing})
    try:
        with caplog.at_level(logging.WARNING, logger="rec.rate_limit"):
            waits = [await limiter.take("user:5") for _ in range(12)]
    finally:
        await admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    # Each process's own bucket holds the same limit meanwhile.
    assert waits[:10] == [0.0] * 10 and all(wait > 0 for wait in waits[10:])
    warnings = [r for r in caplog.records if r.name == "rec.rate_limit"]
    assert len(warnings) == 1 and "did not answer" in warnings[0].getMessage()
    # Once the store answers, the shared limit is back, starting whole.
    assert await limiter.take("user:5") == 0.0
    assert await RateLimit.get("user:5") is not None


def _post(url: str, query: str = QUERY) -> dict[str, Any]:
    response = httpx.post(url + "/graphql", json={"query": query}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_two_app_processes_share_one_allowance_per_caller(
    document_server: EmbeddedDocumentServer, tmp_path: Path
) -> None:
    settings = server_settings(
        tmp_path, f"sqlite://{tmp_path / 'rec.sqlite3'}", document_server.url
    )
    other = dataclasses.replace(settings, port=free_port())  # same stores, another port
    limit = {"REC_RATE_LIMIT_PER_MINUTE": "4"}  # bursts of 10, then one every 15 s
    try:
        with (
            served(settings, **limit) as first,
            served(other, migrate=False, **limit) as second,
        ):
            urls = [first.url, second.url]
            # One anonymous caller (one address), its requests alternating between them.
            answers = [_post(urls[n % 2]) for n in range(16)]
            subscribed = _subscribe(second.url)
            streamed = httpx.post(
                first.url + "/graphql/stream",
                json={"query": "subscription { viewerEvents { type } }"},
                headers={"accept": "text/event-stream"},
                timeout=10,
            )
    finally:
        client: MongoClient = MongoClient(document_server.url)
        client.drop_database(settings.mongodb_database)
        client.close()
    allowed = [answer for answer in answers if "errors" not in answer]
    assert len(allowed) == 10, answers  # one process alone would have allowed 16
    assert answers[:10] == allowed
    for answer in answers[10:]:
        assert answer.get("data") is None
        error = answer["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert 1 <= error["extensions"]["retryAfter"] <= 15
        assert error["message"] == (
            f"too many requests: try again in {error['extensions']['retryAfter']} s"
        )
    assert subscribed["extensions"]["code"] == "RATE_LIMITED"
    assert streamed.status_code == 429, streamed.text
    assert streamed.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= int(streamed.headers["retry-after"]) <= 15


def _subscribe(url: str) -> dict[str, Any]:
    """The first error of an anonymous WebSocket subscription."""
    with subscription(url, "subscription { viewerEvents { type } }") as socket:
        message = next_message(socket)
    assert message["type"] in ("error", "next"), message
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload["errors"]
    return dict(errors[0])
