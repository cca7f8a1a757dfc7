"""Shops' offers: classic, percentage or free, each live between two local dates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.expressions import Q

from server.accounts.errors import AccountsError
from server.directory.models import MerchantProfile, Offer, OfferKind

TITLE_LENGTH_MAX = 80  # Offer.title's
DESCRIPTION_LENGTH_MAX = 500
OFFERS_TO_COME_MAX = 20  # live or upcoming offers per shop
STARTS_DAYS_AHEAD_MAX = 366


@dataclass(frozen=True)
class OfferInput:
    kind: str
    title: str
    starts_on: date
    description: str = ""
    percent_off: int | None = None
    ends_on: date | None = None


def live_on(today: date) -> Q:
    """Offers live on `today`: started, and not ended (an offer without an end never ends)."""
    return Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def to_come(today: date) -> Q:
    """Offers live on `today` or later: what a shop still manages."""
    return Q(ends_on__isnull=True) | Q(ends_on__gte=today)


def _checked(given: OfferInput, today: date) -> dict[str, Any]:
    kinds = [kind.value for kind in OfferKind]
    if given.kind not in kinds:
        raise AccountsError("INVALID_INPUT", "kind", f"one of {', '.join(kinds)}")
    title = " ".join(given.title.split())
    if not 1 <= len(title) <= TITLE_LENGTH_MAX:
        raise AccountsError("INVALID_INPUT", "title", f"use 1 to {TITLE_LENGTH_MAX} characters")
    description = given.description.strip()
    if len(description) > DESCRIPTION_LENGTH_MAX:
        raise AccountsError(
            "INVALID_INPUT", "description", f"use at most {DESCRIPTION_LENGTH_MAX} characters"
        )
    if given.kind == OfferKind.PERCENTAGE:
        if given.percent_off is None or not 1 <= given.percent_off <= 100:
            raise AccountsError("INVALID_INPUT", "percentOff", "a percentage from 1 to 100")
    elif given.percent_off is not None:
        raise AccountsError("INVALID_INPUT", "percentOff", "only percentage offers take one")
    if given.starts_on > today + timedelta(days=STARTS_DAYS_AHEAD_MAX):
        raise AccountsError("INVALID_INPUT", "startsOn", "at most a year ahead")
    if given.ends_on is not None:
        if given.ends_on < given.starts_on:
            raise AccountsError("INVALID_INPUT", "endsOn", "on or after the first day")
        if given.ends_on < today:
            raise AccountsError("INVALID_INPUT", "endsOn", "this offer would already be over")
    return {
        "kind": OfferKind(given.kind),
        "title": title,
        "description": description,
        "percent_off": given.percent_off,
        "starts_on": given.starts_on,
        "ends_on": given.ends_on,
    }


async def add_offer(profile: MerchantProfile, given: OfferInput, today: date) -> Offer:
    """A new offer of the shop; `today` is the local date in the currency's zone."""
    values = _checked(given, today)
    # A bound on what a shop keeps running: ended offers do not count.
    if await Offer.filter(to_come(today), profile_id=profile.id).count() >= OFFERS_TO_COME_MAX:
        raise AccountsError(
            "LIMIT_EXCEEDED", "accountId", f"at most {OFFERS_TO_COME_MAX} live or upcoming offers"
        )
    return await Offer.create(profile_id=profile.id, **values)


async def offer_with_profile(offer_id: int) -> Offer | None:
    return await Offer.filter(id=offer_id).select_related("profile").first()


async def remove_offer(offer: Offer) -> None:
    await Offer.filter(id=offer.id).delete()


async def offers_of_profiles(profile_ids: Iterable[int], where: Q) -> dict[int, list[Offer]]:
    """Each profile's offers matching `where` (live_on or to_come), soonest first, in one
    query."""
    offers: dict[int, list[Offer]] = {profile_id: [] for profile_id in profile_ids}
    if offers:
        rows = Offer.filter(where, profile_id__in=list(offers)).order_by("starts_on", "id")
        for offer in await rows:
            offers[offer.profile_id].append(offer)  # type: ignore[attr-defined]
    return offers
