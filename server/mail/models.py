"""The sandbox outbox: mail the development sandbox 'sends', kept for people to read."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxMail(Model):
    id = fields.IntField(primary_key=True)
    to = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sandbox_outbox"
        ordering = ["-id"]
