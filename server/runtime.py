"""What one app process holds while it runs: settings, brandings, the schema, the stores."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from server.branding import Branding
from server.events.hub import EventHub
from server.kyc.services import expire_documents
from server.ledger import sealer
from server.mail import Mailer, mailer_for
from server.pos.services import expire_due_orders
from server.rate_limit import RateLimiter
from server.registry import DOCUMENT_MODELS
from server.settings import Settings
from server.stores.documents import DocumentStore
from server.stores.relational import close_relational, open_relational, ping_relational
from server.topup import provider_for
from server.topup.providers import PaymentProvider
from server.topup.sandbox import sandbox_key
from server.topup.sandbox_processor import notify_round
from server.topup.services import reconcile_round
from server.webhooks.delivery import webhook_round

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
    _jobs: list[asyncio.Task[None]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.mailer = mailer_for(self.settings)
        self.events = EventHub()
        self.payments = provider_for(self.settings)
        per_minute = self.settings.rate_limit_per_minute
        if per_minute:
            self.rate_limiter = RateLimiter(per_minute=per_minute, burst=max(10, per_minute // 4))

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
        self._jobs.append(asyncio.create_task(_every(60, expire_documents), name="kyc-expiry"))
        # Orders expire on time even when nobody asks about them.
        self._jobs.append(asyncio.create_task(_every(1, expire_due_orders), name="order-expiry"))
        secret = settings.secret_key
        self._jobs.append(
            asyncio.create_task(_every(1, lambda: sealer.run_once(secret)), name="sealer")
        )
        self._jobs.append(
            asyncio.create_task(_every(1, lambda: webhook_round(secret)), name="webhooks")
        )
        check_after = timedelta(seconds=settings.topup_check_after_s)
        self._jobs.append(
            asyncio.create_task(
                _every(5, lambda: reconcile_round(self.payments, check_after)),
                name="topup-reconcile",
            )
        )
        if settings.payment_provider == "sandbox":  # the pretend processor's own work
            key = sandbox_key(secret)
            self._jobs.append(
                asyncio.create_task(_every(1, lambda: notify_round(key)), name="sandbox")
            )
        log.info("stores open")

    async def stop(self) -> None:
        for job in self._jobs:
            job.cancel()
        await asyncio.gather(*self._jobs, return_exceptions=True)
        self._jobs.clear()
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


async def _every(interval_s: float, job: Callable[[], Awaitable[object]]) -> None:
    """Runs a periodic job in this process; a failure is logged and retried next time."""
    while True:
        try:
            await job()
        except Exception:  # keep the job alive: the next run may succeed
            log.exception("periodic job %s failed", getattr(job, "__name__", job))
        await asyncio.sleep(interval_s)
