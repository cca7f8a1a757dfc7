"""The admin panel's sign-in and sign-out form posts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from admin_ui.ui import OPERATIONS
from schema import session_forms


async def sign_in(request: Request) -> Response:
    return await session_forms.sign_in(request, OPERATIONS["AdminSignIn"], "/admin/")


async def sign_out(request: Request) -> Response:
    return await session_forms.sign_out(request, OPERATIONS["AdminSignOut"], "/admin/")
