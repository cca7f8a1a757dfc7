"""Which domain models each store holds; the composition root hands these to the drivers."""

from __future__ import annotations

from beanie import Document

from server.events.models import DOCUMENT_MODELS as EVENT_DOCUMENTS
from server.ledger.adjustments import DOCUMENT_MODELS as ADJUSTMENT_DOCUMENTS
from server.ledger.models import DOCUMENT_MODELS as LEDGER_DOCUMENTS
from server.ledger.treasury import DOCUMENT_MODELS as TREASURY_DOCUMENTS
from server.metrics import DOCUMENT_MODELS as METRICS_DOCUMENTS
from server.pos.models import DOCUMENT_MODELS as POS_DOCUMENTS
from server.rate_limit import DOCUMENT_MODELS as RATE_LIMIT_DOCUMENTS
from server.reports.stats import DOCUMENT_MODELS as STATS_DOCUMENTS
from server.topup.models import DOCUMENT_MODELS as TOPUP_DOCUMENTS
from server.topup.redemption_models import DOCUMENT_MODELS as REDEMPTION_DOCUMENTS
from server.topup.sandbox_processor import SandboxPayment
from server.webhooks.models import DOCUMENT_MODELS as WEBHOOK_DOCUMENTS

DOCUMENT_MODELS: list[type[Document]] = [
    *LEDGER_DOCUMENTS,
    *ADJUSTMENT_DOCUMENTS,
    *TREASURY_DOCUMENTS,
    *EVENT_DOCUMENTS,
    *POS_DOCUMENTS,
    *WEBHOOK_DOCUMENTS,
    *TOPUP_DOCUMENTS,
    *REDEMPTION_DOCUMENTS,
    *STATS_DOCUMENTS,
    *RATE_LIMIT_DOCUMENTS,  # requests per caller, shared by every app process
    *METRICS_DOCUMENTS,  # each process's figures, for any app process's /metrics
    SandboxPayment,  # the pretend card processor's own records (development and tests)
]
