"""What every resolver receives as `info.context`, over HTTP, WebSocket or in-process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

from schema.loaders import Loaders
from server.accounts.principal import ANONYMOUS, Principal
from server.accounts.sign_in import authenticate
from server.runtime import Runtime

SESSION_COOKIE = "rec_session"


@dataclass
class Context:
    runtime: Runtime
    # The ASGI scope of the HTTP request or WebSocket the operation came through.
    scope: MutableMapping[str, Any]
    principal: Principal = ANONYMOUS
    request: Any = None
    response: Any = None
    # graphql-transport-ws: the connection_init payload, and a token given there.
    connection_params: dict[str, Any] | None = None
    bearer_override: str | None = None
    # Server-sent events: awaited by a subscription once it listens (its checks passed),
    # so that the stream answers 200 then rather than at its first event.
    on_listening: Callable[[], Awaitable[None]] | None = None
    _loaders: Loaders | None = field(default=None, init=False, repr=False)

    @property
    def loaders(self) -> Loaders:
        """The DataLoaders of this request (schema/loaders.py), made on first use."""
        if self._loaders is None:
            self._loaders = Loaders()
        return self._loaders

    def credentials(self) -> tuple[str | None, str | None]:
        """What this caller authenticated with: re-checked by long-lived subscriptions."""
        if self.bearer_override:
            return self.bearer_override, None
        return credentials(self.scope)

    async def authenticate_connection(self) -> bool:
        """Takes `{"authorization": "Bearer <token>"}` from connection_init, if given.
        False when a token was given and is not valid: the connection is refused."""
        given = (self.connection_params or {}).get("authorization")
        if not isinstance(given, str) or not given.strip():
            return True
        scheme, _, token = given.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        principal = await authenticate(token.strip(), None)
        if principal.is_anonymous:
            return False
        self.principal, self.bearer_override = principal, token.strip()
        return True

    @property
    def client_ip(self) -> str:
        client = self.scope.get("client")
        return str(client[0]) if client else ""

    @property
    def user_agent(self) -> str:
        return _headers(self.scope).get("user-agent", "")

    @property
    def base_url(self) -> str:
        return self.runtime.settings.public_url

    def set_session_cookie(self, token: str) -> None:
        if self.response is None or not hasattr(self.response, "set_cookie"):
            return  # in-process and WebSocket callers carry the token themselves
        settings = self.runtime.settings
        self.response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=settings.session_lifetime_s,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )

    def clear_session_cookie(self) -> None:
        if self.response is not None and hasattr(self.response, "delete_cookie"):
            self.response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def _headers(scope: MutableMapping[str, Any]) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers") or []
    }


def credentials(scope: MutableMapping[str, Any]) -> tuple[str | None, str | None]:
    """The bearer token and the session cookie a request carries, if any."""
    headers = _headers(scope)
    bearer = None
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        bearer = value.strip()
    cookie = None
    try:
        jar = SimpleCookie(headers.get("cookie", ""))
        if SESSION_COOKIE in jar:
            cookie = jar[SESSION_COOKIE].value
    except CookieError:
        cookie = None
    return bearer, cookie


async def build_context(
    runtime: Runtime,
    scope: MutableMapping[str, Any],
    request: Any = None,
    response: Any = None,
    bearer: str | None = None,
) -> Context:
    given_bearer, cookie = credentials(scope)
    if bearer:
        given_bearer, cookie = bearer, None
    return Context(
        runtime=runtime,
        scope=scope,
        principal=await authenticate(given_bearer, cookie),
        request=request,
        response=response,
        bearer_override=bearer,
    )


def runtime_from_scope(scope: MutableMapping[str, Any]) -> Runtime:
    runtime = scope.get("rec.runtime")
    if runtime is None:  # the composition root always sets it; reaching here is a wiring bug
        raise RuntimeError("no runtime on the ASGI scope")
    return runtime
