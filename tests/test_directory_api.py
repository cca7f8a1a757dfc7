"""The shop directory over HTTP: owners edit their page, anyone reads the map."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.settings import PROJECT_ROOT
from tests.conftest import LiveServer
from tests.helpers.graphql import (
    GraphQLClient,
    business_account,
    demo_admin,
    make_admin,
    register,
    token_from_outbox,
)

PASSWORD = "a long enough passphrase"
MERCHANT_FIELDS = """id name handle category address neighbourhood location { lat lng }
  description openNow nextChange timezone listed openingHours { day opens closes }
  hoursExceptions { date closed ranges { opens closes } }
  offers { id kind title description percentOff startsOn endsOn live }"""
MERCHANTS = (
    """query($first: Int!, $after: String, $search: String, $category: String,
  $openNow: Boolean, $withOffers: Boolean, $bbox: BboxInput) {
  merchants(currency: "REC", first: $first, after: $after, search: $search,
    category: $category, openNow: $openNow, withOffers: $withOffers, bbox: $bbox) {
    edges { cursor node { """
    + MERCHANT_FIELDS
    + """ } } pageInfo { hasNextPage endCursor } } }"""
)
PROFILE = """query($id: ID!) { merchantProfile(accountId: $id) { name listed
  allOffers { id title startsOn live } } }"""
UPDATE = """mutation($input: UpdateMerchantProfileInput!) { updateMerchantProfile(input: $input) {
  merchant { id name handle category address neighbourhood location { lat lng } description }
  errors { field code message } } }"""
SET_HOURS = """mutation($input: SetOpeningHoursInput!) { setOpeningHours(input: $input) {
  merchant { openingHours { day opens closes } hoursExceptions { date closed
    ranges { opens closes } } openNow } errors { field code message } } }"""
ADD_OFFER = """mutation($input: AddOfferInput!) { addOffer(input: $input) {
  offer { id kind title percentOff startsOn endsOn live } merchant { offers { title } }
  errors { field code message } } }"""
REMOVE_OFFER = """mutation($input: RemoveOfferInput!) { removeOffer(input: $input) {
  removedId errors { field code message } } }"""
SET_TIER = """mutation($input: SetAccountKycTierInput!) { setAccountKycTier(input: $input) {
  tier errors { code } } }"""
INVITE = """mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
  account { id } errors { field code message } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  account { id } errors { field code message } } }"""
ALL_DAY = [{"day": day, "opens": "00:00", "closes": "24:00"} for day in range(7)]


def _email() -> str:
    return f"d{uuid.uuid4().hex[:10]}@example.org"


def _today() -> str:
    return datetime.now(ZoneInfo("Europe/Madrid")).date().isoformat()


def _days_from_today(days: int) -> str:
    return (datetime.now(ZoneInfo("Europe/Madrid")).date() + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def officer(live_server: LiveServer, superadmin: GraphQLClient) -> GraphQLClient:
    return make_admin(live_server.url, superadmin, "KYC_OFFICER")


class Shop:
    """A new business with its owner signed in; `tag` is a word only its name holds."""

    def __init__(self, live_server: LiveServer, name: str, category: str = "shop") -> None:
        self.tag = f"t{uuid.uuid4().hex[:8]}"
        self.owner = register(live_server.url, _email(), PASSWORD, "Shop Owner")
        self.id = business_account(self.owner, f"{name} {self.tag}", category)["id"]

    def on_map(self, officer: GraphQLClient) -> Shop:
        officer.mutate(
            "setAccountKycTier",
            SET_TIER,
            {"accountId": self.id, "tier": 2, "reason": "documents checked"},
        )
        return self

    def hours(self, weekly: list[dict[str, Any]], exceptions: list[Any] | None = None) -> Any:
        return self.owner.data(
            SET_HOURS,
            {"input": {"accountId": self.id, "weekly": weekly, "exceptions": exceptions or []}},
        )["setOpeningHours"]

    def offer(self, **fields: Any) -> Any:
        given = {"accountId": self.id, "kind": "CLASSIC", "title": "Two for one"}
        given.update(fields)
        return self.owner.data(ADD_OFFER, {"input": given})["addOffer"]


def _merchants(client: GraphQLClient, **variables: Any) -> list[dict[str, Any]]:
    found = client.data(MERCHANTS, {"first": 100, **variables})["merchants"]
    assert found["pageInfo"]["hasNextPage"] is False
    return [edge["node"] for edge in found["edges"]]


def test_the_demo_shops_are_on_the_public_map(live_server: LiveServer) -> None:
    anyone = GraphQLClient(live_server.url)
    shops = {m["name"]: m for m in _merchants(anyone, search="Barcelona")}
    bakery = shops["Forn de Pa Sant Antoni"]
    assert bakery["category"] == "bakery" and bakery["neighbourhood"] == "Sant Antoni"
    assert bakery["location"] == {"lat": 41.37865, "lng": 2.15853}
    assert bakery["timezone"] == "Europe/Madrid" and bakery["listed"] is True
    assert {"day": 6, "opens": "07:30", "closes": "14:00"} in bakery["openingHours"]
    assert bakery["offers"][0]["kind"] == "CLASSIC" and bakery["offers"][0]["live"] is True
    cafe = shops["Cafè de la Rambla del Poblenou"]
    assert {"day": 4, "opens": "08:00", "closes": "02:00"} in cafe["openingHours"]
    assert cafe["offers"][0]["percentOff"] == 10
    assert cafe["hoursExceptions"][0]["closed"] is True  # Christmas Day


def test_an_owner_edits_the_profile_and_the_map_shows_it(
    live_server: LiveServer, officer: GraphQLClient, superadmin: GraphQLClient
) -> None:
    shop = Shop(live_server, "Forn Vell", "bakery")
    changed = shop.owner.mutate(
        "updateMerchantProfile",
        UPDATE,
        {
            "accountId": shop.id,
            "name": f"Forn Nou {shop.tag}",
            "category": "cafe",
            "address": "Carrer de Sants, 1",
            "location": {"lat": 41.375, "lng": 2.134568},
            "neighbourhood": "Sants",
            "description": "Pa de pagès i cafè",
        },
    )["merchant"]
    assert changed["name"] == f"Forn Nou {shop.tag}" and changed["handle"].startswith("forn-vell")
    assert changed["location"] == {"lat": 41.375, "lng": 2.134568}
    # Not on the map before its KYC review; its owner sees it all the same.
    anyone = GraphQLClient(live_server.url)
    assert _merchants(anyone, search=shop.tag) == []
    mine = shop.owner.data(PROFILE, {"id": shop.id})["merchantProfile"]
    assert mine["listed"] is False
    shop.on_map(officer)
    [merchant] = _merchants(anyone, search="CARRER DE SANTS")  # the new address
    assert _merchants(anyone, search=shop.tag, category="cafe") == [merchant]
    assert merchant["id"] == shop.id and merchant["description"] == "Pa de pagès i cafè"
    audit = superadmin.data(
        """query($id: String) { auditLog(first: 5, action: "merchant_profile.update",
        targetId: $id) { edges { node { before after } } } }""",
        {"id": base64.b64decode(shop.id).decode().partition(":")[2]},
    )["auditLog"]["edges"]
    assert audit[0]["node"]["before"]["category"] == "bakery"
    assert audit[0]["node"]["after"]["category"] == "cafe"


def test_hours_and_exceptions_decide_open_now(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    always = Shop(live_server, "Sempre Obert").on_map(officer)
    set_hours = always.hours(ALL_DAY)
    assert set_hours["errors"] == [] and set_hours["merchant"]["openNow"] is True
    holiday = Shop(live_server, "Vacances").on_map(officer)
    closures = [{"date": _days_from_today(n), "closed": True} for n in (-1, 0, 1)]
    closed = holiday.hours(ALL_DAY, closures)
    assert closed["errors"] == [] and closed["merchant"]["openNow"] is False
    assert [e["date"] for e in closed["merchant"]["hoursExceptions"]][-1] == _days_from_today(1)
    special = [{"date": _days_from_today(7), "ranges": [{"opens": "20:00", "closes": "02:00"}]}]
    late = Shop(live_server, "Nit").on_map(officer).hours([], special)["merchant"]
    assert late["hoursExceptions"] == [
        {
            "date": _days_from_today(7),
            "closed": False,
            "ranges": [{"opens": "20:00", "closes": "02:00"}],
        }
    ]

    anyone = GraphQLClient(live_server.url)
    for shop, open_now in ((always, True), (holiday, False)):
        [merchant] = _merchants(anyone, search=shop.tag)
        assert merchant["openNow"] is open_now
        assert _merchants(anyone, search=shop.tag, openNow=True) == ([merchant] if open_now else [])
        assert _merchants(anyone, search=shop.tag, openNow=False) == [merchant]
    [closed_now] = _merchants(anyone, search=holiday.tag)
    assert closed_now["nextChange"] is not None  # it opens after the closures


def test_offers_are_added_listed_and_removed_by_the_shop(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    shop = Shop(live_server, "Llibreria").on_map(officer)
    live = shop.offer(
        kind="PERCENTAGE", title="10% off", percentOff=10, startsOn=_today(), endsOn=_today()
    )
    assert live["errors"] == [] and live["offer"]["live"] is True
    assert live["merchant"]["offers"] == [{"title": "10% off"}]
    upcoming = shop.offer(kind="FREE", title="A free bookmark", startsOn=_days_from_today(5))
    assert upcoming["offer"]["live"] is False and upcoming["offer"]["endsOn"] is None

    anyone = GraphQLClient(live_server.url)
    [merchant] = _merchants(anyone, search=shop.tag, withOffers=True)
    assert [o["title"] for o in merchant["offers"]] == ["10% off"]  # only the live one
    mine = shop.owner.data(PROFILE, {"id": shop.id})["merchantProfile"]["allOffers"]
    assert [o["title"] for o in mine] == ["10% off", "A free bookmark"]

    stranger = register(live_server.url, _email(), PASSWORD)
    refused = stranger.data(REMOVE_OFFER, {"input": {"id": live["offer"]["id"]}})
    assert refused["removeOffer"]["errors"][0]["code"] == "NOT_FOUND"
    assert anyone.refusal(REMOVE_OFFER, {"input": {"id": live["offer"]["id"]}}) == (
        "UNAUTHENTICATED"
    )
    removed = shop.owner.mutate("removeOffer", REMOVE_OFFER, {"id": live["offer"]["id"]})
    assert removed["removedId"] == live["offer"]["id"]
    assert _merchants(anyone, search=shop.tag, withOffers=True) == []
    assert len(_merchants(anyone, search=shop.tag, withOffers=False)) == 1
    again = shop.owner.data(REMOVE_OFFER, {"input": {"id": live["offer"]["id"]}})
    assert again["removeOffer"]["errors"][0]["code"] == "NOT_FOUND"


def test_the_public_query_filters_by_category_and_area_and_pages(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    owner = register(live_server.url, _email(), PASSWORD)
    for number, category in enumerate(["bakery", "bakery", "cafe", "grocery", "bakery"]):
        account = business_account(owner, f"Shop {number} {tag}", category)
        officer.mutate(
            "setAccountKycTier",
            SET_TIER,
            {"accountId": account["id"], "tier": 2, "reason": "documents checked"},
        )
    anyone = GraphQLClient(live_server.url)
    bakeries = _merchants(anyone, search=tag, category="bakery")
    assert [m["name"] for m in bakeries] == [f"Shop {n} {tag}" for n in (0, 1, 4)]
    pages = anyone.pages(MERCHANTS, "merchants", {"first": 2, "search": tag})
    assert [[m["name"] for m in page] for page in pages] == [
        [f"Shop 0 {tag}", f"Shop 1 {tag}"],
        [f"Shop 2 {tag}", f"Shop 3 {tag}"],
        [f"Shop 4 {tag}"],
    ]
    # business_account places every shop at 41.4036, 2.157 (Gràcia).
    gracia = {"south": 41.40, "west": 2.15, "north": 41.41, "east": 2.16}
    assert len(_merchants(anyone, search=tag, bbox=gracia)) == 5
    elsewhere = {"south": 41.30, "west": 2.00, "north": 41.35, "east": 2.10}
    assert _merchants(anyone, search=tag, bbox=elsewhere) == []


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 0},
        {"first": 101},
        {"first": 10, "after": "not a cursor"},
        {"first": 10, "category": "casino"},
        {"first": 10, "search": "x" * 101},
        {"first": 10, "bbox": {"south": 42, "west": 2, "north": 41, "east": 3}},
        {"first": 10, "bbox": {"south": -91, "west": 2, "north": 41, "east": 3}},
        {"first": 10, "bbox": {"south": 41, "west": 2, "north": 42, "east": 181}},
    ],
)
def test_bad_arguments_of_the_public_query_are_invalid_input(
    live_server: LiveServer, variables: dict[str, Any]
) -> None:
    body = GraphQLClient(live_server.url).raw(MERCHANTS, variables)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_an_unknown_currency_is_invalid_input(live_server: LiveServer) -> None:
    body = GraphQLClient(live_server.url).raw(
        '{ merchants(currency: "XYZ", first: 1) { edges { cursor } } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


@pytest.mark.parametrize(
    ("query", "name", "given", "field"),
    [
        (UPDATE, "updateMerchantProfile", {"category": "casino"}, "category"),
        (UPDATE, "updateMerchantProfile", {"location": {"lat": 95, "lng": 2}}, "location"),
        (UPDATE, "updateMerchantProfile", {"name": "   "}, "name"),
        (
            SET_HOURS,
            "setOpeningHours",
            {"weekly": [{"day": 7, "opens": "09:00", "closes": "10:00"}]},
            "weekly[0].day",
        ),
        (
            SET_HOURS,
            "setOpeningHours",
            {"weekly": [{"day": 0, "opens": "9h", "closes": "10:00"}]},
            "weekly[0].opens",
        ),
        (
            SET_HOURS,
            "setOpeningHours",
            {"weekly": [], "exceptions": [{"date": "2020-01-01", "closed": True}]},
            "exceptions[0].date",
        ),
        (
            SET_HOURS,
            "setOpeningHours",
            {"weekly": [{"day": 0, "opens": "09:00", "closes": "10:00"}] * 51},
            "weekly",
        ),
        (
            ADD_OFFER,
            "addOffer",
            {"kind": "PERCENTAGE", "title": "x", "startsOn": "2030-01-01"},
            "percentOff",
        ),
        (ADD_OFFER, "addOffer", {"kind": "FREE", "title": "", "startsOn": "2030-01-01"}, "title"),
        (
            ADD_OFFER,
            "addOffer",
            {"kind": "CLASSIC", "title": "x", "startsOn": "2020-01-01", "endsOn": "2020-01-31"},
            "endsOn",
        ),
    ],
)
def test_bad_input_is_refused_with_a_code_and_changes_nothing(
    live_server: LiveServer,
    officer: GraphQLClient,
    query: str,
    name: str,
    given: dict[str, Any],
    field: str,
) -> None:
    shop = Shop(live_server, "Forn").on_map(officer)
    assert shop.hours(ALL_DAY)["errors"] == []
    payload = shop.owner.data(query, {"input": {"accountId": shop.id, **given}})[name]
    assert payload["errors"][0]["code"] == "INVALID_INPUT"
    assert payload["errors"][0]["field"] == field
    [merchant] = _merchants(GraphQLClient(live_server.url), search=shop.tag)
    assert merchant["name"] == f"Forn {shop.tag}" and merchant["category"] == "shop"
    assert len(merchant["openingHours"]) == 7 and merchant["offers"] == []


def test_only_the_shops_people_may_edit_it(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    shop = Shop(live_server, "Botiga")
    stranger = register(live_server.url, _email(), PASSWORD)
    anyone = GraphQLClient(live_server.url)
    edit = {"input": {"accountId": shop.id, "name": "Mine now"}}
    hours = {"input": {"accountId": shop.id, "weekly": ALL_DAY}}
    offer = {"input": {"accountId": shop.id, "kind": "FREE", "title": "x", "startsOn": _today()}}
    for query, variables in ((UPDATE, edit), (SET_HOURS, hours), (ADD_OFFER, offer)):
        assert stranger.refusal(query, variables) == "FORBIDDEN"
        assert anyone.refusal(query, variables) == "UNAUTHENTICATED"
    assert stranger.data(PROFILE, {"id": shop.id}) == {"merchantProfile": None}

    # A manager keeps the hours and offers, but the name and place are the owners'.
    manager_email = _email()
    shop.owner.mutate(
        "inviteMember", INVITE, {"accountId": shop.id, "email": manager_email, "role": "MANAGER"}
    )
    manager = register(live_server.url, manager_email, PASSWORD, "Manager")
    token = token_from_outbox(superadmin, manager_email, "invitation")
    manager.mutate("acceptInvitation", ACCEPT, {"token": token})
    assert manager.data(SET_HOURS, hours)["setOpeningHours"]["errors"] == []
    assert manager.data(ADD_OFFER, offer)["addOffer"]["errors"] == []
    assert manager.refusal(UPDATE, edit) == "FORBIDDEN"
    assert manager.data(PROFILE, {"id": shop.id})["merchantProfile"]["allOffers"][0]["title"] == "x"
    # Reading the owners' view of offers through the public map is refused to others.
    body = anyone.raw(
        """query($s: String) { merchants(currency: "REC", first: 5, search: $s) {
        edges { node { allOffers { id } } } } }""",
        {"s": "Barcelona"},
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_example_of_the_directory_guide_works_as_written(live_server: LiveServer) -> None:
    guide = (PROJECT_ROOT / "docs" / "directory.md").read_text(encoding="utf-8")
    example = guide.split("```graphql\n", 1)[1].split("```", 1)[0]
    found = GraphQLClient(live_server.url).data(example)["merchants"]
    [bakery] = [edge["node"] for edge in found["edges"]]
    assert bakery["name"] == "Forn de Pa Sant Antoni"
    assert bakery["offers"][0]["title"] == "Coca de recapte i cafè per 5 REC"
