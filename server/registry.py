"""Which domain models each store holds; the composition root hands these to the drivers."""

from __future__ import annotations

from beanie import Document

from server.events.models import DOCUMENT_MODELS as EVENT_DOCUMENTS
from server.ledger.models import DOCUMENT_MODELS as LEDGER_DOCUMENTS
from server.pos.models import DOCUMENT_MODELS as POS_DOCUMENTS
from server.webhooks.models import DOCUMENT_MODELS as WEBHOOK_DOCUMENTS

DOCUMENT_MODELS: list[type[Document]] = [
    *LEDGER_DOCUMENTS,
    *EVENT_DOCUMENTS,
    *POS_DOCUMENTS,
    *WEBHOOK_DOCUMENTS,
]
