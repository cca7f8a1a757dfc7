"""Mutation errors as data: `errors: [MutationError!]!`, each `{ field message code }`."""

from __future__ import annotations

from enum import Enum
from typing import Protocol

import strawberry

from schema.permissions import THROUGH_PARENT, policy


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    TWO_FACTOR_REQUIRED = "TWO_FACTOR_REQUIRED"
    WRONG_TOTP = "WRONG_TOTP"
    WRONG_PASSWORD = "WRONG_PASSWORD"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_TOKEN = "INVALID_TOKEN"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    KYC_REQUIRED = "KYC_REQUIRED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    WRONG_PIN = "WRONG_PIN"
    PIN_LOCKED = "PIN_LOCKED"
    RECIPIENT_NOT_FOUND = "RECIPIENT_NOT_FOUND"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    ORDER_NOT_PAYABLE = "ORDER_NOT_PAYABLE"
    REFUND_EXCEEDS_REMAINING = "REFUND_EXCEEDS_REMAINING"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"


@policy(THROUGH_PARENT)
@strawberry.type(description="One reason a mutation was refused; nothing was changed.")
class MutationError:
    field: str | None = strawberry.field(description="The input field concerned, if one.")
    message: str
    code: ErrorCode


def error(code: str, message: str, field: str | None = None) -> MutationError:
    return MutationError(field=field, message=message, code=ErrorCode(code))


class DomainError(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def field(self) -> str | None: ...
    @property
    def message(self) -> str: ...


def from_domain(exc: DomainError) -> list[MutationError]:
    return [error(exc.code, exc.message, exc.field)]
