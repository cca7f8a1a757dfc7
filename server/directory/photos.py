"""A shop's photo on the map: checked, stored under its content's hash, served for ever.

A photo is a file in the data folder's photos/ (Settings.photos_dir) named by the SHA-256
of its bytes and its kind ("<64 hex>.png"); the profile keeps that name. So its address
(`/directory/photos/<name>`) changes whenever the photo does, and browsers may keep it
as long as they like. Two shops that send the same bytes share the file. A file goes as
soon as no profile names it any more: replacing or removing a photo leaves nothing
behind.

The file is written before the profile names it, and deleted only after no profile does,
so a shop never points to a missing file; in this process one lock keeps those steps of
two requests apart (a file shared by two shops, one removing it as the other sends it).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import weakref
from pathlib import Path

from tortoise.transactions import in_transaction

from server import clock
from server.accounts import audit
from server.accounts.errors import AccountsError
from server.accounts.models import User
from server.directory.models import MerchantProfile

PHOTO_SIZE_MAX = 2 * 1024 * 1024
URL_PREFIX = "/directory/photos/"
# Recognised by their first bytes, never by the file's name or what the client claims.
_KINDS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")
# One lock per event loop (the server has one; the tests open several).
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _lock() -> asyncio.Lock:
    return _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())


def sniff_photo(content: bytes) -> str | None:
    """The extension of a JPEG, PNG or WebP image, or None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
    return None


def photo_url(name: str | None) -> str | None:
    return URL_PREFIX + name if name else None


def content_type_of(name: str) -> str | None:
    """The Content-Type of a stored photo's name; None for a name we never give."""
    found = _NAME.match(name)
    return _KINDS[found.group(1)] if found else None


def photo_path(folder: Path, name: str) -> Path | None:
    """Where a photo of that name lives; None for a name we never give (no path tricks)."""
    return folder / name if content_type_of(name) else None


def _write_public(path: Path, content: bytes) -> None:
    if path.is_file():
        return  # the same name is the same bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


async def _forget(folder: Path, name: str | None) -> None:
    """Deletes the file unless a profile still names it."""
    if name and not await MerchantProfile.filter(photo=name).exists():
        await asyncio.to_thread((folder / name).unlink, missing_ok=True)


async def _current(profile: MerchantProfile) -> str | None:
    names = await MerchantProfile.filter(id=profile.id).values_list("photo", flat=True)
    return names[0] if names else None  # type: ignore[return-value]


def check_photo(content: bytes) -> str:
    """The stored name the photo gets, or why it is refused (INVALID_INPUT on `file`)."""
    if not content:
        raise AccountsError("INVALID_INPUT", "file", "the file is empty")
    if len(content) > PHOTO_SIZE_MAX:
        raise AccountsError("INVALID_INPUT", "file", "2 MB at most")
    extension = sniff_photo(content)
    if extension is None:
        raise AccountsError("INVALID_INPUT", "file", "send a JPEG, PNG or WebP image")
    return f"{hashlib.sha256(content).hexdigest()}.{extension}"


async def _replace(profile: MerchantProfile, name: str | None, folder: Path, by: User) -> None:
    """Names the photo in the profile, audited, then deletes the old file unless shared;
    the caller holds the lock."""
    old = await _current(profile)
    if old != name:
        async with in_transaction():
            await MerchantProfile.filter(id=profile.id).update(photo=name, updated_at=clock.now())
            await audit.record(
                by,
                "merchant_profile.update",
                "account",
                profile.account_id,  # type: ignore[attr-defined]
                before={"photo": photo_url(old)},
                after={"photo": photo_url(name)},
            )
        await _forget(folder, old)
    profile.photo = name


async def set_photo(profile: MerchantProfile, content: bytes, folder: Path, by: User) -> None:
    """Makes `content` the shop's photo; a refusal (AccountsError) changes nothing."""
    name = check_photo(content)
    async with _lock():
        await asyncio.to_thread(_write_public, folder / name, content)
        try:
            await _replace(profile, name, folder, by)
        except BaseException:
            await _forget(folder, name)  # no file of a failed change stays behind
            raise


async def remove_photo(profile: MerchantProfile, folder: Path, by: User) -> None:
    """The shop has no photo any more (nothing happens when it had none)."""
    async with _lock():
        await _replace(profile, None, folder, by)
