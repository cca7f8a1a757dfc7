"""graphql-transport-ws with keep-alive: once a connection is acknowledged, the server sends
`{"type": "ping"}` every `keep_alive_interval` seconds (the view's `keep_alive` turns it on),
so that proxies never see an idle connection; clients answer `pong`, as the protocol says.

Strawberry pings only over the legacy graphql-ws protocol; this handler does it for
graphql-transport-ws, the only one we serve.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage


class KeepAliveTransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
    _pinging: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        interval_s = getattr(self.view, "keep_alive_interval", None)
        if (
            self.connection_acknowledged
            and self._pinging is None
            and getattr(self.view, "keep_alive", False)
            and interval_s
        ):
            self._pinging = asyncio.create_task(self._ping(float(interval_s)), name="ws-ping")

    async def _ping(self, interval_s: float) -> None:
        try:
            while True:
                await asyncio.sleep(interval_s)
                await self.send_message({"type": "ping"})
        except (WebSocketDisconnected, OSError, RuntimeError):
            return  # the connection is gone; the handler's loop ends on its own

    async def shutdown(self) -> None:
        if self._pinging is not None:
            self._pinging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinging
            self._pinging = None
        await super().shutdown()
