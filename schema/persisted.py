"""Persisted queries: the wallet's and the admin panel's operations, registered by the
SHA-256 of their `.graphql` file.

A client may send `extensions: {"persistedQuery": {"version": 1, "sha256Hash": "..."}}`
instead of the query's text (the text may come too; it must then match the hash). With
`REC_PERSISTED_QUERIES_ONLY`, a request without a bearer token (a browser, with its session
cookie, or anonymous) may run registered operations only; programs with a token or an API
key send any query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from strawberry.extensions import SchemaExtension

from schema.context import credentials
from schema.limits import refusal


def registry_of(folders: Iterable[Path]) -> dict[str, str]:
    """Every `.graphql` file in the folders, by the SHA-256 (hex) of its text."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.graphql")):
            text = path.read_text(encoding="utf-8")
            found[hashlib.sha256(text.encode()).hexdigest()] = text
    return found


class PersistedQueries(SchemaExtension):
    def __init__(self, registry: Mapping[str, str], only: bool) -> None:
        self.registry = registry
        self.only = only

    def on_operation(self) -> Iterator[None]:
        self._resolve()
        yield

    def _resolve(self) -> None:
        context = self.execution_context
        given = (context.operation_extensions or {}).get("persistedQuery")
        if given is not None:
            digest = given.get("sha256Hash") if isinstance(given, dict) else None
            if not isinstance(digest, str) or len(digest) != 64:
                raise refusal("INVALID_INPUT", "persistedQuery.sha256Hash: 64 hex digits")
            text = self.registry.get(digest.lower())
            if text is None:
                raise refusal(
                    "PERSISTED_QUERY_NOT_FOUND", "no operation is registered by that hash"
                )
            if context.query and context.query != text:
                raise refusal("PERSISTED_QUERY_MISMATCH", "the query is not the one of that hash")
            context.query = text
            return
        if self.only and not self._has_bearer(context.context) and not self._registered():
            raise refusal(
                "PERSISTED_QUERY_REQUIRED",
                "this server runs only registered operations for browsers; programs send "
                "a bearer token",
            )

    def _registered(self) -> bool:
        query = self.execution_context.query or ""
        return hashlib.sha256(query.encode()).hexdigest() in self.registry

    @staticmethod
    def _has_bearer(context: Any) -> bool:
        if getattr(context, "bearer_override", None):
            return True
        scope = getattr(context, "scope", None)
        return scope is not None and credentials(scope)[0] is not None
