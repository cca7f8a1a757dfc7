"""The merchant directory: shops, where they are, what they do."""

from __future__ import annotations

from decimal import Decimal

from tortoise.transactions import in_transaction

from server.accounts.errors import AccountsError
from server.accounts.models import Account, User
from server.accounts.services import create_business_account
from server.directory.models import MerchantProfile

NEIGHBOURHOOD_LENGTH_MAX = 80  # MerchantProfile.neighbourhood's
CATEGORIES = (
    "bakery",
    "bookshop",
    "cafe",
    "culture",
    "grocery",
    "health",
    "restaurant",
    "services",
    "shop",
    "other",
)

_MICRO = Decimal(1_000_000)


def to_micro_degrees(value: Decimal | str) -> int:
    return int((Decimal(value) * _MICRO).to_integral_value())


def from_micro_degrees(value: int) -> Decimal:
    return Decimal(value) / _MICRO


async def create_merchant_profile(
    account: Account,
    *,
    category: str,
    address: str,
    neighbourhood: str,
    latitude: Decimal | str,
    longitude: Decimal | str,
    description: str = "",
) -> MerchantProfile:
    latitude_e6, longitude_e6 = to_micro_degrees(latitude), to_micro_degrees(longitude)
    if not (
        -90_000_000 <= latitude_e6 <= 90_000_000 and -180_000_000 <= longitude_e6 <= 180_000_000
    ):
        raise ValueError("coordinates out of range")
    return await MerchantProfile.create(
        account=account,
        category=category,
        address=address,
        neighbourhood=neighbourhood,
        latitude_e6=latitude_e6,
        longitude_e6=longitude_e6,
        description=description,
    )


async def count_merchants() -> int:
    return await MerchantProfile.all().count()


async def register_business(
    owner: User,
    *,
    name: str,
    category: str,
    address: str,
    latitude: Decimal | str,
    longitude: Decimal | str,
    neighbourhood: str = "",
) -> Account:
    """A business account owned by `owner`, with its place on the map, or nothing at all."""
    if category not in CATEGORIES:
        raise AccountsError("INVALID_INPUT", "category", f"choose one of {', '.join(CATEGORIES)}")
    address = " ".join(address.split())
    if not 3 <= len(address) <= 200:
        raise AccountsError("INVALID_INPUT", "address", "use 3 to 200 characters")
    neighbourhood = " ".join(neighbourhood.split())
    if len(neighbourhood) > NEIGHBOURHOOD_LENGTH_MAX:
        raise AccountsError(
            "INVALID_INPUT", "neighbourhood", f"use at most {NEIGHBOURHOOD_LENGTH_MAX} characters"
        )
    try:
        latitude_e6, longitude_e6 = to_micro_degrees(latitude), to_micro_degrees(longitude)
    except ArithmeticError:
        raise AccountsError("INVALID_INPUT", "location", "not a valid position") from None
    if not (
        -90_000_000 <= latitude_e6 <= 90_000_000 and -180_000_000 <= longitude_e6 <= 180_000_000
    ):
        raise AccountsError("INVALID_INPUT", "location", "latitude or longitude out of range")
    async with in_transaction():
        account = await create_business_account(owner, name)
        await create_merchant_profile(
            account,
            category=category,
            address=address,
            neighbourhood=neighbourhood,
            latitude=latitude,
            longitude=longitude,
        )
    return account
