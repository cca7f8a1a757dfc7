"""The relational store (Tortoise ORM): SQLite embedded, PostgreSQL in production."""

from __future__ import annotations

import asyncio
import os
from typing import Any, TypeVar

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)

# Every domain's relational models, in one Tortoise app so relations may cross modules.
MODEL_MODULES = [
    "server.currencies.models",
    "server.accounts.models",
    "server.directory.models",
    "server.mail.models",
    "server.kyc.models",
    "server.webhooks.models",
]
APP_LABEL = "rec"


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "server.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_url(path: os.PathLike[str] | str) -> str:
    return f"sqlite://{os.fspath(path)}"


def _forget_compiled_queries() -> None:
    # Tortoise caches compiled INSERTs per connection *name*; a process that opens another
    # engine under the same name (the test suite: SQLite, then PostgreSQL) must drop them.
    EXECUTOR_CACHE.clear()


async def open_relational(database_url: str) -> None:
    _forget_compiled_queries()
    # The global fallback lets request tasks see the connections the lifespan task opened.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_relational() -> None:
    await Tortoise.close_connections()


async def apply_migrations(database_url: str) -> None:
    """Brings the schema up to date; safe to run on every start.

    Runs in a context of its own, so an app's open connections are left as they were.
    """
    _forget_compiled_queries()
    async with TortoiseContext():
        await migrate(config=tortoise_config(database_url))


async def ping_relational(timeout_s: float) -> bool:
    try:
        async with asyncio.timeout(timeout_s):
            await connections.get("default").execute_query("SELECT 1")
        return True
    except Exception:  # any failure means "not ready"; the cause is logged by the caller
        return False


# For the `tortoise makemigrations` command (see docs/development.md).
TORTOISE_ORM = tortoise_config(os.environ.get("REC_DATABASE_URL", "sqlite://var/rec.sqlite3"))


async def keyset_page(
    query: QuerySet[M], first: int, after: int | None, *, newest_first: bool = True
) -> tuple[list[M], bool]:
    """A page of `first` rows by id after the row `after`, and whether more follow."""
    if after is not None:
        query = query.filter(id__lt=after) if newest_first else query.filter(id__gt=after)
    rows = await query.order_by("-id" if newest_first else "id").limit(first + 1)
    return rows[:first], len(rows) > first
