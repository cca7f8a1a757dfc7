"""The app as `rec serve` runs it, over real HTTP and WebSocket on 127.0.0.1."""

import base64
import json
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from server.branding import load_all
from server.settings import PROJECT_ROOT
from tests.conftest import LiveServer
from tests.helpers.graphql import register

NAMES = {b.code: b.theme.name for b in load_all(PROJECT_ROOT / "branding")}
CODES = sorted(NAMES)  # REC, and the other currencies of branding/


def graphql(server: LiveServer, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        server.url + "/graphql", json={"query": query, "variables": variables or {}}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_healthz_answers_with_the_count_of_live_subscribers(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "subscribers": 0})


def test_readyz_reports_both_stores_up(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "stores": {"relational": "up", "documents": "up"}}


def test_currencies_returns_rec(live_server: LiveServer) -> None:
    body = graphql(
        live_server, "{ currencies { code name symbol decimals theme { primaryColor } } }"
    )
    assert "errors" not in body
    currencies = body["data"]["currencies"]
    assert [currency["code"] for currency in currencies] == CODES  # one per branding folder
    assert next(currency for currency in currencies if currency["code"] == "REC") == {
        "code": "REC",
        "name": "REC",
        "symbol": "REC",
        "decimals": 2,
        "theme": {"primaryColor": "#0E7C66"},
    }


def test_currency_by_code_ignores_case_and_unknown_is_null(live_server: LiveServer) -> None:
    body = graphql(
        live_server, "query($c: String!) { currency(code: $c) { code tagline } }", {"c": "rec"}
    )
    assert body["data"]["currency"] == {
        "code": "REC",
        "tagline": "Comença al barri. Canvia la ciutat",
    }
    assert graphql(live_server, '{ currency(code: "XYZ") { code } }')["data"] == {"currency": None}


def test_a_currency_is_a_node_with_an_opaque_id(live_server: LiveServer) -> None:
    currencies = graphql(live_server, "{ currencies { id code } }")["data"]["currencies"]
    currency_id = next(currency["id"] for currency in currencies if currency["code"] == "REC")
    assert "REC" not in currency_id  # opaque to clients
    body = graphql(
        live_server,
        "query($id: ID!) { node(id: $id) { id ... on Currency { code } } }",
        {"id": currency_id},
    )
    assert body["data"]["node"] == {"id": currency_id, "code": "REC"}
    missing = base64.b64encode(b"Currency:NOPE").decode()
    assert graphql(live_server, "query($id: ID!) { node(id: $id) { id } }", {"id": missing})[
        "data"
    ] == {"node": None}


def test_a_malformed_query_is_a_graphql_error_not_a_crash(live_server: LiveServer) -> None:
    response = httpx.post(live_server.url + "/graphql", json={"query": "{ currencies { nope } }"})
    assert response.status_code == 200
    assert "Cannot query field 'nope'" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (
            'query($d: Date!) { b2bReport(currency: "REC", from: $d, to: $d) { currency } }',
            {"d": "2026-13-01"},
            "INVALID_INPUT",
        ),
        (
            '{ b2bReport(currency: "REC", from: "yesterday", to: "2026-01-01") { currency } }',
            None,
            "INVALID_INPUT",
        ),
        (
            'query($d: Date!) { b2bReport(currency: "REC", from: $d, to: $d) { currency } }',
            {},
            "INVALID_INPUT",
        ),
        ("{ currency(code: 5) { code } }", None, "INVALID_INPUT"),
        ("{ noSuchField }", None, "INVALID_QUERY"),
        ("{ currencies { code ", None, "INVALID_QUERY"),
    ],
)
def test_a_query_graphql_itself_refuses_carries_a_code(
    live_server: LiveServer, query: str, variables: dict | None, code: str
) -> None:
    """A date that is no date, a value of the wrong type, a field that does not exist:
    refused before anything runs, each error with its code like our own refusals."""
    body = httpx.post(
        live_server.url + "/graphql", json={"query": query, "variables": variables}
    ).json()
    assert body.get("data") is None
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert body["errors"][0]["message"]


def test_every_response_carries_a_request_id_and_honours_a_given_one(
    live_server: LiveServer,
) -> None:
    generated = httpx.get(live_server.url + "/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    given = httpx.get(live_server.url + "/healthz", headers={"x-request-id": "trace-0042-abc"})
    assert given.headers["x-request-id"] == "trace-0042-abc"
    hostile = httpx.get(live_server.url + "/healthz", headers={"x-request-id": 'a"b c'})
    assert hostile.headers["x-request-id"] != 'a"b c'


def test_each_request_is_one_json_log_line_without_its_query_string(
    live_server: LiveServer,
) -> None:
    httpx.get(
        live_server.url + "/healthz?token=never-logged-123",
        headers={"x-request-id": "logline-test-7788"},
    )
    deadline = time.monotonic() + 10  # the line is written as the response ends
    while True:
        lines = [json.loads(x) for x in live_server.log().splitlines() if x.startswith("{")]
        mine = [line for line in lines if line.get("request_id") == "logline-test-7788"]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(mine) == 1
    assert mine[0]["path"] == "/healthz" and mine[0]["status"] == 200 and mine[0]["method"] == "GET"
    assert "never-logged-123" not in live_server.log()


def test_graphiql_is_served_with_local_assets_only(live_server: LiveServer) -> None:
    page = httpx.get(live_server.url + "/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text and "cdn" not in page.text.lower()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert len(assets) >= 5
    for asset in assets:
        assert httpx.get(live_server.url + asset).status_code == 200, asset


def test_branding_serves_only_the_files_a_theme_names(live_server: LiveServer) -> None:
    logo = httpx.get(live_server.url + "/branding/rec/logo.svg")
    assert logo.status_code == 200 and logo.headers["content-type"].startswith("image/svg")
    icon = httpx.get(live_server.url + "/branding/rec/icon-512.png")
    assert icon.content[:8] == b"\x89PNG\r\n\x1a\n"
    for path in (
        "/branding/rec/theme.toml",
        "/branding/xyz/logo.svg",
        "/branding/rec/..%2Ftheme.toml",
    ):
        assert httpx.get(live_server.url + path).status_code == 404, path


def test_wallet_manifest_is_built_from_the_branding(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/wallet/rec/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["short_name"] == "REC" and manifest["lang"] == "ca"
    assert manifest["theme_color"] == "#0E7C66" and manifest["start_url"] == "/wallet/rec/"
    assert manifest["id"] == manifest["scope"] == "/wallet/rec/"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        assert httpx.get(live_server.url + icon["src"]).status_code == 200


@pytest.mark.parametrize("path", ["/wallet/rec/", "/admin/"])
def test_pages_are_shells_that_mount_their_component(live_server: LiveServer, path: str) -> None:
    response = httpx.get(live_server.url + path)
    assert response.status_code == 200
    assert "<title>REC" in response.text
    assert "mountReactPy" in response.text
    assert "http://" not in response.text and "https://" not in response.text


def test_root_redirects_to_the_default_currency_s_wallet(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/wallet/rec/"


def test_graphql_over_graphql_transport_ws(live_server: LiveServer) -> None:
    ws_url = live_server.url.replace("http://", "ws://") + "/graphql"
    with connect(ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10) as socket:
        socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(socket.recv(timeout=10))["type"] == "connection_ack"
        socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "{ currencies { code name } }"},
                }
            )
        )
        message = json.loads(socket.recv(timeout=10))
        assert message == {
            "id": "1",
            "type": "next",
            "payload": {
                "data": {"currencies": [{"code": code, "name": NAMES[code]} for code in CODES]},
                "extensions": {"cost": 3},
            },
        }
        assert json.loads(socket.recv(timeout=10)) == {"id": "1", "type": "complete"}


def test_graphql_ws_refuses_a_client_that_never_initialises(live_server: LiveServer) -> None:
    ws_url = live_server.url.replace("http://", "ws://") + "/graphql"
    with connect(ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10) as socket:
        socket.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ currencies { code } }"}}
            )
        )
        with pytest.raises(Exception) as closed:
            socket.recv(timeout=10)
        assert "4401" in str(closed.value)


@pytest.mark.parametrize(
    "bogus",
    [
        "",
        "not base64!",
        base64.b64encode(b"Currency:NOPE").decode(),
        base64.b64encode(b"Theme:REC").decode(),
        base64.b64encode(b"Nothing:1").decode(),
    ],
)
def test_node_is_null_for_ids_it_never_gave_out(live_server: LiveServer, bogus: str) -> None:
    body = graphql(live_server, "query($id: ID!) { node(id: $id) { id } }", {"id": bogus})
    assert body == {"data": {"node": None}, "extensions": {"cost": 2}}


def test_a_body_over_the_limit_is_refused_before_it_is_read(live_server: LiveServer) -> None:
    from server.app import REQUEST_BODY_MAX

    response = httpx.post(
        live_server.url + "/graphql",
        content=b"x" * (REQUEST_BODY_MAX + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {"error": "REQUEST_TOO_LARGE", "limit_bytes": REQUEST_BODY_MAX}


def test_signing_in_from_a_scanned_pay_link_comes_back_to_it(live_server: LiveServer) -> None:
    email = f"h{uuid.uuid4().hex[:10]}@example.org"
    register(live_server.url, email, "a long enough passphrase")
    wanted = "/wallet/rec/pay?to=forn-de-gracia&amount=12.50&memo=pa%20i%20coca"
    old = "/wallet/pay?to=forn-de-gracia&amount=12.50"  # a pay link printed before
    for asked, landing in (
        (wanted, wanted),
        (old, old),
        ("/wallet/rec/history", "/wallet/rec/history"),
        ("https://elsewhere.example.org/", "/wallet/"),  # never off the wallet
        ("/wallet/pay?to=<script>", "/wallet/"),
    ):
        answer = httpx.post(
            live_server.url + "/wallet/sign-in",
            data={"email": email, "password": "a long enough passphrase", "next": asked},
            headers={"origin": live_server.url},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == landing


def test_the_reactpy_client_is_served_with_lean_events(live_server: LiveServer) -> None:
    from server import reactpy_client

    served = httpx.get(live_server.url + reactpy_client.client_path())
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    body = served.text
    # One converter, handing every event to the lean one, which comes with it.
    assert body.count("return recLeanEvent(") == 1 and "function recLeanEvent(event)" in body
    again = httpx.get(
        live_server.url + reactpy_client.client_path(),
        headers={"if-none-match": served.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    # The client's other modules still come from ReactPy, untouched.
    preact = httpx.get(live_server.url + "/reactpy/static/preact.js")
    assert preact.status_code == 200 and "recLeanEvent" not in preact.text


def test_a_reactpy_client_without_the_known_converter_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import reactpy_client

    changed = tmp_path / "index.js"
    changed.write_text("function v(G){return JSON.parse(JSON.stringify(G))}", encoding="utf-8")
    monkeypatch.setattr(reactpy_client, "REACTPY_CLIENT", changed)
    reactpy_client.client.cache_clear()
    try:
        with pytest.raises(reactpy_client.ClientChanged, match="server/reactpy_client.py"):
            reactpy_client.client()
    finally:
        monkeypatch.undo()
        reactpy_client.client.cache_clear()
    assert b"recLeanEvent" in reactpy_client.client()


async def test_a_live_page_that_leaves_during_an_update_is_no_error() -> None:
    """A phone that closes the wallet while ReactPy sends it an update: the send fails as
    uvicorn fails it (ClientDisconnected, an OSError), and nothing is raised or logged as an
    error; the same failure on any other websocket (GraphQL's) still reaches its handler."""
    from types import SimpleNamespace

    from uvicorn.protocols.utils import ClientDisconnected

    from server.app import RecASGI

    async def gone(message: dict) -> None:
        if message["type"] == "websocket.send":
            raise ClientDisconnected()

    async def sends_an_update(scope: dict, receive: object, send: object) -> None:
        await send({"type": "websocket.send", "text": "{}"})  # type: ignore[operator]

    app = RecASGI(sends_an_update, SimpleNamespace())  # type: ignore[arg-type]
    live = {"type": "websocket", "path": "/reactpy/pwa.wallet.Wallet/", "headers": []}
    await app(live, None, gone)  # no exception
    other = {"type": "websocket", "path": "/graphql", "headers": []}
    with pytest.raises(ClientDisconnected):
        await app(other, None, gone)
