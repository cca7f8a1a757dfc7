"""Webhook endpoints: registered by owners with a secret shown once and stored sealed,
rotated with both secrets in force for 24 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server import clock
from server.accounts import services as accounts
from server.accounts.errors import AccountsError
from server.directory.services import register_business
from server.settings import Settings
from server.webhooks import services as webhooks
from server.webhooks import signing
from server.webhooks.models import WebhookEndpoint

SECRET_KEY = "x" * 40


async def _shop():  # type: ignore[no-untyped-def]
    owner = await accounts.create_user("owner@example.org", "a long enough passphrase", "O")
    return await register_business(
        owner,
        name="Forn",
        category="bakery",
        address="Carrer Gran, 1",
        latitude="41.4",
        longitude="2.15",
    )


async def test_an_endpoint_keeps_its_secret_sealed_and_signs_with_it(stores: Settings) -> None:
    shop = await _shop()
    created = await webhooks.add_endpoint(
        shop,
        "https://shop.example.org/hooks",
        ["payment_order.succeeded"],
        SECRET_KEY,
        development=False,
    )
    assert created.secret.startswith("whsec_")
    row = await WebhookEndpoint.get(id=created.endpoint.id)
    assert created.secret not in row.secret_sealed
    assert webhooks.secrets_in_force(row, SECRET_KEY) == [created.secret]


@pytest.mark.parametrize(
    ("url", "events", "development", "field"),
    [
        ("http://shop.example.org/hooks", ["refund.succeeded"], False, "url"),
        ("http://127.0.0.1:9000/hooks", ["refund.succeeded"], False, "url"),
        ("https://shop.example.org/hooks", ["everything"], False, "events"),
        ("https://shop.example.org/hooks", [], False, "events"),
        ("ftp://shop.example.org/hooks", ["refund.succeeded"], True, "url"),
    ],
)
async def test_bad_endpoints_are_refused(
    stores: Settings, url: str, events: list[str], development: bool, field: str
) -> None:
    shop = await _shop()
    with pytest.raises(AccountsError) as refused:
        await webhooks.add_endpoint(shop, url, events, SECRET_KEY, development=development)
    assert refused.value.field == field
    assert await WebhookEndpoint.all().count() == 0


async def test_plain_http_on_loopback_is_allowed_in_development(stores: Settings) -> None:
    shop = await _shop()
    created = await webhooks.add_endpoint(
        shop, "http://127.0.0.1:9000/hooks", ["refund.succeeded"], SECRET_KEY, development=True
    )
    assert created.endpoint.url == "http://127.0.0.1:9000/hooks"


async def test_a_rotation_signs_with_both_secrets_for_a_day(stores: Settings) -> None:
    shop = await _shop()
    created = await webhooks.add_endpoint(
        shop,
        "https://shop.example.org/hooks",
        ["payment_order.succeeded"],
        SECRET_KEY,
        development=False,
    )
    new = await webhooks.rotate_secret(created.endpoint, SECRET_KEY)
    row = await WebhookEndpoint.get(id=created.endpoint.id)
    assert webhooks.secrets_in_force(row, SECRET_KEY) == [new, created.secret]
    sent = signing.headers(
        webhooks.secrets_in_force(row, SECRET_KEY), "msg_1", 1_700_000_000, b"{}"
    )
    for secret in (new, created.secret):
        assert signing.verify(
            secret,
            "msg_1",
            sent["webhook-timestamp"],
            sent["webhook-signature"],
            b"{}",
            1_700_000_001,
        )
    row.previous_secret_until = clock.now() - timedelta(seconds=1)
    await row.save()
    assert webhooks.secrets_in_force(row, SECRET_KEY) == [new]
