"""Sign-in and sign-out as HTML form posts, for the wallet and the admin panel: they run
the API's own `login` and `logout` operations, so the session cookie is set over HTTP,
HttpOnly, and never handled by page scripts."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from schema.context import SESSION_COOKIE
from schema.operations import Operation, OperationError, execute

FORM_FIELD_LENGTH_MAX = 256


def same_origin(request: Request) -> bool:
    """Refuses posts from other sites (a forged sign-in or sign-out)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # non-browser clients send neither; the cookie is SameSite=Lax anyway
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _with_error(path: str, code: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{urlencode({'error': code})}"


async def sign_in(request: Request, operation: Operation, done: str) -> Response:
    """Signs in with the form's email, password and TOTP code, then goes to `done`; on a
    refusal, back to `done` with `?error=<code>`."""
    if not same_origin(request):
        return Response("cross-site sign-in refused", status_code=403)
    form = await request.form(max_files=0, max_fields=6)
    fields = {
        name: str(form.get(name, ""))[:FORM_FIELD_LENGTH_MAX]
        for name in ("email", "password", "totp")
    }
    redirect = RedirectResponse(done, status_code=303)
    variables = {"input": {**fields, "totp": fields["totp"] or None}}
    try:
        data = await execute(request.scope, operation, variables, redirect)
    except OperationError:
        return RedirectResponse(_with_error(done, "INVALID_INPUT"), 303)
    errors = data["login"]["errors"]
    if errors:
        return RedirectResponse(_with_error(done, errors[0]["code"]), 303)
    return redirect


async def sign_out(request: Request, operation: Operation, done: str) -> Response:
    if not same_origin(request):
        return Response("cross-site sign-out refused", status_code=403)
    redirect = RedirectResponse(done, status_code=303)
    try:
        await execute(request.scope, operation, None, redirect)
    except OperationError:
        pass  # already signed out: the cookie is cleared below all the same
    redirect.delete_cookie(SESSION_COOKIE, path="/")
    return redirect
