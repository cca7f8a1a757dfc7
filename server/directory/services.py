"""The merchant directory: shops, where they are, what they do."""

from __future__ import annotations

from decimal import Decimal

from server.accounts.models import Account
from server.directory.models import MerchantProfile

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
