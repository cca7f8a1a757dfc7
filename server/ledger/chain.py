"""The journal's hash chain: what each entry's hash covers, computed one way everywhere."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64
# The fields an entry's hash covers: everything it says, nothing that changes later
# (`refunded_cents` grows with refunds and is checked against the refunds instead).
HASHED_FIELDS = (
    "_id",
    "currency",
    "kind",
    "legs",
    "amount_cents",
    "from_account_id",
    "to_account_id",
    "memo",
    "reason",
    "refund_of",
    "corrects",
    "created_by_user_id",
    "created_at",
    "sequence",
)


def canonical(entry: dict[str, Any]) -> bytes:
    fields = {}
    for name in HASHED_FIELDS:
        value = entry.get(name)
        if name in ("_id", "refund_of", "corrects") and value is not None:
            value = str(value)
        elif name == "created_at" and value is not None:
            value = value.replace(tzinfo=None).isoformat(timespec="milliseconds")
        elif name == "legs":
            value = [
                {"account_id": leg["account_id"], "amount_cents": leg["amount_cents"]}
                for leg in value or []
            ]
        fields[name] = value
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(previous_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode() + canonical(entry)).hexdigest()
