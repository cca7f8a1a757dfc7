"""Leases: a job that must run in one process at a time runs where its lease is held.

A lease is a document in `leases` (the job's name, its holder, until when). Any process may
ask for it; it is granted when free, expired, or already its own, and renewed that way. A
holder that dies stops renewing: another process takes the job once the lease expires
(`REC_JOB_LEASE_S`), and carries on from what the stores say was done, since every job
keeps its progress there (the ledger's head, the webhook cursor and deliveries, the
statuses of orders, documents and top-ups). A holder that stops in order gives its leases
back at once.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from server import clock
from server.ledger.models import Lease

LEASE_S = 30.0
# This process, and one run of it: a restarted process with the same pid is someone else.
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def hold_lease(name: str, holder: str = HOLDER, lease_s: float = LEASE_S) -> bool:
    """Takes or renews the lease on a job; False while another process holds it."""
    now = clock.now()
    try:
        taken = await Lease.get_pymongo_collection().find_one_and_update(
            {"_id": name, "$or": [{"holder": holder}, {"expires_at": {"$lt": now}}]},
            {"$set": {"holder": holder, "expires_at": now + timedelta(seconds=lease_s)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # the lease exists and is someone else's
        return False
    return taken is not None and taken["holder"] == holder


async def release_leases(holder: str = HOLDER) -> int:
    """Gives back every lease the holder has, so that another process takes its jobs now
    rather than when the leases expire."""
    done = await Lease.get_pymongo_collection().delete_many({"holder": holder})
    return done.deleted_count


async def lease_holders() -> dict[str, str]:
    """Who holds each lease in force: the job's name to its holder."""
    found = Lease.get_pymongo_collection().find({"expires_at": {"$gte": clock.now()}})
    return {row["_id"]: row["holder"] async for row in found}
