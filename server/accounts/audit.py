"""The append-only log of administrative actions: who, what, when, before, after, why."""

from __future__ import annotations

from typing import Any

from server.accounts.models import AuditEntry, User
from server.stores.relational import keyset_page


async def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    actor_label: str = "",
) -> AuditEntry:
    return await AuditEntry.create(
        actor=actor,
        actor_label=actor.email if actor else (actor_label or "system"),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        reason=reason,
    )


async def entries(
    first: int,
    after: int | None = None,
    *,
    action: str | None = None,
    actor: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> tuple[list[AuditEntry], bool]:
    """Newest first, filtered by exact action, actor (email or label), target; and more?"""
    query = AuditEntry.all()
    if action:
        query = query.filter(action=action)
    if actor:
        query = query.filter(actor_label=actor)
    if target_type:
        query = query.filter(target_type=target_type)
    if target_id:
        query = query.filter(target_id=target_id)
    return await keyset_page(query, first, after)
