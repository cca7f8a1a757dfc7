"""GraphQL subscriptions over server-sent events at `/graphql/stream`: the graphql-sse
protocol's "distinct connections mode", one subscription per request.

    POST /graphql/stream   JSON {query, variables, operationName, extensions}
    GET  /graphql/stream?query=...&variables=<JSON>&operationName=...

with `Accept: text/event-stream`, authenticated like `/graphql`: the session cookie or
`Authorization: Bearer <token or API key>`. The answer streams

    event: next
    data: <an ExecutionResult as JSON>

for each event, a `:` comment line every `keep_alive_s` seconds, and `event: complete`
when the subscription ends (a session that ended, for instance). The client stops by
closing the connection; the subscription and its listener end with it.

What is refused before the stream starts is answered with an HTTP status and a JSON body
`{"errors": [{"message": ..., "extensions": {"code": ...}}]}`, rather than as a `next`
event on a 200 stream (the protocol's choice for validation errors): programs see the
status at once. 400 for a malformed request, an invalid query, a query or mutation
(`NOT_A_SUBSCRIPTION`: they go to `/graphql`) or a bad argument; 401 `UNAUTHENTICATED`;
403 `FORBIDDEN`; 406 without an acceptable `Accept`; 415 for a POST that is not JSON;
429 `RATE_LIMITED`. The stream answers 200 as soon as the subscription listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from strawberry.types.execution import ExecutionResult, PreExecutionError

from schema.context import Context, build_context, runtime_from_scope

log = logging.getLogger("rec.graphql")
PARSE_TOKENS_MAX = 5000  # the look at the operation type parses no more than this
INTERNAL = {"code": "INTERNAL"}
STATUS_OF = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "RATE_LIMITED": 429}
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store"),
    (b"x-accel-buffering", b"no"),  # proxies must pass each event on at once
]


class _Refused(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.headers = status, headers or {}
        self.errors = [{"message": message, "extensions": {"code": code}}]


@dataclass
class _Operation:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def _json_param(value: str | None, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise _Refused(400, "BAD_REQUEST", f"{name} is not JSON") from None


async def _operation(request: Request) -> _Operation:
    accept = request.headers.get("accept", "*/*").lower()
    if not any(kind in accept for kind in ("text/event-stream", "*/*", "text/*")):
        raise _Refused(406, "NOT_ACCEPTABLE", "send Accept: text/event-stream")
    if request.method == "GET":
        given: Any = {
            "query": request.query_params.get("query"),
            "variables": _json_param(request.query_params.get("variables"), "variables"),
            "operationName": request.query_params.get("operationName") or None,
            "extensions": _json_param(request.query_params.get("extensions"), "extensions"),
        }
    else:
        if "application/json" not in request.headers.get("content-type", "").lower():
            raise _Refused(415, "UNSUPPORTED_MEDIA_TYPE", "send the operation as JSON")
        try:
            given = json.loads(await request.body())
        except ValueError:
            raise _Refused(400, "BAD_REQUEST", "the body is not JSON") from None
        if not isinstance(given, dict):
            raise _Refused(400, "BAD_REQUEST", "the body must be a JSON object")
    query, variables = given.get("query"), given.get("variables")
    name, extensions = given.get("operationName"), given.get("extensions")
    persisted = isinstance(extensions, dict) and isinstance(extensions.get("persistedQuery"), dict)
    if query is None and persisted:
        query = ""  # the schema's persisted queries find it by its hash
    elif not isinstance(query, str) or not query.strip():
        raise _Refused(400, "BAD_REQUEST", "query is missing")
    if variables is not None and not isinstance(variables, dict):
        raise _Refused(400, "BAD_REQUEST", "variables must be an object")
    if name is not None and not isinstance(name, str):
        raise _Refused(400, "BAD_REQUEST", "operationName must be a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise _Refused(400, "BAD_REQUEST", "extensions must be an object")
    if query:
        _only_subscriptions(query, name)
    return _Operation(query or None, variables, name, extensions)


def _only_subscriptions(query: str, name: str | None) -> None:
    """Queries and mutations belong to /graphql."""
    try:
        operation = get_operation_ast(parse(query, max_tokens=PARSE_TOKENS_MAX), name)
    except GraphQLError as error:
        raise _Refused(400, "INVALID_QUERY", error.message) from None
    if operation is not None and operation.operation != OperationType.SUBSCRIPTION:
        raise _Refused(
            400,
            "NOT_A_SUBSCRIPTION",
            f"only subscriptions are served here; send {operation.operation.value} "
            "operations to /graphql",
        )


def _payload(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


def _refusal(result: ExecutionResult) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The HTTP answer to a result that failed before any event: status, body, headers."""
    errors: list[dict[str, Any]] = [dict(error.formatted) for error in result.errors or []]
    first: dict[str, Any] = (errors[0].get("extensions") or {}) if errors else {}
    code = first.get("code")
    if code is None:  # graphql-core's own: a syntax error, an unknown field, a bad variable
        code = "INVALID_QUERY" if isinstance(result, PreExecutionError) else "INTERNAL"
        for error in errors:
            error["extensions"] = {**(error.get("extensions") or {}), "code": code}
    status = STATUS_OF.get(code, 500 if code == "INTERNAL" else 400)
    headers = {}
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    if status == 429 and isinstance(first.get("retryAfter"), int):
        headers["retry-after"] = str(first["retryAfter"])
    return status, {"errors": errors}, headers


async def _send_json(send: Any, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    content = json.dumps(body, separators=(",", ":")).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    raw += [(name.encode(), value.encode()) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


class EventStream:
    """The ASGI endpoint of `/graphql/stream`."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        try:
            operation = await _operation(request)
        except _Refused as refused:
            await _send_json(send, refused.status, {"errors": refused.errors}, refused.headers)
            return
        runtime = runtime_from_scope(scope)
        context = await build_context(runtime, scope, request)
        await _Stream(context, operation, receive, send, runtime.settings.keep_alive_s).run()


class _Stream:
    """One subscription on one response: events out, keep-alive comments, and an end when
    the subscription completes or the client goes away, whichever comes first."""

    def __init__(
        self,
        context: Context,
        operation: _Operation,
        receive: Any,
        send: Any,
        keep_alive_s: float,
    ) -> None:
        self.context, self.operation = context, operation
        self.receive, self.send = receive, send
        self.keep_alive_s = keep_alive_s
        self.opened = False  # the 200 and its headers went out
        self.answered = False  # a refusal went out instead
        self.lock = asyncio.Lock()
        context.on_listening = self.open

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self._produce(), name="sse-produce"),
            asyncio.create_task(self._keep_alive(), name="sse-keep-alive"),
            asyncio.create_task(self._client_gone(), name="sse-client-gone"),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone = tasks[2].done()
            for task in tasks:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        failure = outcomes[0]
        if isinstance(failure, Exception) and not isinstance(failure, OSError):
            log.error("the event stream failed", exc_info=failure)
        with contextlib.suppress(OSError):
            if self.opened:
                await self.send({"type": "http.response.body", "body": b"", "more_body": False})
            elif not self.answered and not gone:
                internal = {"message": "internal error; it was logged", "extensions": INTERNAL}
                await _send_json(self.send, 500, {"errors": [internal]}, {})

    async def open(self) -> None:
        async with self.lock:
            await self._open()

    async def _open(self) -> None:
        if not self.opened and not self.answered:
            self.opened = True
            await self.send(
                {"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS}
            )

    async def _write(self, chunk: str) -> None:
        await self.send({"type": "http.response.body", "body": chunk.encode(), "more_body": True})

    async def _produce(self) -> None:
        schema = self.context.runtime.schema
        stream = await schema.subscribe(
            self.operation.query,
            variable_values=self.operation.variables,
            context_value=self.context,
            operation_name=self.operation.operation_name,
            operation_extensions=self.operation.extensions,
        )
        try:
            async with contextlib.aclosing(stream):
                async for result in stream:
                    if not await self._next(result):
                        return
        except GraphQLError as error:  # raised rather than reported, by a parser extension
            if not await self._next(PreExecutionError(data=None, errors=[error])):
                return
        async with self.lock:
            await self._open()
            await self._write("event: complete\ndata:\n\n")

    async def _next(self, result: ExecutionResult) -> bool:
        """Sends one result; False when it was a refusal, answered with a status."""
        async with self.lock:
            if not self.opened and result.data is None and result.errors:
                status, body, headers = _refusal(result)
                self.answered = True
                await _send_json(self.send, status, body, headers)
                return False
            await self._open()
            data = json.dumps(_payload(result), separators=(",", ":"))
            await self._write(f"event: next\ndata: {data}\n\n")
            return True

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.keep_alive_s)
            async with self.lock:
                if self.answered:
                    return
                await self._open()  # a subscription that never said it listens
                await self._write(":\n\n")

    async def _client_gone(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
