"""Sending mail: SMTP for real, a sandbox outbox in development and tests.

Both adapters have the same interface; the sandbox one is the only stand-in for the
mail server, which tests cannot reach. Messages it "sends" are kept in the relational
store, where the admin panel shows them.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from server.mail.models import OutboxMail
from server.settings import Settings
from server.stores.relational import keyset_page


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    async def send(self, message: MailMessage) -> None: ...


class SandboxMailer:
    """Development and tests: keeps every message in the sandbox outbox; sends nothing."""

    async def send(self, message: MailMessage) -> None:
        await OutboxMail.create(to=message.to, subject=message.subject, body=message.body)


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout_s: float = 10.0

    async def send(self, message: MailMessage) -> None:
        await asyncio.to_thread(self._send, message)

    def _send(self, message: MailMessage) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, message.to, message.subject
        email.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email)


def mailer_for(settings: Settings) -> Mailer:
    if settings.mail_backend == "smtp":
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    return SandboxMailer()


async def sandbox_outbox(first: int, after: int | None = None) -> tuple[list[OutboxMail], bool]:
    """The mail the sandbox kept, newest first, and whether more follow."""
    return await keyset_page(OutboxMail.all(), first, after)
