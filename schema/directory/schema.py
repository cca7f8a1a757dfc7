"""Root fields of the shop directory: the public map, and shops managing their page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from schema.accounts.mutations.accounts import LocationInput
from schema.connections import Connection, invalid_input, page, page_size
from schema.directory.types import SHOP_MANAGERS, Merchant, Offer, OfferKind
from schema.errors import MutationError, error, from_domain
from schema.permissions import (
    THROUGH_PARENT,
    AccountRole,
    Anyone,
    SignedIn,
    decode_account_id,
    decode_id,
    field,
    mutation,
    policy,
)
from server.accounts.errors import AccountsError
from server.accounts.models import MemberRole
from server.accounts.principal import Principal
from server.currencies.models import Currency
from server.currencies.services import get_currency
from server.directory import offers, photos, services
from server.directory.listing import (
    BoundingBox,
    MerchantFilter,
    list_merchants,
    merchant_entry,
)
from server.directory.models import MerchantProfile

OWNERS = [MemberRole.OWNER]


@strawberry.input(description="A map's visible area in degrees; west > east crosses 180°.")
class BboxInput:
    south: float
    west: float
    north: float
    east: float


def _degrees(value: float) -> Decimal:
    # Coordinates are not money: a float from the API becomes an exact decimal here.
    return Decimal(repr(value))


async def _currency(info: Info, code: str | None) -> Currency:
    """The currency named (default: the main one); INVALID_INPUT for none such."""
    row = await get_currency(code or info.context.runtime.settings.default_currency)
    if row is None:
        raise invalid_input("no such currency")
    return row


def _may_manage(principal: Principal, account_id: int) -> bool:
    return principal.role_in(account_id) in SHOP_MANAGERS


async def _merchant(info: Info, account_id: int) -> Merchant | None:
    """The shop as its managers see it in the main currency (listed on the map or not)."""
    entry = await merchant_entry(account_id, await _currency(info, None))
    return Merchant(entry=entry) if entry else None


@strawberry.type
class DirectoryQueries:
    @field(rule=Anyone(), description="The categories a shop may have, for `merchants(category:)`.")
    def merchant_categories(self) -> list[str]:
        return list(services.CATEGORIES)

    @field(
        rule=Anyone(),
        description="The public map and directory of a currency: shops whose KYC tier lets "
        "them appear, by name. `first` is 1 to 100. `search` matches name, address, "
        "neighbourhood and category, ignoring case and accents. `openNow` and `withOffers` "
        "filter when true.",
    )
    async def merchants(
        self,
        info: Info,
        currency: str,
        first: int,
        after: str | None = None,
        search: str | None = None,
        category: str | None = None,
        open_now: bool | None = None,
        with_offers: bool | None = None,
        bbox: BboxInput | None = None,
    ) -> Connection[Merchant]:
        row = await _currency(info, currency)
        try:
            area = None
            if bbox is not None:
                area = BoundingBox.from_degrees(
                    *(_degrees(v) for v in (bbox.south, bbox.west, bbox.north, bbox.east))
                )
            filters = MerchantFilter(search, category, open_now, with_offers, area)
            entries, more = await list_merchants(row, page_size(first), after, filters)
        except AccountsError as problem:
            raise invalid_input(f"{problem.field}: {problem.message}") from None
        return page(entries, more, lambda entry: Merchant(entry=entry), lambda e: e.cursor)

    @field(
        rule=SignedIn(),
        description="A business's directory page as its owners and managers (and "
        "administrators) see it, on the map or not yet; null for anyone else.",
    )
    async def merchant_profile(
        self, info: Info, account_id: strawberry.ID, currency: str | None = None
    ) -> Merchant | None:
        number = decode_account_id(account_id)
        principal: Principal = info.context.principal
        if number is None or not (_may_manage(principal, number) or principal.admin_roles):
            return None
        entry = await merchant_entry(number, await _currency(info, currency))
        return Merchant(entry=entry) if entry else None


@strawberry.input(description="Fields left out (or null) stay as they are.")
class UpdateMerchantProfileInput:
    account_id: strawberry.ID
    name: str | None = None
    category: str | None = None
    address: str | None = None
    location: LocationInput | None = None
    neighbourhood: str | None = None
    description: str | None = None


@strawberry.input
class SetMerchantPhotoInput:
    account_id: strawberry.ID
    file: Upload = strawberry.field(description="JPEG, PNG or WebP; 2 MB at most.")


@strawberry.input
class RemoveMerchantPhotoInput:
    account_id: strawberry.ID


@strawberry.input(description="Times are HH:MM; see OpeningRange.")
class OpeningRangeInput:
    day: int = strawberry.field(description="0 Monday to 6 Sunday.")
    opens: str
    closes: str


@strawberry.input
class TimeRangeInput:
    opens: str
    closes: str


@strawberry.input(description="Either closed all day, or the ranges it opens that date.")
class HoursExceptionInput:
    date: date
    closed: bool = False
    ranges: list[TimeRangeInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Replaces all of the shop's hours: at most 50 ranges in all.")
class SetOpeningHoursInput:
    account_id: strawberry.ID
    weekly: list[OpeningRangeInput]
    exceptions: list[HoursExceptionInput] = strawberry.field(default_factory=list)


@strawberry.input
class AddOfferInput:
    account_id: strawberry.ID
    kind: OfferKind
    title: str
    description: str = ""
    percent_off: int | None = strawberry.field(default=None, description="PERCENTAGE: 1 to 100.")
    starts_on: date = strawberry.field(description="The first day it is live.")
    ends_on: date | None = strawberry.field(default=None, description="The last day; null: none.")


@strawberry.input
class RemoveOfferInput:
    id: strawberry.ID


@policy(THROUGH_PARENT)
@strawberry.type
class MerchantPayload:
    merchant: Merchant | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class OfferPayload:
    offer: Offer | None
    merchant: Merchant | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class RemoveOfferPayload:
    removed_id: strawberry.ID | None
    errors: list[MutationError]


UPLOAD_READ_CHUNK = 256 * 1024


async def _read_upload(upload: Upload, limit: int) -> bytes | None:
    """The upload's bytes, reading at most one chunk past the limit; None past it."""
    content = bytearray()
    while len(content) <= limit:
        chunk = await upload.read(UPLOAD_READ_CHUNK)  # type: ignore[attr-defined]
        if not chunk:
            return bytes(content)
        content.extend(chunk)
    return None


NOT_A_SHOP = error("NOT_FOUND", "this account has no page in the directory", "accountId")


async def _profile(account_id: strawberry.ID) -> MerchantProfile | None:
    number = decode_account_id(account_id)
    return await services.profile_of(number) if number is not None else None


async def _today(info: Info) -> date:
    """Today in the main currency's zone: what "past" means for dates shops give."""
    currency = await _currency(info, None)
    return services.local_today(services.time_zone(currency.timezone))


@strawberry.type
class DirectoryMutations:
    @mutation(
        rule=AccountRole(OWNERS),
        description="Changes what the map shows of a shop (owners only: its name and place "
        "are what its KYC review saw). Audited. The handle never changes.",
    )
    async def update_merchant_profile(
        self, info: Info, input: UpdateMerchantProfileInput
    ) -> MerchantPayload:
        profile = await _profile(input.account_id)
        if profile is None:
            return MerchantPayload(merchant=None, errors=[NOT_A_SHOP])
        location = input.location
        changes = services.ProfileChanges(
            name=input.name,
            category=input.category,
            address=input.address,
            neighbourhood=input.neighbourhood,
            latitude=_degrees(location.lat) if location else None,
            longitude=_degrees(location.lng) if location else None,
            description=input.description,
        )
        try:
            await services.update_profile(profile, changes, info.context.principal.user)
        except AccountsError as problem:
            return MerchantPayload(merchant=None, errors=from_domain(problem))
        return MerchantPayload(merchant=await _merchant(info, profile.account.id), errors=[])

    @mutation(
        rule=AccountRole(OWNERS),
        description="Sets the shop's photo, sent as a multipart upload (owners only, as "
        "its profile). Audited. `Merchant.photoUrl` then has a new address.",
    )
    async def set_merchant_photo(self, info: Info, input: SetMerchantPhotoInput) -> MerchantPayload:
        profile = await _profile(input.account_id)
        if profile is None:
            return MerchantPayload(merchant=None, errors=[NOT_A_SHOP])
        if not callable(getattr(input.file, "read", None)):  # a value inline, not a file part
            inline = error("INVALID_INPUT", "send the file as a multipart upload", "file")
            return MerchantPayload(merchant=None, errors=[inline])
        content = await _read_upload(input.file, photos.PHOTO_SIZE_MAX)
        if content is None:
            too_big = error("INVALID_INPUT", "2 MB at most", "file")
            return MerchantPayload(merchant=None, errors=[too_big])
        settings = info.context.runtime.settings
        try:
            await photos.set_photo(
                profile, content, settings.photos_dir, info.context.principal.user
            )
        except AccountsError as problem:
            return MerchantPayload(merchant=None, errors=from_domain(problem))
        return MerchantPayload(merchant=await _merchant(info, profile.account.id), errors=[])

    @mutation(
        rule=AccountRole(OWNERS),
        description="Removes the shop's photo (owners only); audited. None to remove: no error.",
    )
    async def remove_merchant_photo(
        self, info: Info, input: RemoveMerchantPhotoInput
    ) -> MerchantPayload:
        profile = await _profile(input.account_id)
        if profile is None:
            return MerchantPayload(merchant=None, errors=[NOT_A_SHOP])
        folder = info.context.runtime.settings.photos_dir
        await photos.remove_photo(profile, folder, info.context.principal.user)
        return MerchantPayload(merchant=await _merchant(info, profile.account.id), errors=[])

    @mutation(
        rule=AccountRole(SHOP_MANAGERS),
        description="Replaces the shop's weekly hours and dated exceptions (owners and managers).",
    )
    async def set_opening_hours(self, info: Info, input: SetOpeningHoursInput) -> MerchantPayload:
        profile = await _profile(input.account_id)
        if profile is None:
            return MerchantPayload(merchant=None, errors=[NOT_A_SHOP])
        weekly = [services.WeeklyInput(r.day, r.opens, r.closes) for r in input.weekly]
        exceptions = [
            services.ExceptionInput(e.date, e.closed, [(r.opens, r.closes) for r in e.ranges])
            for e in input.exceptions
        ]
        try:
            await services.set_opening_hours(profile, weekly, exceptions, await _today(info))
        except AccountsError as problem:
            return MerchantPayload(merchant=None, errors=from_domain(problem))
        return MerchantPayload(merchant=await _merchant(info, profile.account.id), errors=[])

    @mutation(rule=AccountRole(SHOP_MANAGERS), description="A new offer (owners and managers).")
    async def add_offer(self, info: Info, input: AddOfferInput) -> OfferPayload:
        profile = await _profile(input.account_id)
        if profile is None:
            return OfferPayload(offer=None, merchant=None, errors=[NOT_A_SHOP])
        given = offers.OfferInput(
            kind=OfferKind(input.kind).value,
            title=input.title,
            starts_on=input.starts_on,
            description=input.description,
            percent_off=input.percent_off,
            ends_on=input.ends_on,
        )
        today = await _today(info)
        try:
            row = await offers.add_offer(profile, given, today)
        except AccountsError as problem:
            return OfferPayload(offer=None, merchant=None, errors=from_domain(problem))
        merchant = await _merchant(info, profile.account.id)
        return OfferPayload(offer=Offer(row=row, today=today), merchant=merchant, errors=[])

    @mutation(
        rule=SignedIn(),
        description="Removes an offer: for the shop's owners and managers; NOT_FOUND for "
        "anyone else.",
    )
    async def remove_offer(self, info: Info, input: RemoveOfferInput) -> RemoveOfferPayload:
        offer_id = decode_id(input.id, "Offer")
        row = await offers.offer_with_profile(offer_id) if offer_id is not None else None
        if row is None or not _may_manage(info.context.principal, row.profile.account_id):  # type: ignore[attr-defined]
            missing = error("NOT_FOUND", "no such offer in a shop you manage", "id")
            return RemoveOfferPayload(removed_id=None, errors=[missing])
        await offers.remove_offer(row)
        return RemoveOfferPayload(removed_id=input.id, errors=[])
