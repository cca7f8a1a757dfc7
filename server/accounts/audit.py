"""The append-only log of administrative actions: who, what, when, before, after, why."""

from __future__ import annotations

from typing import Any

from server.accounts.models import AuditEntry, User


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


async def entries(limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    return await AuditEntry.all().order_by("-id").offset(offset).limit(min(limit, 100))
