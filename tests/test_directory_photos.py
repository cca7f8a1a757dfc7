"""A shop's photo: sent by its owners as a multipart upload, checked by its content, served
by our server under its content's hash; on both relational engines and over HTTP."""

from __future__ import annotations

import base64
import io
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno

from server.accounts import services as accounts
from server.accounts.errors import AccountsError
from server.accounts.models import AuditEntry
from server.directory import photos, services
from server.directory.models import MerchantProfile
from server.settings import Settings
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
SET_PHOTO = """mutation($input: SetMerchantPhotoInput!) { setMerchantPhoto(input: $input) {
  merchant { id name photoUrl } errors { field code message } } }"""
REMOVE_PHOTO = """mutation($input: RemoveMerchantPhotoInput!) { removeMerchantPhoto(input: $input) {
  merchant { id photoUrl } errors { field code message } } }"""
PROFILE = "query($id: ID!) { merchantProfile(accountId: $id) { photoUrl } }"
MERCHANTS = """query($search: String) { merchants(currency: "REC", first: 5, search: $search) {
  edges { node { id name photoUrl } } } }"""
SET_TIER = """mutation($input: SetAccountKycTierInput!) { setAccountKycTier(input: $input) {
  tier errors { code } } }"""
INVITE = """mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
  account { id } errors { field code message } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  account { id } errors { field code message } } }"""
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def png(text: str = "REC") -> bytes:
    out = io.BytesIO()
    segno.make(text).save(out, kind="png", scale=4)
    return out.getvalue()


# -- the checks ----------------------------------------------------------------------------


def test_photos_are_recognised_by_their_first_bytes() -> None:
    assert photos.sniff_photo(png()) == "png"
    assert photos.sniff_photo(JPEG) == "jpg"
    assert photos.sniff_photo(WEBP) == "webp"
    assert photos.sniff_photo(b"RIFF\x24\x00\x00\x00WAVEfmt ") is None  # a sound
    assert photos.sniff_photo(b"GIF89a") is None
    assert photos.sniff_photo(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert photos.sniff_photo(b"") is None


def test_only_names_we_give_are_paths() -> None:
    folder = Path("photos")
    name = "a" * 64 + ".png"
    assert photos.photo_path(folder, name) == folder / name
    assert photos.content_type_of("b" * 64 + ".webp") == "image/webp"
    for bad in ("../secret.png", "a" * 63 + ".png", "A" * 64 + ".png", "a" * 64 + ".gif", ""):
        assert photos.photo_path(folder, bad) is None


# -- on both relational engines ------------------------------------------------------------


async def _profile(name: str, email: str = "owner@example.org") -> MerchantProfile:
    owner = await accounts.find_user_by_email(email) or await accounts.create_user(
        email, PASSWORD, "Owner"
    )
    account = await services.register_business(
        owner,
        name=name,
        category="shop",
        address="Carrer de Verdi, 30",
        latitude="41.4036",
        longitude="2.157",
    )
    profile = await services.profile_of(account.id)
    assert profile is not None
    return profile


async def test_a_new_photo_replaces_the_old_file_and_shared_files_stay(
    stores: Settings,
) -> None:
    folder = stores.photos_dir
    owner = await accounts.create_user("owner@example.org", PASSWORD, "Owner")
    first, second = await _profile("Forn"), await _profile("Cafè")
    await photos.set_photo(first, png("one"), folder, owner)
    old_name = first.photo
    assert old_name and (folder / old_name).read_bytes() == png("one")
    assert old_name.endswith(".png") and len(old_name) == 64 + 4

    await photos.set_photo(first, JPEG, folder, owner)  # replaced: the old file goes
    assert first.photo and first.photo.endswith(".jpg") and first.photo != old_name
    jpeg_url = photos.photo_url(first.photo)
    assert not (folder / old_name).exists()
    assert (await MerchantProfile.get(id=first.id)).photo == first.photo

    # The same bytes from two shops: one file, kept while either still shows it.
    await photos.set_photo(second, JPEG, folder, owner)
    assert second.photo == first.photo
    await photos.remove_photo(first, folder, owner)
    assert (await MerchantProfile.get(id=first.id)).photo is None
    assert (folder / second.photo).exists()
    await photos.remove_photo(second, folder, owner)
    assert [p.name for p in folder.iterdir()] == []
    await photos.remove_photo(second, folder, owner)  # none to remove: nothing happens

    entries = await AuditEntry.filter(
        action="merchant_profile.update",
        target_id=str(first.account_id),  # type: ignore[attr-defined]
    ).order_by("id")
    assert [(e.before, e.after) for e in entries] == [
        ({"photo": None}, {"photo": f"/directory/photos/{old_name}"}),
        ({"photo": f"/directory/photos/{old_name}"}, {"photo": jpeg_url}),
        ({"photo": jpeg_url}, {"photo": None}),
    ]


async def test_a_refused_photo_changes_nothing(stores: Settings) -> None:
    folder = stores.photos_dir
    owner = await accounts.create_user("owner@example.org", PASSWORD, "Owner")
    profile = await _profile("Forn")
    await photos.set_photo(profile, png(), folder, owner)
    kept = profile.photo
    refusals = (
        (b"just some text, named photo.png", "send a JPEG, PNG or WebP image"),
        (b"", "the file is empty"),
        (png() + b"\x00" * photos.PHOTO_SIZE_MAX, "2 MB at most"),
    )
    for content, message in refusals:
        with pytest.raises(AccountsError) as refused:
            await photos.set_photo(profile, content, folder, owner)
        assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "file")
        assert refused.value.message == message
    assert (await MerchantProfile.get(id=profile.id)).photo == kept
    assert [p.name for p in folder.iterdir()] == [kept]


# -- over HTTP -----------------------------------------------------------------------------


def _email() -> str:
    return f"f{uuid.uuid4().hex[:10]}@example.org"


def upload(
    client: GraphQLClient, account_id: str, content: bytes, filename: str = "shop.png"
) -> dict[str, Any]:
    """The GraphQL multipart request spec, as the wallet's page sends it."""
    operations = {
        "query": SET_PHOTO,
        "variables": {"input": {"accountId": account_id, "file": None}},
    }
    response = client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, content, "image/png")},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def officer(live_server: LiveServer, superadmin: GraphQLClient) -> GraphQLClient:
    return make_admin(live_server.url, superadmin, "KYC_OFFICER")


def test_an_owner_sets_the_photo_and_the_map_serves_it(
    live_server: LiveServer, superadmin: GraphQLClient, officer: GraphQLClient
) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    owner = register(live_server.url, _email(), PASSWORD, "Owner")
    shop = business_account(owner, f"Fotos {tag}")["id"]
    officer.mutate(
        "setAccountKycTier", SET_TIER, {"accountId": shop, "tier": 2, "reason": "checked"}
    )
    anyone = GraphQLClient(live_server.url)
    [before] = [e["node"] for e in anyone.data(MERCHANTS, {"search": tag})["merchants"]["edges"]]
    assert before["photoUrl"] is None

    photo = png(tag)
    done = upload(owner, shop, photo)["data"]["setMerchantPhoto"]
    assert done["errors"] == []
    url = done["merchant"]["photoUrl"]
    assert url.startswith("/directory/photos/") and url.endswith(".png")
    [listed] = [e["node"] for e in anyone.data(MERCHANTS, {"search": tag})["merchants"]["edges"]]
    assert listed["photoUrl"] == url
    assert owner.data(PROFILE, {"id": shop})["merchantProfile"]["photoUrl"] == url
    served = httpx.get(live_server.url + url)
    assert served.status_code == 200 and served.content == photo
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert httpx.get(live_server.url + "/directory/photos/../rec.sqlite3").status_code == 404
    assert httpx.get(live_server.url + "/directory/photos/" + "0" * 64 + ".png").status_code == 404

    # A text file named .png, then too big: refused beside the file, nothing changed.
    text = upload(owner, shop, b"not a photo at all", "photo.png")["data"]["setMerchantPhoto"]
    assert text == {
        "merchant": None,
        "errors": [
            {"field": "file", "code": "INVALID_INPUT", "message": "send a JPEG, PNG or WebP image"}
        ],
    }
    huge = upload(owner, shop, photo + b"\x00" * (2 * 1024 * 1024))["data"]["setMerchantPhoto"]
    assert huge["errors"] == [{"field": "file", "code": "INVALID_INPUT", "message": "2 MB at most"}]
    inline = owner.data(SET_PHOTO, {"input": {"accountId": shop, "file": "iVBORw0KGgo="}})
    assert inline["setMerchantPhoto"]["errors"][0]["field"] == "file"
    assert owner.data(PROFILE, {"id": shop})["merchantProfile"]["photoUrl"] == url

    # Another photo: another address, and the old one is gone.
    newer = upload(owner, shop, JPEG, "shop.jpg")["data"]["setMerchantPhoto"]["merchant"]
    assert newer["photoUrl"] != url and newer["photoUrl"].endswith(".jpg")
    assert httpx.get(live_server.url + url).status_code == 404
    jpeg = httpx.get(live_server.url + newer["photoUrl"])
    assert jpeg.content == JPEG and jpeg.headers["content-type"] == "image/jpeg"

    removed = owner.mutate("removeMerchantPhoto", REMOVE_PHOTO, {"accountId": shop})
    assert removed["merchant"] == {"id": shop, "photoUrl": None}
    assert httpx.get(live_server.url + newer["photoUrl"]).status_code == 404

    audit = superadmin.data(
        """query($id: String) { auditLog(first: 10, action: "merchant_profile.update",
        targetId: $id) { edges { node { actor before after } } } }""",
        {"id": base64.b64decode(shop).decode().partition(":")[2]},
    )["auditLog"]["edges"]
    assert [e["node"]["after"] for e in audit] == [
        {"photo": None},
        {"photo": newer["photoUrl"]},
        {"photo": url},
    ]  # newest first


def test_only_owners_set_or_remove_the_photo(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    owner = register(live_server.url, _email(), PASSWORD, "Owner")
    shop = business_account(owner, "Botiga de fotos")["id"]
    assert upload(owner, shop, png())["data"]["setMerchantPhoto"]["errors"] == []
    url = owner.data(PROFILE, {"id": shop})["merchantProfile"]["photoUrl"]

    people: dict[str, GraphQLClient] = {"stranger": register(live_server.url, _email(), PASSWORD)}
    for role in ("MANAGER", "CASHIER"):
        email = _email()
        owner.mutate("inviteMember", INVITE, {"accountId": shop, "email": email, "role": role})
        people[role] = register(live_server.url, email, PASSWORD, role.title())
        token = token_from_outbox(superadmin, email, "invitation")
        people[role].mutate("acceptInvitation", ACCEPT, {"token": token})
    for who, client in people.items():
        body = upload(client, shop, JPEG)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", who
        assert client.refusal(REMOVE_PHOTO, {"input": {"accountId": shop}}) == "FORBIDDEN"
    anyone = GraphQLClient(live_server.url)
    assert upload(anyone, shop, JPEG)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert owner.data(PROFILE, {"id": shop})["merchantProfile"]["photoUrl"] == url
    # A manager sees it on the shop's page all the same.
    manager = people["MANAGER"]
    assert manager.data(PROFILE, {"id": shop})["merchantProfile"]["photoUrl"] == url
