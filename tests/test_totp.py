"""TOTP against the test vectors of RFC 6238, appendix B (SHA-1, 8 digits)."""

import base64

import pytest

from server.accounts import totp

# RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_vectors(unix_time: int, expected: str) -> None:
    assert totp.code_at(RFC_SECRET, unix_time // 30, digits=8) == expected


def test_a_code_is_valid_one_step_around_now_and_only_once() -> None:
    secret = totp.new_secret()
    now = 1_700_000_000.0
    step = totp.current_step(now)
    code = totp.code_at(secret, step)
    assert totp.matching_step(secret, code, after_step=0, now_s=now) == step
    assert totp.matching_step(secret, code, after_step=0, now_s=now + 30) == step
    assert totp.matching_step(secret, code, after_step=0, now_s=now + 90) is None
    assert totp.matching_step(secret, code, after_step=step, now_s=now) is None  # replay


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_never_match(bad: str) -> None:
    assert totp.matching_step(totp.new_secret(), bad, after_step=0) is None


def test_provisioning_uri_names_issuer_and_account() -> None:
    uri = totp.provisioning_uri("ABC", "anna@example.org", "REC")
    assert uri.startswith("otpauth://totp/REC%3Aanna%40example.org?secret=ABC&issuer=REC")
