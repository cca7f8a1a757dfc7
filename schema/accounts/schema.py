"""Root fields of people and access: the viewer, the audit log, the sandbox outbox."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.accounts.mutations.accounts import AccountMutations
from schema.accounts.mutations.admin import AdminMutations
from schema.accounts.mutations.api_keys import ApiKeyMutations
from schema.accounts.mutations.security import SecurityMutations
from schema.accounts.mutations.sign_in import SignInMutations
from schema.accounts.types import ALL_ADMINS, Viewer
from schema.accounts.viewer import viewer_of
from schema.permissions import PUBLIC, Admin, Anyone, field, policy
from server.accounts import audit
from server.accounts.models import AdminRole
from server.mail import sandbox_outbox


@policy(PUBLIC)
@strawberry.type(description="One administrative action, as the append-only log keeps it.")
class AuditEntry:
    actor: str
    action: str
    target_type: str
    target_id: str
    before: JSON | None
    after: JSON | None
    reason: str
    created_at: datetime


@policy(PUBLIC)
@strawberry.type(description="A message the development mail sandbox kept instead of sending.")
class SandboxMail:
    to: str
    subject: str
    body: str
    created_at: datetime


@strawberry.type
class AccountQueries:
    @field(rule=Anyone(), description="Who is asking; null when nobody is signed in.")
    async def viewer(self, info: Info) -> Viewer | None:
        return await viewer_of(info.context.principal)

    @field(rule=ALL_ADMINS, description="Administrative actions, newest first.")
    async def audit_log(self, first: int = 50, offset: int = 0) -> list[AuditEntry]:
        rows = await audit.entries(limit=max(1, min(first, 100)), offset=max(0, offset))
        return [
            AuditEntry(
                actor=row.actor_label,
                action=row.action,
                target_type=row.target_type,
                target_id=row.target_id,
                before=cast(JSON, row.before),
                after=cast(JSON, row.after),
                reason=row.reason,
                created_at=row.created_at,
            )
            for row in rows
        ]

    @field(
        rule=Admin([AdminRole.SUPERADMIN]),
        description="Mail the development sandbox kept (empty when real SMTP is used). "
        "Superadmins only: it holds working reset links.",
    )
    async def sandbox_outbox(self, first: int = 50) -> list[SandboxMail]:
        return [
            SandboxMail(to=m.to, subject=m.subject, body=m.body, created_at=m.created_at)
            for m in await sandbox_outbox(max(1, min(first, 100)))
        ]


@strawberry.type
class AccountMutationRoot(
    SignInMutations, SecurityMutations, AccountMutations, ApiKeyMutations, AdminMutations
):
    pass
