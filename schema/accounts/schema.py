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
from schema.connections import Connection, int_cursor, page, page_size
from schema.permissions import PUBLIC, Admin, Anyone, field, forbidden, not_administered, policy
from server.accounts import audit
from server.accounts.api_keys import SCOPES
from server.accounts.models import AdminRole
from server.accounts.models import AuditEntry as AuditRow
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


def _audit_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        actor=row.actor_label,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        before=cast(JSON, row.before),
        after=cast(JSON, row.after),
        reason=row.reason,
        created_at=row.created_at,
    )


@strawberry.type
class AccountQueries:
    @field(rule=Anyone(), description="Who is asking; null when nobody is signed in.")
    async def viewer(self, info: Info) -> Viewer | None:
        return await viewer_of(info.context.principal)

    @field(
        rule=Anyone(),
        description="The scopes an API key may have, for `createApiKey(input: { scopes })`.",
    )
    def api_key_scopes(self) -> list[str]:
        return list(SCOPES)

    @field(
        rule=ALL_ADMINS,
        description="Administrative actions, newest first; `first` is 1 to 100. Each filter "
        "matches exactly: `actor` is the actor's email (or `system`).",
    )
    async def audit_log(
        self,
        first: int,
        after: str | None = None,
        action: str | None = None,
        actor: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
    ) -> Connection[AuditEntry]:
        rows, more = await audit.entries(
            page_size(first),
            int_cursor(after),
            action=action,
            actor=actor,
            target_type=target_type,
            target_id=target_id,
        )
        return page(rows, more, _audit_entry)

    @field(
        rule=Admin([AdminRole.SUPERADMIN]),
        description="Mail the development sandbox kept (empty when real SMTP is used). "
        "Superadmins of every currency only: it holds working reset links.",
    )
    async def sandbox_outbox(
        self, info: Info, first: int, after: str | None = None
    ) -> Connection[SandboxMail]:
        limit = info.context.principal.admin_currencies
        if limit is not None:  # its reset links would open anyone's account
            raise forbidden(not_administered(limit, "all currencies"))
        rows, more = await sandbox_outbox(page_size(first), int_cursor(after))
        return page(
            rows,
            more,
            lambda m: SandboxMail(to=m.to, subject=m.subject, body=m.body, created_at=m.created_at),
        )


@strawberry.type
class AccountMutationRoot(
    SignInMutations, SecurityMutations, AccountMutations, ApiKeyMutations, AdminMutations
):
    pass
