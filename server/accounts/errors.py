from __future__ import annotations


class AccountsError(ValueError):
    """A refused request: `code` is the API's error code, `field` the input it concerns."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message
