"""The shop's photo on its page (/wallet/<code>/shop): seen by its owners and managers, changed by
its owners (`setMerchantPhoto`, `removeMerchantPhoto`, as `updateMerchantProfile`).

A file cannot travel over the live component's WebSocket: server/static/wallet-upload.js
takes over the upload form's submit (the form is marked `data-upload`) and POSTs the file
to /graphql as a GraphQL multipart request with the persisted operation
WalletShopSetPhoto; it writes the outcome into the hidden input `shop-photo-result` and
dispatches an input event, and this component then says what happened, beside the file
field, in the person's language, and shows the new photo. Removing is a plain mutation.

Test IDs: `shop-photo` (`data-has-photo`), `shop-photo-image`, `shop-photo-none`,
`shop-photo-upload`, `shop-photo-file`, `shop-photo-file-problem`, `shop-photo-submit`,
`shop-photo-remove`, `shop-photo-problem`, `shop-photo-notice`, `shop-photo-result`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from reactpy import component, event, html, use_state

from pwa.shop_form import invalid, notice, problem_line
from pwa.texts import text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
UPLOAD_SCRIPT = "/static/wallet-upload.js"
UPLOAD_OPERATION = "WalletShopSetPhoto"
PHOTO_SIZE_MAX = 2 * 1024 * 1024  # setMerchantPhoto's
SIZE_MESSAGE = "2 MB at most"  # its message for a larger file
ACCEPTED = ".jpg,.jpeg,.png,.webp,image/jpeg,image/png,image/webp"
FILE_INPUT = {"width": "100%", "minWidth": "0", "boxSizing": "border-box", "fontWeight": "400"}
IMAGE = {
    "display": "block",
    "width": "100%",
    "maxWidth": "24rem",
    "maxHeight": "16rem",
    "objectFit": "cover",
    "borderRadius": ".75rem",
    "background": "#dde3e8",
}
_MESSAGES = {
    "2 MB at most": "shop_photo_big",
    "the file is empty": "shop_photo_empty",
}


def photo_problem(language: str, error: dict[str, Any]) -> tuple[str, str]:
    """(field, words) for an error of the upload or the removal: the file's own problems
    beside the file field, anything else under the form."""
    if error.get("field") == "file" and error.get("code") == "INVALID_INPUT":
        key = _MESSAGES.get(str(error.get("message")), "shop_photo_kind")
        return "file", text(language, key)
    return "", text(language, "shop_photo_failed")


def photo_image(url: str | None, name: str, language: str) -> Any:
    """The photo with the shop's name as its text, or a line saying there is none."""
    if not url:
        return html.p(
            {"className": "muted", "data-testid": "shop-photo-none"},
            text(language, "shop_photo_none"),
        )
    return html.img({"src": url, "alt": name, "style": IMAGE, "data-testid": "shop-photo-image"})


@component
def ShopPhoto(  # type: ignore[no-untyped-def]
    scope: dict[str, Any],
    account_id: str,
    merchant: dict[str, Any],
    language: str,
    editable: bool,
):
    shown, set_shown = use_state(
        lambda: {"url": merchant.get("photoUrl"), "name": merchant["name"]}
    )
    problems, set_problems = use_state(cast(dict[str, str], {}))
    said, set_said = use_state("")  # the notice's text key
    busy, set_busy = use_state(False)

    async def reload() -> None:
        try:
            found = await execute(scope, OPERATIONS["WalletShopPhoto"], {"accountId": account_id})
        except OperationError:
            return
        page = found.get("merchantProfile")
        if page:
            set_shown({"url": page["photoUrl"], "name": page["name"]})

    async def uploaded(e: Any) -> None:
        try:
            outcome = json.loads(str(e["target"]["value"]))
        except (KeyError, TypeError, ValueError):
            return
        if outcome.get("ok"):
            set_problems({})
            set_said("shop_photo_saved")
            await reload()
            return
        set_said("")
        field, words = photo_problem(language, outcome.get("error") or {})
        set_problems({field: words})

    async def remove(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_said("")
        try:
            result = (
                await execute(
                    scope,
                    OPERATIONS["WalletShopRemovePhoto"],
                    {"input": {"accountId": account_id}},
                )
            )["removeMerchantPhoto"]
        except OperationError:
            set_busy(False)
            set_problems({"": text(language, "shop_photo_failed")})
            return
        set_busy(False)
        if result["errors"]:
            field, words = photo_problem(language, result["errors"][0])
            set_problems({field: words})
            return
        set_problems({})
        set_shown(lambda old: old | {"url": None})
        set_said("shop_photo_removed")

    def picked(_: Any) -> None:
        set_problems({})
        set_said("")

    has_photo = bool(shown["url"])
    parts: list[Any] = [
        html.h3({"id": "shop-photo-title", "style": {"margin": "0"}}, text(language, "shop_photo")),
        html.p({"className": "muted", "style": {"margin": "0"}}, text(language, "shop_photo_hint")),
        photo_image(shown["url"], shown["name"], language),
    ]
    if editable:
        file_problem = problems.get("file")
        parts.append(
            html.form(
                {
                    "className": "stack",
                    "data-upload": "",
                    "data-operation": UPLOAD_OPERATION,
                    "data-sha256": OPERATIONS[UPLOAD_OPERATION].sha256,
                    "data-payload": "setMerchantPhoto",
                    "data-input": json.dumps({"accountId": account_id}),
                    "data-size-max": str(PHOTO_SIZE_MAX),
                    "data-size-message": SIZE_MESSAGE,
                    "data-result": "shop-photo-result",
                    "data-testid": "shop-photo-upload",
                    # The script takes the submit first; this only keeps the page from
                    # reloading in the moment before the script has loaded.
                    "onSubmit": event(lambda _: None, prevent_default=True),
                },
                html.label(
                    {"style": {"minWidth": "0"}},
                    text(language, "shop_photo_file"),
                    html.input(
                        {
                            "type": "file",
                            "name": "file",
                            "accept": ACCEPTED,
                            "required": True,
                            "style": FILE_INPUT,
                            "data-testid": "shop-photo-file",
                            "onChange": picked,
                            **invalid("shop-photo-file", file_problem),
                        }
                    ),
                ),
                problem_line("shop-photo-file", file_problem),
                html.div(
                    {"style": {"display": "flex", "gap": ".5rem", "flexWrap": "wrap"}},
                    html.button(
                        {"type": "submit", "data-testid": "shop-photo-submit"},
                        text(language, "shop_photo_send"),
                    ),
                    html.button(
                        {
                            "type": "button",
                            "className": "secondary",
                            "disabled": busy,
                            "data-testid": "shop-photo-remove",
                            "onClick": remove,
                        },
                        text(language, "shop_photo_remove"),
                    )
                    if has_photo
                    else "",
                ),
            )
        )
        parts += [
            problem_line("shop-photo", problems.get("")),
            notice("shop-photo-notice", text(language, said) if said else ""),
            html.input(
                {
                    "type": "text",
                    "hidden": True,
                    "id": "shop-photo-result",
                    "aria-hidden": "true",
                    "tabIndex": -1,
                    "data-testid": "shop-photo-result",
                    "onChange": uploaded,
                }
            ),
            html.script({"src": UPLOAD_SCRIPT}),
        ]
    return html.section(
        {
            "className": "card stack",
            "aria-labelledby": "shop-photo-title",
            "data-testid": "shop-photo",
            "data-has-photo": "true" if has_photo else "false",
        },
        *parts,
    )
