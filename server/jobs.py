"""The background jobs, and how a process runs them: each under its lease (server/leases.py).

Any number of processes may run the jobs (`rec worker`, and `rec serve` unless it is given
`--no-jobs` or REC_JOBS=off): for each job, only the holder of its lease works. While a
round runs the lease is renewed every third of its length; a holder that finds its lease
taken (it stalled longer than the lease) stops the round. A process that stops in order
gives its leases back, so another takes over at once; one that dies is replaced when its
leases expire. Every job keeps its progress in the stores, so the next holder resumes where
the last stopped: the sealer from each currency's ledger head, webhook delivery from its
cursor over the events and the deliveries still pending (a delivery cut off mid-send is sent
again: at least once), expiries and reconciliation from the statuses they change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from server.kyc.services import expire_documents
from server.leases import HOLDER, hold_lease, release_leases
from server.ledger import sealer
from server.pos.services import expire_due_orders
from server.settings import Settings
from server.topup.providers import PaymentProvider
from server.topup.sandbox import sandbox_key
from server.topup.sandbox_processor import notify_round
from server.topup.services import reconcile_round
from server.webhooks.delivery import webhook_round

log = logging.getLogger("rec.jobs")


@dataclass(frozen=True)
class Job:
    name: str  # also its lease's
    interval_s: float  # between the end of a round and the start of the next
    run: Callable[[], Awaitable[object]]


def jobs_for(settings: Settings, payments: PaymentProvider) -> list[Job]:
    secret = settings.secret_key
    check_after = timedelta(seconds=settings.topup_check_after_s)
    jobs = [
        Job("sealer", 1, lambda: sealer.run_once(secret)),  # and checkpoints, and the figures
        Job("webhooks", 1, lambda: webhook_round(secret)),
        Job("order-expiry", 1, expire_due_orders),  # orders expire on time, asked about or not
        Job("kyc-expiry", 60, expire_documents),
        Job("topup-reconcile", 5, lambda: reconcile_round(payments, check_after)),
    ]
    if settings.payment_provider == "sandbox":  # the pretend processor's own work
        key = sandbox_key(secret)
        jobs.append(Job("sandbox-notify", 1, lambda: notify_round(key)))
    return jobs


async def run_job(job: Job, lease_s: float, holder: str = HOLDER) -> None:
    """Runs the job's rounds for as long as it is not cancelled; a failed round is logged
    and the next one tried."""
    while True:
        try:
            if await hold_lease(job.name, holder, lease_s):
                await _round_while_held(job, lease_s, holder)
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the job alive: the next round may succeed
            log.exception("job %s failed; it is tried again next round", job.name)
        await asyncio.sleep(job.interval_s)


async def _round_while_held(job: Job, lease_s: float, holder: str) -> None:
    task = asyncio.ensure_future(job.run())
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=lease_s / 3)
            if done:
                task.result()  # its failure, if any, is the round's
                return
            if not await hold_lease(job.name, holder, lease_s):
                log.warning("job %s: the lease went to another process; round stopped", job.name)
                return
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class JobRunner:
    """The jobs of one process: started with the stores open, stopped before they close."""

    def __init__(self, jobs: list[Job], lease_s: float, holder: str = HOLDER) -> None:
        self.jobs = jobs
        self.lease_s = lease_s
        self.holder = holder
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(
                asyncio.create_task(run_job(job, self.lease_s, self.holder), name=job.name)
            )
        log.info("jobs running as %s: %s", self.holder, ", ".join(j.name for j in self.jobs))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        try:  # the next holder takes over now rather than when the leases expire
            await release_leases(self.holder)
        except Exception:
            log.warning("could not give the leases back; they expire in %s s", self.lease_s)
