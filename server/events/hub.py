"""Fan-out in one process: one change stream on `events`, many bounded subscriber queues."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import PyMongoError

from server.events.models import Event

log = logging.getLogger("rec.events")
QUEUE_LENGTH_MAX = 256  # a subscriber this far behind is dropped, not allowed to grow memory
RETRY_DELAY_S_MAX = 5.0


async def publish(type: str, account_ids: list[int], data: dict[str, Any]) -> Event:
    return await Event(type=type, account_ids=sorted(set(account_ids)), data=data).insert()


@dataclass(eq=False)
class _Subscriber:
    account_ids: frozenset[int]
    queue: asyncio.Queue[Event | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LENGTH_MAX)
    )


class EventHub:
    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Event()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._tail(), name="events-tail")
        await asyncio.wait_for(self._started.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for subscriber in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                subscriber.queue.put_nowait(None)

    async def _tail(self) -> None:
        collection = Event.get_pymongo_collection()
        resume_token = None
        delay_s = 0.1
        while True:
            try:
                pipeline = [{"$match": {"operationType": "insert"}}]
                async with await collection.watch(pipeline, resume_after=resume_token) as stream:
                    self._started.set()
                    delay_s = 0.1
                    async for change in stream:
                        resume_token = stream.resume_token
                        self._dispatch(Event.model_validate(change["fullDocument"]))
            except asyncio.CancelledError:
                raise
            except PyMongoError as error:  # the store went away: keep trying, resume after
                log.warning("event stream interrupted: %s", error)
                self._started.set()
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, RETRY_DELAY_S_MAX)

    def _dispatch(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.account_ids.isdisjoint(event.account_ids):
                continue
            try:
                subscriber.queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("dropping a subscriber %d events behind", QUEUE_LENGTH_MAX)
                self._subscribers.discard(subscriber)
                subscriber.queue = asyncio.Queue(1)
                subscriber.queue.put_nowait(None)

    async def subscribe(self, account_ids: set[int]) -> AsyncIterator[Event]:
        """Events for those accounts, from now on, until the caller stops iterating."""
        subscriber = _Subscriber(frozenset(account_ids))
        self._subscribers.add(subscriber)
        try:
            while True:
                event = await subscriber.queue.get()
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.discard(subscriber)
