"""What one app process holds while it runs: settings, brandings, the schema, the stores."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from server import metrics
from server.branding import Branding
from server.events.hub import EventHub
from server.jobs import JobRunner, jobs_for
from server.mail import Mailer, mailer_for
from server.rate_limit import RateLimiter
from server.registry import DOCUMENT_MODELS
from server.settings import Settings
from server.stores.documents import DocumentStore
from server.stores.relational import close_relational, open_relational, ping_relational
from server.topup import provider_for
from server.topup.providers import PaymentProvider

log = logging.getLogger("rec.runtime")


@dataclass
class Runtime:
    settings: Settings
    brandings: dict[str, Branding]
    schema: Any  # strawberry.Schema; typed loosely so that server/ never imports schema/
    documents: DocumentStore | None = field(default=None, init=False)
    mailer: Mailer = field(init=False)
    events: EventHub = field(init=False)
    rate_limiter: RateLimiter | None = field(default=None, init=False)
    payments: PaymentProvider = field(init=False)
    _jobs: JobRunner | None = field(default=None, init=False)
    _publishing: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.mailer = mailer_for(self.settings)
        self.events = EventHub()
        self.payments = provider_for(self.settings)
        per_minute = self.settings.rate_limit_per_minute
        if per_minute:
            self.rate_limiter = RateLimiter(
                per_minute=per_minute,
                burst=max(10, per_minute // 4),
                timeout_s=self.settings.store_timeout_s,
            )

    @property
    def default_branding(self) -> Branding:
        return self.brandings.get(self.settings.default_currency) or next(
            iter(self.brandings.values())
        )

    async def start(self) -> None:
        settings = self.settings
        if not settings.database_url or not settings.mongodb_url:
            raise RuntimeError("the app needs REC_DATABASE_URL and REC_MONGODB_URL resolved")
        await open_relational(settings.database_url)
        self.documents = DocumentStore(
            settings.mongodb_url,
            settings.mongodb_database,
            DOCUMENT_MODELS,
            settings.store_timeout_s,
        )
        await self.documents.open()
        await self.events.start()
        self._publishing = asyncio.create_task(
            metrics.publishing("app", lambda: self.events.subscriber_count), name="figures"
        )
        if self.settings.run_jobs:  # else `rec worker` processes run them
            self._jobs = JobRunner(
                jobs_for(self.settings, self.payments), self.settings.job_lease_s
            )
            self._jobs.start()
        log.info("stores open")

    async def stop(self) -> None:
        if self._publishing is not None:
            self._publishing.cancel()
            await asyncio.gather(self._publishing, return_exceptions=True)
            self._publishing = None
        if self._jobs is not None:
            await self._jobs.stop()
            self._jobs = None
        await self.events.stop()
        if self.documents is not None:
            await self.documents.close()
            self.documents = None
        await close_relational()

    async def readiness(self) -> dict[str, bool]:
        timeout_s = self.settings.store_timeout_s
        return {
            "relational": await ping_relational(timeout_s),
            "documents": self.documents is not None and await self.documents.ping(),
        }
