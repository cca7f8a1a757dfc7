"""KYC over the API: multipart uploads, who may read a file, an officer's decision seen live."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import LiveServer
from tests.helpers.graphql import LOGIN, GraphQLClient, demo_admin, make_admin, register
from tests.helpers.live import next_message, subscription

PASSWORD = "a long enough passphrase"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128
SUBMIT = """mutation($input: SubmitKycDocumentInput!) { submitKycDocument(input: $input) {
  document { id kind status contentType sizeBytes downloadUrl } errors { field code message } } }"""
TIER = "{ viewer { activeAccount { id kycTier kycDocuments { id status reason } } } }"
REVIEW = """mutation($input: ReviewKycDocumentInput!) { reviewKycDocument(input: $input) {
  document { status reason expiresAt } errors { field code message } } }"""


def _email() -> str:
    return f"k{uuid.uuid4().hex[:10]}@example.org"


def upload(client: GraphQLClient, kind: str, content: bytes, filename: str = "id.png") -> dict:
    """The GraphQL multipart request spec, as a browser's form would send it."""
    operations = {"query": SUBMIT, "variables": {"input": {"kind": kind, "file": None}}}
    response = client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, content, "image/png")},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["submitKycDocument"]


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def officer(live_server: LiveServer, superadmin: GraphQLClient) -> GraphQLClient:
    return make_admin(live_server.url, superadmin, "KYC_OFFICER")


def test_kyc_tiers_are_public_with_money_as_decimal_strings(live_server: LiveServer) -> None:
    tiers = GraphQLClient(live_server.url).data("""{ kycTiers(currency: "REC") { level name canSend
        perPaymentLimit { amount currency } maxBalance { amount } onMap requiredDocuments } }""")
    assert tiers["kycTiers"][1] == {
        "level": 1,
        "name": "KYC1",
        "canSend": True,
        "perPaymentLimit": {"amount": "2500.00", "currency": "REC"},
        "maxBalance": {"amount": "10000.00"},
        "onMap": False,
        "requiredDocuments": ["ID_DOCUMENT"],
    }
    assert tiers["kycTiers"][2]["perPaymentLimit"] is None


def test_uploads_are_checked_by_content_and_size(live_server: LiveServer) -> None:
    person = register(live_server.url, _email(), PASSWORD)
    fake = upload(person, "ID_DOCUMENT", b"GIF89a not allowed", "id.png")
    assert fake == {
        "document": None,
        "errors": [
            {"field": "file", "code": "INVALID_INPUT", "message": "send a PDF, JPEG or PNG file"}
        ],
    }
    inline = person.data(SUBMIT, {"input": {"kind": "ID_DOCUMENT", "file": "iVBORw0KGgo="}})
    assert inline["submitKycDocument"]["errors"] == [
        {"field": "file", "code": "INVALID_INPUT", "message": "send the file as a multipart upload"}
    ]
    huge = upload(person, "ID_DOCUMENT", PNG + b"\x00" * (10 * 1024 * 1024))
    assert huge["errors"][0]["message"] == "10 MB at most"
    assert person.data(TIER)["viewer"]["activeAccount"]["kycDocuments"] == []


def test_a_document_is_readable_by_its_owner_and_officers_only(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    owner = register(live_server.url, _email(), PASSWORD)
    document = upload(owner, "ID_DOCUMENT", PNG)["document"]
    assert document["status"] == "SUBMITTED" and document["contentType"] == "image/png"
    url = document["downloadUrl"]

    mine = owner.http.get(url)
    assert mine.status_code == 200 and mine.content == PNG
    assert mine.headers["cache-control"] == "private, no-store"
    assert officer.http.get(url).content == PNG
    stranger = register(live_server.url, _email(), PASSWORD)
    assert stranger.http.get(url).status_code == 404
    assert httpx.get(live_server.url + url).status_code == 401
    by_node = "query($id: ID!) { node(id: $id) { ... on KycDocument { status } } }"
    assert stranger.data(by_node, {"id": document["id"]}) == {"node": None}
    assert owner.data(by_node, {"id": document["id"]}) == {"node": {"status": "SUBMITTED"}}
    assert stranger.refusal("{ kycReviewQueue(first: 1) { edges { cursor } } }") == "FORBIDDEN"


def test_an_officers_decision_changes_the_tier_and_reaches_the_person_live(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    email = _email()
    person = register(live_server.url, email, PASSWORD)
    document = upload(person, "ID_DOCUMENT", PNG)["document"]
    assert person.data(TIER)["viewer"]["activeAccount"]["kycTier"] == 0
    before = person.data("{ viewer { activeAccount { kycLimits { canSend } } } }")
    assert before["viewer"]["activeAccount"]["kycLimits"] == {"canSend": False}  # KYC0

    with subscription(
        live_server.url,
        "subscription { viewerEvents { type data } }",
        cookie=person.http.cookies["rec_session"],
    ) as socket:
        queue = officer.data(
            "{ kycReviewQueue(first: 100) { edges { node { document { id } account { name } } } } }"
        )["kycReviewQueue"]["edges"]
        assert document["id"] in [edge["node"]["document"]["id"] for edge in queue]
        no_reason = officer.data(REVIEW, {"input": {"id": document["id"], "decision": "DECLINE"}})[
            "reviewKycDocument"
        ]
        assert no_reason["errors"][0]["field"] == "reason"
        approved = officer.mutate(
            "reviewKycDocument",
            REVIEW,
            {"id": document["id"], "decision": "APPROVE", "reason": "checked at the counter"},
        )
        assert approved["document"]["status"] == "APPROVED"

        received = [next_message(socket) for _ in range(2)]
    events = [m["payload"]["data"]["viewerEvents"] for m in received]
    assert [e["type"] for e in events] == ["kyc_document.approved", "kyc_tier.changed"]
    assert events[1]["data"]["to"] == 1
    assert person.data(TIER)["viewer"]["activeAccount"]["kycTier"] == 1
    limits = person.data("""{ viewer { activeAccount { kycLimits { level canSend
        perPaymentLimit { amount } } } } }""")["viewer"]["activeAccount"]["kycLimits"]
    tier_one = GraphQLClient(live_server.url).data(
        '{ kycTiers(currency: "REC") { level canSend perPaymentLimit { amount } } }'
    )["kycTiers"][1]
    assert limits == tier_one and limits["canSend"] is True

    again = officer.data(
        REVIEW,
        {"input": {"id": document["id"], "decision": "DECLINE", "reason": "changed my mind"}},
    )["reviewKycDocument"]
    assert again["errors"][0]["message"] == "this document was already decided"


def test_only_officers_decide_and_only_superadmins_change_limits(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    person = register(live_server.url, _email(), PASSWORD)
    document = upload(person, "ID_DOCUMENT", PNG)["document"]
    assert person.refusal(REVIEW, {"input": {"id": document["id"], "decision": "APPROVE"}}) == (
        "FORBIDDEN"
    )
    update = """mutation($input: UpdateKycTierInput!) { updateKycTier(input: $input) {
        tier { perPaymentLimit { amount } } errors { field code } } }"""
    change = {"input": {"currency": "REC", "level": 1, "reason": "x", "perPaymentLimit": "1.00"}}
    assert officer.refusal(update, change) == "FORBIDDEN"
    assert person.data(TIER)["viewer"]["activeAccount"]["kycDocuments"][0]["status"] == (
        "SUBMITTED"
    )


def test_a_superadmin_changes_a_tiers_limits_for_everyone(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    update = """mutation($input: UpdateKycTierInput!) { updateKycTier(input: $input) {
        tier { perPaymentLimit { amount } maxBalance { amount } } errors { field code } } }"""
    bad = superadmin.data(
        update,
        {"input": {"currency": "REC", "level": 1, "reason": "x", "perPaymentLimit": "12.345"}},
    )["updateKycTier"]
    assert bad == {"tier": None, "errors": [{"field": "perPaymentLimit", "code": "INVALID_AMOUNT"}]}
    huge = superadmin.data(  # more minor units than the limit's column holds
        update,
        {"input": {"currency": "REC", "level": 1, "reason": "x", "maxBalance": "9" * 20 + ".99"}},
    )["updateKycTier"]
    assert huge == {"tier": None, "errors": [{"field": "maxBalance", "code": "INVALID_AMOUNT"}]}
    changed = superadmin.mutate(
        "updateKycTier",
        update,
        {
            "currency": "REC",
            "level": 1,
            "reason": "council decision 42",
            "perPaymentLimit": "750.50",
            "unlimited": ["maxBalance"],
        },
    )
    assert changed["tier"] == {"perPaymentLimit": {"amount": "750.50"}, "maxBalance": None}
    public = GraphQLClient(live_server.url).data(
        '{ kycTiers(currency: "REC") { level perPaymentLimit { amount } } }'
    )["kycTiers"]
    assert public[1] == {"level": 1, "perPaymentLimit": {"amount": "750.50"}}
    log = superadmin.data("{ auditLog(first: 1) { edges { node { action reason } } } }")
    assert log["auditLog"]["edges"] == [
        {"node": {"action": "kyc_tier.update", "reason": "council decision 42"}}
    ]


def test_a_subscription_stops_when_its_session_ends(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    person = register(live_server.url, _email(), PASSWORD)
    document = upload(person, "ID_DOCUMENT", PNG)["document"]
    with subscription(
        live_server.url,
        "subscription { viewerEvents { type } }",
        cookie=person.http.cookies["rec_session"],
    ) as socket:
        person.data("mutation { logout { errors { code } } }")
        officer.mutate(
            "reviewKycDocument",
            REVIEW,
            {"id": document["id"], "decision": "DECLINE", "reason": "unreadable"},
        )
        # The event arrives after the session ended: nothing is delivered, the stream ends.
        assert next_message(socket) == {"id": "s", "type": "complete"}


def test_a_program_subscribes_with_its_token_in_connection_init(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    email = _email()
    register(live_server.url, email, PASSWORD)
    program = GraphQLClient(live_server.url)
    token = program.mutate("login", LOGIN, {"email": email, "password": PASSWORD})["token"]
    person = GraphQLClient(live_server.url, token=token)
    document = upload(person, "ID_DOCUMENT", PNG)["document"]
    with subscription(
        live_server.url, "subscription { viewerEvents { type } }", token=token
    ) as socket:
        officer.mutate(
            "reviewKycDocument",
            REVIEW,
            {"id": document["id"], "decision": "DECLINE", "reason": "expired card"},
        )
        message = next_message(socket)
    assert message["payload"]["data"]["viewerEvents"]["type"] == "kyc_document.declined"


def test_a_bad_token_in_connection_init_is_refused(live_server: LiveServer) -> None:
    ws_url = live_server.url.replace("http://", "ws://") + "/graphql"
    with connect(ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10) as socket:
        socket.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer made-up"}})
        )
        with pytest.raises(Exception) as closed:
            socket.recv(timeout=10)
    assert "4403" in str(closed.value)


QUEUE = """query($after: String) { kycReviewQueue(first: 2, after: $after) {
  edges { cursor node { document { id } } } pageInfo { hasNextPage endCursor } } }"""


def test_the_review_queue_pages_oldest_first(
    live_server: LiveServer, officer: GraphQLClient
) -> None:
    submitted = [
        upload(register(live_server.url, _email(), PASSWORD), "ID_DOCUMENT", PNG)["document"]["id"]
        for _ in range(3)
    ]
    pages = officer.pages(QUEUE, "kycReviewQueue")
    assert all(1 <= len(page) <= 2 for page in pages)
    waiting = [item["document"]["id"] for page in pages for item in page]
    assert len(waiting) == len(set(waiting))  # no document on two pages
    assert [d for d in waiting if d in submitted] == submitted  # oldest first
    answer = officer.raw(QUEUE, {"after": "-1"})
    assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
