"""The active business account's webhook endpoints, for its owners
(`Account.webhookEndpoints`): each with its address, its events and how its deliveries
fare (the circuit breaker's state, the last delivery and its answer, the last error); a
new one (`addWebhookEndpoint`) with an address and events among the API's
(`webhookEventTypes`), its signing secret shown this once; a new secret (`rotateWebhookSecret`,
the old one signs for 24 hours more), shown once too; removing one
(`removeWebhookEndpoint`) after a confirmation.

Test IDs: `webhooks`, `webhook-item` (`data-url`), `webhook-health` (`data-state`),
`webhook-last-delivery` (`data-status`), `webhook-rotate`, `webhook-remove`,
`webhook-remove-confirm`, `webhook-remove-cancel`, `webhook-problem`, `webhooks-notice`,
`webhook-form`, `webhook-url`, `webhook-event-<type>` ("." as "-"), `webhook-add`,
`webhook-<field>-problem`, `webhook-secret` with `webhook-secret-value`, `-copy`, `-done`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state

from pwa.accounts_parts import (
    BREAK,
    FIELDSET,
    ITEM,
    LIST,
    SMALL_BUTTON,
    UNAVAILABLE,
    calling,
    checkbox,
    confirmation,
    field_problems,
    notice,
    problem_line,
    problem_of,
    safe_id,
    secret_panel,
    tied,
)
from pwa.i18n import when
from pwa.texts import TEXTS, text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
URL_LENGTH_MAX = 2000


def event_label(language: str, event_type: str) -> str:
    key = f"acc_event_{event_type}"
    return f"{event_type}: {text(language, key)}" if key in TEXTS else event_type


def _health(endpoint: dict[str, Any], language: str, timezone: str) -> Any:
    """How deliveries to it fare: the breaker, the last delivery, the last error."""
    health = endpoint["health"]
    state = health["state"]
    lines: list[Any] = [
        html.span(
            {"data-testid": "webhook-health", "data-state": state, "key": "state"},
            text(language, f"acc_health_{state}").format(count=health["consecutiveFailures"]),
        )
    ]
    edges = endpoint["deliveries"]["edges"]
    if not edges:
        lines.append(
            html.span({"className": "muted", "key": "none"}, text(language, "acc_no_deliveries"))
        )
    else:
        delivery = edges[0]["node"]
        status = delivery["status"]
        key = f"acc_delivery_{status}"
        status_words = text(language, key) if key in TEXTS else status
        attempts = delivery["attempts"]
        if attempts:
            last = attempts[-1]
            answer = text(language, "acc_delivery_answer").format(
                code=last["statusCode"] if last["statusCode"] is not None else "—",
                when=when(last["at"], language, timezone),
            )
            status_words = f"{status_words} ({answer})"
        lines.append(
            html.span(
                {"data-testid": "webhook-last-delivery", "data-status": status, "key": "last"},
                text(language, "acc_last_delivery").format(
                    event=delivery["eventType"], status=status_words
                ),
            )
        )
    if health["lastSuccessAt"]:
        lines.append(
            html.span(
                {"className": "muted", "key": "ok"},
                text(language, "acc_last_success").format(
                    when=when(health["lastSuccessAt"], language, timezone)
                ),
            )
        )
    if health["lastError"]:
        lines.append(
            html.span(
                {"className": "error", "style": BREAK, "key": "error"},
                text(language, "acc_last_error").format(error=health["lastError"]),
            )
        )
    return html.div({"style": {"display": "grid", "gap": ".1rem"}}, *lines)


def _endpoint_item(
    endpoint: dict[str, Any], language: str, timezone: str, state: dict[str, Any]
) -> Any:
    url = endpoint["url"]
    problem = state["problem"]
    problem_words = (
        problem_of(language, "endpoint", problem)
        if problem is not None and problem.get("endpointId") == endpoint["id"]
        else ""
    )
    if state["confirming"] == endpoint["id"]:
        actions: Any = confirmation(
            "webhook-remove",
            text(language, "acc_remove_webhook_confirm").format(url=url),
            text(language, "acc_remove_webhook_yes"),
            text(language, "acc_cancel"),
            calling(state["remove"], endpoint),
            lambda _: state["confirm"](None),
            state["busy"],
        )
    else:
        actions = html.div(
            {"className": "actions"},
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "disabled": state["busy"],
                    "style": SMALL_BUTTON,
                    "aria-label": text(language, "acc_rotate_label").format(url=url),
                    "data-testid": "webhook-rotate",
                    "onClick": calling(state["rotate"], endpoint),
                },
                text(language, "acc_rotate"),
            ),
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "style": SMALL_BUTTON,
                    "aria-label": text(language, "acc_remove_webhook_label").format(url=url),
                    "data-testid": "webhook-remove",
                    "onClick": lambda _: state["confirm"](endpoint["id"]),
                },
                text(language, "acc_remove_webhook"),
            ),
        )
    previous = endpoint["previousSecretUntil"]
    return html.li(
        {
            "key": endpoint["id"],
            "data-testid": "webhook-item",
            "data-url": url,
            "style": ITEM | {"display": "grid", "gap": ".25rem"},
        },
        html.strong({"style": BREAK}, url),
        html.span({"className": "muted", "style": BREAK}, ", ".join(endpoint["events"])),
        _health(endpoint, language, timezone),
        html.span(
            {"className": "muted"},
            text(language, "acc_rotated_note").format(when=when(previous, language, timezone)),
        )
        if previous
        else "",
        actions,
        html.p(
            {"className": "error", "role": "alert", "data-testid": "webhook-problem"}, problem_words
        )
        if problem_words
        else "",
    )


def _endpoint_form(
    language: str,
    event_types: list[str],
    fields: dict[str, Any],
    problems: dict[str, str],
    busy: bool,
    on: dict[str, Any],
) -> Any:
    chosen: list[str] = fields["events"]
    return html.form(
        {
            "className": "stack",
            "noValidate": True,
            "aria-labelledby": "webhook-form-title",
            "data-testid": "webhook-form",
            "onSubmit": event(on["add"], prevent_default=True),
        },
        html.h4(
            {"id": "webhook-form-title", "style": {"margin": "0"}},
            text(language, "acc_new_webhook"),
        ),
        html.label(
            text(language, "acc_webhook_url"),
            html.input(
                {
                    "type": "url",
                    "inputMode": "url",
                    "autoComplete": "off",
                    "maxLength": URL_LENGTH_MAX,
                    "value": fields["url"],
                    "data-testid": "webhook-url",
                    "onChange": lambda e: on["url"](e["target"]["value"][:URL_LENGTH_MAX]),
                    **tied("webhook-url", problems.get("url", "")),
                }
            ),
        ),
        problem_line("webhook-url", problems.get("url", "")),
        html.fieldset(
            {
                "style": FIELDSET,
                "className": "stack",
                **tied("webhook-events", problems.get("events", "")),
            },
            html.legend(text(language, "acc_events")),
            *[
                checkbox(
                    f"webhook-event-{safe_id(kind)}",
                    event_label(language, kind),
                    kind in chosen,
                    partial(on["event"], kind),
                )
                for kind in event_types
            ],
        ),
        problem_line("webhook-events", problems.get("events", "")),
        problem_line("webhook-form", problems.get("", "")),
        html.button(
            {
                "type": "submit",
                "disabled": busy,
                "style": {"justifySelf": "start"},
                "data-testid": "webhook-add",
            },
            text(language, "acc_add_webhook"),
        ),
    )


@component
def Webhooks(  # type: ignore[no-untyped-def]
    scope: dict[str, Any], account_id: str, event_types: list[str], language: str, timezone: str
):
    endpoints, set_endpoints = use_state(cast(Any, None))
    failed, set_failed = use_state(False)
    confirming, set_confirming = use_state(cast(Any, None))
    problem, set_problem = use_state(cast(Any, None))
    busy, set_busy = use_state(False)
    message, set_message = use_state("")
    fields, set_fields = use_state(cast(dict[str, Any], {"url": "", "events": list(event_types)}))
    form_problem, set_form_problem = use_state(cast(Any, None))
    secret, set_secret = use_state(cast(Any, None))

    async def reload() -> None:
        try:
            answer = await execute(scope, OPERATIONS["WalletAccountWebhooks"], {"id": account_id})
        except OperationError:
            set_failed(True)
            return
        set_failed(False)
        set_endpoints(((answer.get("node") or {}).get("webhookEndpoints")) or [])

    @use_async_effect(dependencies=[])
    async def load() -> None:
        await reload()

    async def change_one(endpoint: dict[str, Any], operation: str, payload: str) -> Any:
        """Rotates or removes one endpoint; the payload, or None after a refusal."""
        set_problem(None)
        try:
            answer = (
                await execute(scope, OPERATIONS[operation], {"input": {"id": endpoint["id"]}})
            )[payload]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        set_confirming(None)
        if answer["errors"]:
            set_problem(answer["errors"][0] | {"endpointId": endpoint["id"]})
            return None
        return answer

    async def rotate(endpoint: dict[str, Any]) -> None:
        if busy:
            return
        set_busy(True)
        answer = await change_one(endpoint, "WalletRotateWebhookSecret", "rotateWebhookSecret")
        if answer is not None:
            set_secret({"url": endpoint["url"], "value": answer["secret"]})
            set_message("")
            await reload()
        set_busy(False)

    async def remove(endpoint: dict[str, Any]) -> None:
        if busy:
            return
        set_busy(True)
        answer = await change_one(endpoint, "WalletRemoveWebhookEndpoint", "removeWebhookEndpoint")
        if answer is not None:
            set_message(text(language, "acc_webhook_removed").format(url=endpoint["url"]))
            await reload()
        set_busy(False)

    def choose(kind: str, on_off: bool) -> None:
        others = [k for k in fields["events"] if k != kind]
        set_fields(fields | {"events": others + ([kind] if on_off else [])})

    async def add(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_form_problem(None)
        values = {"accountId": account_id, "url": fields["url"].strip(), "events": fields["events"]}
        try:
            answer = (
                await execute(scope, OPERATIONS["WalletAddWebhookEndpoint"], {"input": values})
            )["addWebhookEndpoint"]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        if answer["errors"]:
            set_form_problem(answer["errors"][0])
        else:
            set_secret({"url": answer["webhookEndpoint"]["url"], "value": answer["secret"]})
            set_message("")
            set_fields({"url": "", "events": list(event_types)})
            await reload()
        set_busy(False)

    if endpoints is None:
        listing: Any = (
            html.p({"role": "alert", "className": "error"}, text(language, "acc_unavailable"))
            if failed
            else html.p({"aria-busy": "true"}, "…")
        )
    elif not endpoints:
        listing = html.p({"className": "muted"}, text(language, "acc_no_webhooks"))
    else:
        state = {
            "problem": problem,
            "confirming": confirming,
            "busy": busy,
            "rotate": rotate,
            "remove": remove,
            "confirm": set_confirming,
        }
        listing = html.ul(
            {"style": LIST}, *[_endpoint_item(e, language, timezone, state) for e in endpoints]
        )
    problems = field_problems(language, "webhook", form_problem, ("url", "events"))
    return html.section(
        {"className": "card stack", "data-testid": "webhooks"},
        html.h3({"style": {"margin": "0"}}, text(language, "acc_webhooks")),
        html.p({"className": "muted"}, text(language, "acc_webhooks_intro")),
        notice("webhooks-notice", message),
        secret_panel(
            "webhook-secret",
            language,
            text(language, "acc_webhook_secret").format(url=secret["url"]),
            secret["value"],
            text(language, "acc_webhook_secret_warning"),
            lambda _: set_secret(None),
        )
        if secret
        else "",
        listing,
        _endpoint_form(
            language,
            event_types,
            fields,
            problems,
            busy,
            {"add": add, "url": lambda v: set_fields(fields | {"url": v}), "event": choose},
        ),
    )
