"""Fan-out in one process: one change stream on `events`, many bounded subscriber queues.

A subscriber may resume from an event cursor (the id of the last event it saw): it starts
listening first, then reads the stored events after the cursor, so nothing committed in
between is missed, and an event both stored and heard live is handed over once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import PyMongoError

from server import clock
from server.events.models import Event

log = logging.getLogger("rec.events")
QUEUE_LENGTH_MAX = 256  # a subscriber this far behind is dropped, not allowed to grow memory
RETRY_DELAY_S_MAX = 5.0
REPLAY_DAYS = 30  # as far back as a cursor reaches, like the event log
REPLAY_EVENTS_MAX = 1000  # events after a cursor; beyond, the subscriber reads state afresh


class CursorExpired(Exception):
    """The cursor is older than the replay window, or too many events followed it."""


async def publish(type: str, account_ids: list[int], data: dict[str, Any]) -> Event:
    return await Event(type=type, account_ids=sorted(set(account_ids)), data=data).insert()


@dataclass(eq=False)
class _Subscriber:
    account_ids: frozenset[int]
    queue: asyncio.Queue[Event | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LENGTH_MAX)
    )


def _end(subscriber: _Subscriber) -> None:
    """Its iteration ends after what it has already received; a full queue (its reader
    is not waiting) is replaced, dropping what it held."""
    try:
        subscriber.queue.put_nowait(None)
    except asyncio.QueueFull:
        subscriber.queue = asyncio.Queue(1)
        subscriber.queue.put_nowait(None)


class Listening:
    """A registered subscriber: stored events after a cursor, then live ones, each once."""

    def __init__(self, subscriber: _Subscriber) -> None:
        self._subscriber = subscriber
        self._backlog: deque[Event] = deque()
        self._replayed: set[Any] = set()

    async def replay(self, after: ObjectId) -> int:
        """Reads the stored events after the cursor for these accounts, to be handed out
        first, oldest first; returns how many. Raises CursorExpired beyond REPLAY_DAYS or
        REPLAY_EVENTS_MAX."""
        since = clock.now() - timedelta(days=REPLAY_DAYS)
        if after.generation_time < since:
            raise CursorExpired(f"the cursor is older than {REPLAY_DAYS} days")
        # Ids order events by the second they were made in, then per writing process; an
        # event made before the cursor's but committed after it was seen is not replayed.
        query = {
            "account_ids": {"$in": sorted(self._subscriber.account_ids)},
            "_id": {"$gt": after},
            "created_at": {"$gte": since},
        }
        rows = await Event.find(query).sort("+_id").limit(REPLAY_EVENTS_MAX + 1).to_list()
        if len(rows) > REPLAY_EVENTS_MAX:
            raise CursorExpired(f"more than {REPLAY_EVENTS_MAX} events followed the cursor")
        self._backlog.extend(rows)
        self._replayed.update(row.id for row in rows)
        return len(rows)

    def __aiter__(self) -> Listening:
        return self

    async def __anext__(self) -> Event:
        """The next event; the iteration ends when the hub stops or drops this subscriber."""
        if self._backlog:
            return self._backlog.popleft()
        while True:
            event = await self._subscriber.queue.get()
            if event is None:
                raise StopAsyncIteration
            if event.id not in self._replayed:  # stored and heard live: handed over once
                return event


class EventHub:
    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Event()
        self._ending = False

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
        self.end_all()

    def end_all(self) -> None:
        """Ends every subscription, and any that starts from now on: the process is
        stopping, and its server waits for open responses (server-sent events) to end."""
        self._ending = True
        for subscriber in list(self._subscribers):
            _end(subscriber)

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
                _end(subscriber)

    @contextlib.contextmanager
    def listen(self, account_ids: set[int]) -> Iterator[Listening]:
        """Registers a subscriber for those accounts now; it leaves when the block ends."""
        subscriber = _Subscriber(frozenset(account_ids))
        self._subscribers.add(subscriber)
        if self._ending:
            _end(subscriber)
        try:
            yield Listening(subscriber)
        finally:
            self._subscribers.discard(subscriber)

    async def subscribe(self, account_ids: set[int]) -> AsyncIterator[Event]:
        """Events for those accounts, from now on, until the caller stops iterating."""
        with self.listen(account_ids) as listening:
            async for event in listening:
                yield event
