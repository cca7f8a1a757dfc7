"""Every field of the schema declares who may use it, and each rule does what the table says.

The table below is the contract: one row per root field (and per guarded type field), one
column per kind of caller. A new field without a rule, or a rule that lets the wrong
caller through, fails here.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any

import pytest
from strawberry.types.base import StrawberryObjectDefinition

from schema.permissions import PUBLIC, THROUGH_PARENT, Rule, rule_of
from schema.schema import build_schema
from server.accounts.models import Account, AdminRole, ApiKey, MemberRole
from server.accounts.principal import ANONYMOUS, Principal, PrincipalKind

PERSONAL, BUSINESS, OTHER_BUSINESS = 1, 2, 3
ALLOW, DENY, SIGN_IN = "allow", "FORBIDDEN", "UNAUTHENTICATED"


def _user(role: MemberRole | None = None, *admin: AdminRole, dormant: bool = False) -> Principal:
    memberships = {PERSONAL: MemberRole.HOLDER}
    if role:
        memberships[BUSINESS] = role
    return Principal(
        kind=PrincipalKind.USER,
        account=Account(id=BUSINESS if role else PERSONAL),  # the session's active account
        memberships=memberships,
        admin_roles=frozenset() if dormant else frozenset(admin),
        dormant_admin_roles=frozenset(admin) if dormant else frozenset(),
    )


PRINCIPALS: dict[str, Principal] = {
    "anonymous": ANONYMOUS,
    "user": _user(),
    "owner": _user(MemberRole.OWNER),
    "manager": _user(MemberRole.MANAGER),
    "cashier": _user(MemberRole.CASHIER),
    "api_key": Principal(
        kind=PrincipalKind.API_KEY,
        account=Account(id=BUSINESS),
        api_key=ApiKey(
            scopes=[
                "payment_orders:read",
                "payment_orders:write",
                "refunds:write",
                "webhooks:write",
            ]
        ),
    ),
    **{role.value: _user(None, role) for role in AdminRole},
    "superadmin_without_2fa": _user(None, AdminRole.SUPERADMIN, dormant=True),
}
COLUMNS = list(PRINCIPALS)

# Shorthands for rows.
EVERYONE = {name: ALLOW for name in COLUMNS}
PEOPLE = {name: ALLOW for name in COLUMNS} | {"anonymous": SIGN_IN, "api_key": DENY}
ADMINS = (
    {name: DENY for name in COLUMNS}
    | {"anonymous": SIGN_IN}
    | {role.value: ALLOW for role in AdminRole}
)
SUPERADMIN = {name: DENY for name in COLUMNS} | {"anonymous": SIGN_IN, "superadmin": ALLOW}
OWNERS = {name: DENY for name in COLUMNS} | {"anonymous": SIGN_IN, "owner": ALLOW}
OWNERS_MANAGERS_ADMINS = ADMINS | {"owner": ALLOW, "manager": ALLOW}
OWNERS_ADMINS = ADMINS | {"owner": ALLOW}
SHOP_STAFF_AND_KEYS = {name: DENY for name in COLUMNS} | {
    "anonymous": SIGN_IN,
    "owner": ALLOW,
    "manager": ALLOW,
    "cashier": ALLOW,
    "api_key": ALLOW,
}
PEOPLE_AND_KEYS = EVERYONE | {"anonymous": SIGN_IN}
TREASURERS = {name: DENY for name in COLUMNS} | {"anonymous": SIGN_IN, "treasurer": ALLOW}
KYC_OFFICERS = {name: DENY for name in COLUMNS} | {"anonymous": SIGN_IN, "kyc_officer": ALLOW}
OWNERS_KYC_OFFICERS = KYC_OFFICERS | {"owner": ALLOW}

EXPECTED: dict[str, dict[str, str]] = {
    "Query.currencies": EVERYONE,
    "Query.currency": EVERYONE,
    "Query.node": EVERYONE,
    "Query.viewer": EVERYONE,
    "Query.auditLog": ADMINS,
    "Query.adminDashboard": ADMINS,  # support too: the figures change nothing
    "Subscription.adminStats": ADMINS,
    "Query.sandboxOutbox": SUPERADMIN,  # it holds working reset links
    "Query.b2bReport": ADMINS,
    "Query.issuanceReport": ADMINS,
    "Query.adminTransactions": ADMINS,
    "Mutation.register": EVERYONE,
    "Mutation.login": EVERYONE,
    "Mutation.logout": PEOPLE,
    "Mutation.verifyEmail": EVERYONE,
    "Mutation.requestEmailVerification": PEOPLE,
    "Mutation.requestPasswordReset": EVERYONE,
    "Mutation.resetPassword": EVERYONE,
    "Mutation.setPaymentPin": PEOPLE,
    "Mutation.setLanguage": PEOPLE,
    "Mutation.changePassword": PEOPLE,
    "Mutation.startTwoFactorSetup": PEOPLE,
    "Mutation.confirmTwoFactor": PEOPLE,
    "Mutation.disableTwoFactor": PEOPLE,
    "Mutation.createBusinessAccount": PEOPLE,
    "Mutation.switchAccount": PEOPLE,
    "Mutation.inviteMember": OWNERS,
    "Mutation.acceptInvitation": PEOPLE,
    "Mutation.removeMember": OWNERS,
    "Mutation.createApiKey": OWNERS,
    # then: owners of the key's account, or a superadmin (audited); other administrators
    # FORBIDDEN; anyone else NOT_FOUND
    "Mutation.revokeApiKey": PEOPLE,
    "Query.apiKeyScopes": EVERYONE,
    "Mutation.grantAdminRole": SUPERADMIN,
    "Mutation.revokeAdminRole": SUPERADMIN,
    "Query.kycTiers": EVERYONE,
    "Query.ledgerCheckpoint": EVERYONE,
    "Query.kycReviewQueue": ADMINS,  # decisions and the files stay the officers'
    "Mutation.submitKycDocument": PEOPLE,  # then: holder or owner of the active account
    "Mutation.reviewKycDocument": KYC_OFFICERS,
    "Mutation.setAccountKycTier": KYC_OFFICERS,
    "Mutation.updateKycTier": SUPERADMIN,
    "Subscription.viewerEvents": PEOPLE,
    "Subscription.walletEvents": PEOPLE,
    "Query.recipient": PEOPLE,
    "Mutation.pay": PEOPLE,  # then: holder, owner or manager of the active account
    "Mutation.issueFunds": TREASURERS,
    "Query.paymentOrder": EVERYONE,
    "Mutation.createPaymentOrder": SHOP_STAFF_AND_KEYS,
    "Mutation.payPaymentOrder": PEOPLE,  # then: holder, owner or manager of the active account
    "Mutation.cancelPaymentOrder": PEOPLE_AND_KEYS,  # then: the order's shop, else NOT_FOUND
    "Mutation.refundPaymentOrder": PEOPLE_AND_KEYS,  # then: owners, managers, refunds:write
    "Subscription.paymentOrderEvents": SHOP_STAFF_AND_KEYS,
    "Mutation.addWebhookEndpoint": OWNERS | {"api_key": ALLOW},  # keys: webhooks:write
    # then: owners of the endpoint's account, or its keys with webhooks:write
    "Mutation.rotateWebhookSecret": PEOPLE_AND_KEYS,
    "Mutation.removeWebhookEndpoint": PEOPLE_AND_KEYS,
    "Mutation.redeliverWebhook": PEOPLE_AND_KEYS,  # and superadmins (audited), not support
    "Query.webhookEventTypes": EVERYONE,
    "Account.webhookEndpoints": OWNERS_ADMINS | {"api_key": ALLOW},
    "Query.events": SHOP_STAFF_AND_KEYS | {"cashier": DENY},
    "Account.members": OWNERS_MANAGERS_ADMINS,
    "Account.kycDocuments": OWNERS_KYC_OFFICERS,
    "Account.apiKeys": OWNERS_ADMINS,
    "Account.topUps": OWNERS_ADMINS,  # and the holder of a personal account
    "Account.paymentOrders": OWNERS_MANAGERS_ADMINS | {"cashier": ALLOW, "api_key": ALLOW},
    "Mutation.startTopUp": PEOPLE,  # then: holder or owner of the active account
    "Query.redemptions": ADMINS,
    "Account.redemptions": OWNERS_ADMINS,
    "Mutation.requestRedemption": PEOPLE,  # then: owners of the business account
    "Mutation.approveRedemption": TREASURERS,
    "Mutation.rejectRedemption": TREASURERS,
    "Mutation.recordRedemptionPayout": TREASURERS,
    "Query.merchants": EVERYONE,
    "Query.merchantCategories": EVERYONE,
    "Query.merchantProfile": PEOPLE,  # then: owners, managers, administrators, else null
    "Mutation.updateMerchantProfile": OWNERS,
    "Mutation.setMerchantPhoto": OWNERS,
    "Mutation.removeMerchantPhoto": OWNERS,
    "Mutation.setOpeningHours": OWNERS | {"manager": ALLOW},
    "Mutation.addOffer": OWNERS | {"manager": ALLOW},
    "Mutation.removeOffer": PEOPLE,  # then: owners and managers of its shop, else NOT_FOUND
    "Merchant.allOffers": OWNERS_MANAGERS_ADMINS,
    "Query.pointsOfSale": ADMINS,
    "Query.pointOfSale": ADMINS,
    "Query.treasury": ADMINS,
    "Mutation.recordReserve": TREASURERS,
    "Mutation.verifyLedger": SUPERADMIN | {"treasurer": ALLOW},
    "Currency.adjustmentApprovalThreshold": ADMINS,
    "Query.adjustments": ADMINS,
    # then: never the administrator who asked for the adjustment
    "Mutation.requestAdjustment": TREASURERS | {"superadmin": ALLOW},
    "Mutation.approveAdjustment": TREASURERS | {"superadmin": ALLOW},
    "Mutation.rejectAdjustment": TREASURERS | {"superadmin": ALLOW},
    "Mutation.setAdjustmentApprovalThreshold": SUPERADMIN,
    "Query.adminPeople": ADMINS,  # support included: it reads, never acts
    "Mutation.blockUser": SUPERADMIN,
    "Mutation.unblockUser": SUPERADMIN,
    "Mutation.resetPinLock": SUPERADMIN,
    "User.blocked": ADMINS,
    "User.pinFailures": ADMINS,
    "User.pinLocked": ADMINS,
    "User.createdAt": ADMINS,
    "User.memberships": ADMINS,
    "User.sessions": ADMINS,
}


def _global_id(type_name: str, number: int) -> str:
    return base64.b64encode(f"{type_name}:{number}".encode()).decode()


# The arguments and the object each rule is asked about: the business account.
ARGUMENTS = {"input": SimpleNamespace(account_id=_global_id("Account", BUSINESS))}
SOURCE = SimpleNamespace(account_id=BUSINESS)


def _schema_fields() -> dict[str, tuple[Any, Any]]:
    """Every field of every object type: name -> (field, type definition)."""
    schema = build_schema()
    found = {}
    for graphql_type in schema._schema.type_map.values():
        definition = getattr(graphql_type, "extensions", {}).get("strawberry-definition")
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        if definition.is_interface:  # its fields are checked on the types implementing it
            continue
        for strawberry_field in definition.fields:
            found[
                f"{definition.name}.{schema.config.name_converter.get_graphql_name(strawberry_field)}"
            ] = (
                strawberry_field,
                definition,
            )
    return found


FIELDS = _schema_fields()
ROOTS = ("Query.", "Mutation.", "Subscription.")


def _decide(rule: Rule, principal: Principal) -> str:
    if rule.needs_sign_in and principal.is_anonymous:
        return SIGN_IN
    return ALLOW if rule.refusal(principal, ARGUMENTS, SOURCE) is None else DENY


@pytest.mark.parametrize("name", sorted(n for n in FIELDS if n.startswith(ROOTS)))
def test_every_root_field_declares_a_rule(name: str) -> None:
    strawberry_field, _ = FIELDS[name]
    assert rule_of(strawberry_field) is not None, f"{name} has no rule"


@pytest.mark.parametrize("name", sorted(n for n in FIELDS if not n.startswith(ROOTS)))
def test_every_other_field_has_a_rule_or_a_type_policy(name: str) -> None:
    strawberry_field, definition = FIELDS[name]
    policy = getattr(definition.origin, "__rec_policy__", None)
    assert rule_of(strawberry_field) is not None or policy in (PUBLIC, THROUGH_PARENT), (
        f"{name}: declare a rule, or the type's policy with @policy(...)"
    )


def test_the_table_covers_every_guarded_field() -> None:
    guarded = {name for name, (f, _) in FIELDS.items() if rule_of(f) is not None}
    assert guarded == set(EXPECTED), "add the new fields to EXPECTED, or remove old ones"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_rule_lets_in_exactly_whom_the_table_says(name: str) -> None:
    rule = rule_of(FIELDS[name][0])
    assert rule is not None
    actual = {who: _decide(rule, principal) for who, principal in PRINCIPALS.items()}
    assert actual == EXPECTED[name]


def test_a_member_of_another_business_is_refused() -> None:
    rule = rule_of(FIELDS["Mutation.createApiKey"][0])
    assert rule is not None
    other = {"input": SimpleNamespace(account_id=_global_id("Account", OTHER_BUSINESS))}
    assert rule.refusal(PRINCIPALS["owner"], other) is not None
    forged = {"input": SimpleNamespace(account_id=_global_id("User", BUSINESS))}
    assert rule.refusal(PRINCIPALS["owner"], forged) is not None


def test_admins_without_two_factor_are_told_why() -> None:
    rule = rule_of(FIELDS["Mutation.grantAdminRole"][0])
    assert rule is not None
    reason = rule.refusal(PRINCIPALS["superadmin_without_2fa"], ARGUMENTS)
    assert reason is not None and "two-factor" in reason


def test_merchant_tools_let_in_roles_and_the_accounts_own_scoped_keys() -> None:
    """The rule payment orders and refunds will use: cashiers charge but never refund."""
    from schema.permissions import MerchantAccess

    charge = MerchantAccess(
        [MemberRole.OWNER, MemberRole.MANAGER, MemberRole.CASHIER], "payment_orders:write"
    )
    refund = MerchantAccess([MemberRole.OWNER, MemberRole.MANAGER], "refunds:write")
    staff_and_key = {name: DENY for name in COLUMNS} | {
        "anonymous": SIGN_IN,
        "owner": ALLOW,
        "manager": ALLOW,
        "cashier": ALLOW,
        "api_key": ALLOW,
    }
    assert {who: _decide(charge, p) for who, p in PRINCIPALS.items()} == staff_and_key
    assert {who: _decide(refund, p) for who, p in PRINCIPALS.items()} == staff_and_key | {
        "cashier": DENY
    }
    narrow_key = Principal(
        kind=PrincipalKind.API_KEY,
        account=Account(id=BUSINESS),
        api_key=ApiKey(scopes=["payment_orders:read"]),
    )
    assert _decide(refund, narrow_key) == DENY  # a key beyond its scopes
    other_shops_key = Principal(
        kind=PrincipalKind.API_KEY,
        account=Account(id=OTHER_BUSINESS),
        api_key=ApiKey(scopes=["refunds:write"]),
    )
    assert _decide(refund, other_shops_key) == DENY  # a key of another shop


async def test_an_id_holds_ascii_digits_only() -> None:
    """str.isdigit() takes "²" (which int() refuses) and "٣" (which int() reads as 3): such
    an ID names no row, in the rules and in node(id:), rather than failing or aliasing one."""
    from schema.nodes import visible_nodes
    from schema.permissions import decode_id

    for raw in ("²", "٣", "①", "1²"):
        assert decode_id(base64.b64encode(f"Account:{raw}".encode()).decode(), "Account") is None
    assert decode_id(_global_id("Account", BUSINESS), "Account") == BUSINESS

    async def load(ids: list[int]) -> list[int]:
        return ids

    found = await visible_nodes(load, ["²", "٣", "7"], lambda row: True, lambda row: row)
    assert found == [None, None, 7]
