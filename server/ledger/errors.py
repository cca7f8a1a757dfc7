from __future__ import annotations


class LedgerError(ValueError):
    """A refused money movement: `code` is the API's error code, `field` the input concerned.
    Nothing was moved."""

    def __init__(self, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message
