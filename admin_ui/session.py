"""The admin panel's sign-in and sign-out: HTML form posts that run the API's own
`login` and `logout` mutations, so the session cookie is set over HTTP, HttpOnly."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_ui.panel import OPERATIONS
from schema.context import SESSION_COOKIE
from schema.operations import OperationError, execute

FORM_FIELD_LENGTH_MAX = 256


def _same_origin(request: Request) -> bool:
    """Refuses posts from other sites (a forged sign-in or sign-out)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # non-browser clients send neither; the cookie is SameSite=Lax anyway
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def sign_in(request: Request) -> Response:
    if not _same_origin(request):
        return Response("cross-site sign-in refused", status_code=403)
    form = await request.form(max_files=0, max_fields=5)
    fields = {
        name: str(form.get(name, ""))[:FORM_FIELD_LENGTH_MAX]
        for name in ("email", "password", "totp")
    }
    redirect = RedirectResponse("/admin/", status_code=303)
    variables = {"input": {**fields, "totp": fields["totp"] or None}}
    try:
        data = await execute(request.scope, OPERATIONS["AdminSignIn"], variables, redirect)
    except OperationError:
        return RedirectResponse("/admin/?" + urlencode({"error": "INVALID_INPUT"}), 303)
    errors = data["login"]["errors"]
    if errors:
        return RedirectResponse("/admin/?" + urlencode({"error": errors[0]["code"]}), 303)
    return redirect


async def sign_out(request: Request) -> Response:
    if not _same_origin(request):
        return Response("cross-site sign-out refused", status_code=403)
    redirect = RedirectResponse("/admin/", status_code=303)
    try:
        await execute(request.scope, OPERATIONS["AdminSignOut"], None, redirect)
    except OperationError:
        pass  # already signed out: the cookie is cleared below all the same
    redirect.delete_cookie(SESSION_COOKIE, path="/")
    return redirect
