"""The SMTP adapter against a real SMTP server on 127.0.0.1; the sandbox keeps mail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from server.mail import MailMessage, SandboxMailer, SmtpMailer, sandbox_outbox
from server.settings import Settings
from server.stores.embedded import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


async def test_smtp_mailer_delivers_to_a_real_server(smtp_server) -> None:  # type: ignore[no-untyped-def]
    controller, inbox = smtp_server
    mailer = SmtpMailer(
        host="127.0.0.1",
        port=controller.port,
        sender="REC <no-reply@rec.example>",
        starttls=False,
    )
    await mailer.send(MailMessage(to="anna@example.org", subject="Hola", body="Bon dia, Anna"))
    assert len(inbox.messages) == 1
    sender, recipients, content = inbox.messages[0]
    assert sender == "no-reply@rec.example" and recipients == ["anna@example.org"]
    assert b"Subject: Hola" in content and b"Bon dia, Anna" in content


async def test_an_unreachable_smtp_server_raises(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mailer = SmtpMailer(
        host="127.0.0.1", port=free_port(), sender="x@rec.example", starttls=False, timeout_s=2
    )
    with pytest.raises(OSError):
        await mailer.send(MailMessage(to="a@example.org", subject="s", body="b"))


async def test_sandbox_mailer_keeps_messages_newest_first(stores: Settings) -> None:
    mailer = SandboxMailer()
    await mailer.send(MailMessage(to="a@example.org", subject="first", body="1"))
    await mailer.send(MailMessage(to="b@example.org", subject="second", body="2"))
    assert [m.subject for m in (await sandbox_outbox(100))[0]] == ["second", "first"]
