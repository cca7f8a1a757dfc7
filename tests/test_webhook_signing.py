"""Standard Webhooks signatures, checked against the specification's own example."""

from server.webhooks import signing

# The example of the Standard Webhooks specification (standard-webhooks/standard-webhooks,
# spec/standard-webhooks.md, "Verifying webhook signatures"), also its libraries' test vector.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_specifications_example_signs_as_published() -> None:
    assert signing.signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_receiver_accepts_fresh_signed_deliveries_only() -> None:
    verify = signing.verify
    now = SPEC_TIMESTAMP + 10
    assert verify(SPEC_SECRET, SPEC_ID, str(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY, now)
    assert not verify(
        SPEC_SECRET, SPEC_ID, str(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY + b" ", now
    )
    assert not verify(
        SPEC_SECRET, SPEC_ID, str(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP + 301
    )  # too old: a replay
    assert not verify(SPEC_SECRET, SPEC_ID, "yesterday", SPEC_SIGNATURE, SPEC_BODY, now)


def test_during_rotation_both_secrets_sign_and_either_verifies() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"type": "payment_order.succeeded"}'
    sent = signing.headers([new, old], "msg_1", 1_700_000_000, body)
    for secret in (old, new):
        assert signing.verify(
            secret,
            "msg_1",
            sent["webhook-timestamp"],
            sent["webhook-signature"],
            body,
            1_700_000_005,
        )
    assert not signing.verify(
        signing.new_secret(),
        "msg_1",
        sent["webhook-timestamp"],
        sent["webhook-signature"],
        body,
        1_700_000_005,
    )
