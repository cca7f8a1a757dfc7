import json
import logging

from server.logs import JsonFormatter, redact, request_id_var


def test_credentials_in_urls_are_masked() -> None:
    text = "connecting to postgres://rec:s3cr3t-pass@db:5432/rec and mongodb://u:p4ss@m/"
    assert redact(text) == "connecting to postgres://rec:***@db:5432/rec and mongodb://u:***@m/"


def test_key_value_secrets_and_bearer_tokens_are_masked() -> None:
    text = 'password=hunter2222 token: "abc.def" Authorization: Bearer eyJhbGciOi.x.y'
    masked = redact(text)
    assert "hunter2222" not in masked and "abc.def" not in masked and "eyJhbGciOi" not in masked


def test_known_secret_values_are_masked_wherever_they_appear() -> None:
    secret = "the-secret-key-value-0123456789"
    assert redact(f"boom {secret} boom", [secret]) == "boom *** boom"


def test_json_lines_carry_the_request_id_and_no_secret() -> None:
    formatter = JsonFormatter(["super-secret-value-42"])
    token = request_id_var.set("req-12345678")
    try:
        record = logging.LogRecord(
            "rec.http",
            logging.INFO,
            __file__,
            1,
            "request to %s with super-secret-value-42",
            ("/graphql",),
            None,
        )
        record.status = 200
        line = formatter.format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-12345678"
    assert entry["status"] == 200
    assert entry["msg"] == "request to /graphql with ***"
    assert "\n" not in line
